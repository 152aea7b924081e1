package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"tandem/internal/campaigns"
	"tandem/internal/feedback"
	"tandem/internal/refusal"
)

// The product alerts and feedback API: the same domain calls and rules as
// their pages.

// apiAlert is a product alert as the API shows it, with the caller's
// acknowledgement.
type apiAlert struct {
	ID             int64      `json:"id"`
	Headline       string     `json:"headline"`
	Product        string     `json:"product"`
	Severity       string     `json:"severity"`
	WhatHappened   string     `json:"what_happened"`
	Guidance       string     `json:"guidance"`
	UntilOn        *string    `json:"until_on"`
	Active         bool       `json:"active"`
	PostedBy       apiRef     `json:"posted_by"`
	PostedByTeam   string     `json:"posted_by_team"`
	PostedAt       time.Time  `json:"posted_at"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
}

func apiAlertOf(a campaigns.Alert, today time.Time) apiAlert {
	v := apiAlert{ID: a.ID, Headline: a.Headline, Product: a.Product, Severity: string(a.Severity),
		WhatHappened: a.WhatHappened, Guidance: a.Guidance, Active: a.Active(today),
		PostedBy: apiRef{a.PostedBy, a.PostedByName}, PostedByTeam: string(a.PostedByTeam), PostedAt: a.PostedAt}
	if !a.UntilOn.IsZero() {
		d := apiDay(a.UntilOn)
		v.UntilOn = &d
	}
	if !a.AckedAt.IsZero() {
		at := a.AckedAt
		v.AcknowledgedAt = &at
	}
	return v
}

// apiAlertList pages newest first by id, as the alert list does.
func (s *Server) apiAlertList(w http.ResponseWriter, r *http.Request) error {
	before, err := idCursor(r)
	if err != nil {
		return err
	}
	list, more, err := s.campaign.Alerts(r.Context(), currentUser(r).ID, before)
	if err != nil {
		return err
	}
	today := s.today()
	data := make([]apiAlert, len(list))
	for i, a := range list {
		data[i] = apiAlertOf(a, today)
	}
	next := ""
	if more && len(list) > 0 {
		next = strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	return apiJSON(w, r, http.StatusOK, pageOf(w, r, data, next))
}

// idCursor reads an id cursor: the last id of the previous page.
func idCursor(r *http.Request) (int64, error) {
	raw := r.URL.Query().Get("cursor")
	if raw == "" {
		return 0, nil
	}
	id, ok := pathID(raw)
	if !ok {
		return 0, refusal.InvalidField("cursor", "Use the cursor from the previous page's next link.")
	}
	return id, nil
}

func (s *Server) apiAlertGet(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return errNotFound
	}
	a, err := s.campaign.GetAlert(r.Context(), id, currentUser(r).ID)
	if err != nil {
		return err
	}
	return apiJSON(w, r, http.StatusOK, apiAlertOf(a, s.today()))
}

func (s *Server) apiAlertCreate(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Headline     string `json:"headline"`
		Product      string `json:"product"`
		Severity     string `json:"severity"`
		WhatHappened string `json:"what_happened"`
		Guidance     string `json:"guidance"`
		UntilOn      string `json:"until_on"`
	}
	if err := readJSON(r, &body); err != nil {
		return err
	}
	a, err := s.campaign.CreateAlert(r.Context(), *currentUser(r), campaigns.AlertForm(body), time.Now())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/alerts/"+strconv.FormatInt(a.ID, 10))
	return apiJSON(w, r, http.StatusCreated, apiAlertOf(a, s.today()))
}

// apiFeedback is a feedback item as the API shows it.
type apiFeedback struct {
	ID             int64      `json:"id"`
	Customer       string     `json:"customer"`
	Reporter       apiRef     `json:"reporter"`
	ReporterTeam   string     `json:"reporter_team"`
	Lead           *apiRef    `json:"lead"`
	Campaign       *apiRef    `json:"campaign"`
	Product        string     `json:"product"`
	Theme          apiRef     `json:"theme"`
	Sentiment      string     `json:"sentiment"`
	ChainLink      string     `json:"chain_link"`
	Words          string     `json:"words"`
	Note           string     `json:"note"`
	Status         string     `json:"status"`
	StatusAt       time.Time  `json:"status_at"`
	Owner          *apiRef    `json:"owner"`
	Response       string     `json:"response"`
	RespondedAt    *time.Time `json:"responded_at"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	AckDueAt       time.Time  `json:"ack_due_at"`
	Overdue        bool       `json:"overdue"`
	Rating         *int16     `json:"rating"`
	MergedInto     *int64     `json:"merged_into"`
	Heard          int        `json:"heard"`
	Customers      int        `json:"customers"`
	CreatedAt      time.Time  `json:"created_at"`
	Version        int        `json:"version"`
}

func apiFeedbackOf(it feedback.Item, now time.Time) apiFeedback {
	v := apiFeedback{ID: it.ID, Customer: it.Customer, Reporter: apiRef{it.ReporterID, it.ReporterName},
		ReporterTeam: string(it.ReporterTeam), Product: it.Product, Theme: apiRef{it.ThemeID, it.ThemeName},
		Sentiment: string(it.Sentiment), ChainLink: string(it.ChainLink), Words: it.CustomerWords, Note: it.ReporterNote,
		Status: string(it.Status), StatusAt: it.StatusAt, Response: it.Response, RespondedAt: it.RespondedAt,
		AcknowledgedAt: it.AcknowledgedAt, AckDueAt: it.AckDueAt, Overdue: it.Overdue(now), Rating: it.Rating,
		MergedInto: it.MergedInto, Heard: it.Heard, Customers: it.Customers, CreatedAt: it.CreatedAt, Version: it.Version}
	ref := func(id *int64, name string) *apiRef {
		if id == nil {
			return nil
		}
		return &apiRef{*id, name}
	}
	v.Lead, v.Campaign, v.Owner = ref(it.LeadID, it.LeadCompany), ref(it.CampaignID, it.CampaignName), ref(it.OwnerID, it.OwnerName)
	return v
}

// apiFeedbackList is the list page's search and filters, by page.
func (s *Server) apiFeedbackList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page, err := pageCursor(q)
	if err != nil {
		return err
	}
	in := feedback.FilterInput{Q: q.Get("q"), Status: q.Get("status"), Theme: q.Get("theme"),
		Link: q.Get("link"), Sentiment: q.Get("sentiment"), Product: q.Get("product"), Team: q.Get("team"),
		From: q.Get("from"), To: q.Get("to"), Overdue: q.Get("waiting") == "true", Sort: q.Get("sort"), Page: page}
	f, errs := in.Parse(currentUser(r).Location())
	if len(errs) > 0 {
		return errs
	}
	list, total, err := s.feedback.List(r.Context(), f)
	if err != nil {
		return err
	}
	now := s.feedback.Now()
	data := make([]apiFeedback, len(list))
	for i, it := range list {
		data[i] = apiFeedbackOf(it, now)
	}
	// total is capped (feedback.CountCap): past the cap, a full page has more.
	more := len(list) == feedback.PageSize && (total > feedback.CountCap || page*feedback.PageSize < total)
	return apiJSON(w, r, http.StatusOK, pageOf(w, r, data, nextPage(page, more)))
}

func (s *Server) apiFeedbackGet(w http.ResponseWriter, r *http.Request) error {
	it, err := s.feedbackFromPath(r)
	if err != nil {
		return err
	}
	return apiJSON(w, r, http.StatusOK, apiFeedbackOf(it, s.feedback.Now()))
}

func (s *Server) apiFeedbackCreate(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Customer  string `json:"customer"`
		Lead      *int64 `json:"lead"`
		Campaign  *int64 `json:"campaign"`
		Product   string `json:"product"`
		Theme     int64  `json:"theme"`
		Sentiment string `json:"sentiment"`
		ChainLink string `json:"chain_link"`
		Words     string `json:"words"`
		Note      string `json:"note"`
	}
	if err := readJSON(r, &body); err != nil {
		return err
	}
	id := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	in := feedback.Input{Customer: body.Customer, Lead: id(body.Lead), Campaign: id(body.Campaign), Product: body.Product,
		Theme: id(&body.Theme), Sentiment: body.Sentiment, ChainLink: body.ChainLink, Words: body.Words, Note: body.Note}
	it, err := s.feedback.Create(r.Context(), *currentUser(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/feedback/"+strconv.FormatInt(it.ID, 10))
	return apiJSON(w, r, http.StatusCreated, apiFeedbackOf(it, s.feedback.Now()))
}

// apiFeedbackHeard adds the caller's +1 and answers the item with it.
func (s *Server) apiFeedbackHeard(w http.ResponseWriter, r *http.Request) error {
	it, err := s.feedbackFromPath(r)
	if err != nil {
		return err
	}
	var body struct {
		Customer string `json:"customer"`
		Note     string `json:"note"`
	}
	if err := readOptionalJSON(r, &body); err != nil {
		return err
	}
	if err := s.feedback.AddHeard(r.Context(), *currentUser(r), it.ID, body.Customer, body.Note); err != nil {
		return err
	}
	if it, err = s.feedback.Get(r.Context(), it.ID); err != nil {
		return err
	}
	return apiJSON(w, r, http.StatusOK, apiFeedbackOf(it, s.feedback.Now()))
}
