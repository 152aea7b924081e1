package server

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"tandem/internal/leads"
	"tandem/internal/refusal"
	leadpages "tandem/web/pages/leads"
)

// The leads API: the same domain calls and rules as the lead pages.

// apiMoney is an amount as a decimal string with its currency code.
type apiMoney struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// apiRef names a related record.
type apiRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// apiLead is a lead as the API shows it. Times are RFC 3339 with offset.
type apiLead struct {
	ID             int64      `json:"id"`
	Company        string     `json:"company"`
	ContactName    string     `json:"contact_name"`
	Email          string     `json:"email"`
	Phone          string     `json:"phone"`
	Title          string     `json:"title"`
	Country        string     `json:"country"`
	Fit            string     `json:"fit"`
	Score          int        `json:"score"`
	Stage          string     `json:"stage"`
	Owner          *apiRef    `json:"owner"`
	SourceCampaign *apiRef    `json:"source_campaign"`
	DealValue      *apiMoney  `json:"deal_value"`
	CreatedAt      time.Time  `json:"created_at"`
	HandedOffAt    *time.Time `json:"handed_off_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Version        int        `json:"version"`
}

func apiLeadOf(l leads.Lead, currency string) apiLead {
	v := apiLead{ID: l.ID, Company: l.Company, ContactName: l.ContactName, Email: l.Email, Phone: l.Phone,
		Title: l.Title, Country: l.Country, Fit: l.Fit, Score: l.Score, Stage: string(l.Stage),
		CreatedAt: l.CreatedAt, HandedOffAt: l.HandedOffAt, UpdatedAt: l.UpdatedAt, Version: l.Version}
	if l.OwnerID != nil {
		v.Owner = &apiRef{*l.OwnerID, l.OwnerName}
	}
	if l.SourceCampaignID != nil {
		v.SourceCampaign = &apiRef{*l.SourceCampaignID, l.SourceCampaign}
	}
	if l.DealValue != nil {
		v.DealValue = &apiMoney{strconv.FormatFloat(*l.DealValue, 'f', 2, 64), currency}
	}
	return v
}

func (s *Server) apiLeadList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, _, errs := leads.ParseFilter(q, currentUser(r).ID, s.cfg.Location)
	if len(errs) > 0 {
		return errs
	}
	var err error
	if f.Limit, err = apiLimit(q); err != nil {
		return err
	}
	f.After = q.Get("cursor")
	page, err := s.leads.List(r.Context(), f)
	if err != nil {
		return err
	}
	currency, err := s.settings.Currency(r.Context())
	if err != nil {
		return err
	}
	data := make([]apiLead, len(page.Leads))
	for i, l := range page.Leads {
		data[i] = apiLeadOf(l, currency)
	}
	return apiJSON(w, r, http.StatusOK, pageOf(w, r, data, page.Next))
}

// apiLeadAnswer writes the lead with its version as ETag.
func (s *Server) apiLeadAnswer(w http.ResponseWriter, r *http.Request, status int, l leads.Lead) error {
	currency, err := s.settings.Currency(r.Context())
	if err != nil {
		return err
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/leads/"+strconv.FormatInt(l.ID, 10))
	}
	if r.Method != http.MethodGet {
		w.Header().Set("ETag", versionETag(l.Version))
	}
	return apiJSON(w, r, status, apiLeadOf(l, currency))
}

func (s *Server) apiLeadGet(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	l, err := s.leads.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return s.apiLeadAnswer(w, r, http.StatusOK, l)
}

// apiLeadInput is the body of a create, and of an update where every
// field is optional.
type apiLeadInput struct {
	Company          *string `json:"company"`
	ContactName      *string `json:"contact_name"`
	Email            *string `json:"email"`
	Phone            *string `json:"phone"`
	Title            *string `json:"title"`
	Country          *string `json:"country"`
	Fit              *string `json:"fit"`
	Score            *int    `json:"score"`
	SourceCampaignID *int64  `json:"source_campaign_id"`
}

// over applies the sent fields over in.
func (b apiLeadInput) over(in leads.NewLead) leads.NewLead {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Company, b.Company)
	set(&in.ContactName, b.ContactName)
	set(&in.Email, b.Email)
	set(&in.Phone, b.Phone)
	set(&in.Title, b.Title)
	set(&in.Country, b.Country)
	set(&in.Fit, b.Fit)
	if b.Score != nil {
		in.Score = *b.Score
	}
	if b.SourceCampaignID != nil {
		in.SourceCampaignID = *b.SourceCampaignID
	}
	return in
}

func (s *Server) apiLeadCreate(w http.ResponseWriter, r *http.Request) error {
	var body apiLeadInput
	if err := readJSON(r, &body); err != nil {
		return err
	}
	l, err := s.leads.Create(r.Context(), *currentUser(r), body.over(leads.NewLead{}))
	if err != nil {
		return err
	}
	return s.apiLeadAnswer(w, r, http.StatusCreated, l)
}

func (s *Server) apiLeadUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(r)
	if err != nil {
		return err
	}
	var body apiLeadInput
	if err := readJSON(r, &body); err != nil {
		return err
	}
	l, err := s.leads.Get(r.Context(), id)
	if err != nil {
		return err
	}
	l, err = s.leads.Update(r.Context(), *currentUser(r), id, version, body.over(newLeadOf(l)))
	if err != nil {
		return err
	}
	return s.apiLeadAnswer(w, r, http.StatusOK, l)
}

// newLeadOf is the editable fields of the lead as they are.
func newLeadOf(l leads.Lead) leads.NewLead {
	in := leads.NewLead{Company: l.Company, ContactName: l.ContactName, Email: l.Email, Phone: l.Phone,
		Title: l.Title, Country: l.Country, Fit: l.Fit, Score: l.Score}
	if l.SourceCampaignID != nil {
		in.SourceCampaignID = *l.SourceCampaignID
	}
	return in
}

// apiMoves are the lifecycle actions: the stage each moves to and the body
// fields it reads (the same names as the page forms' fields).
var apiMoves = map[string]struct {
	to     leads.Stage
	fields []string
}{
	"qualify":  {leads.MQL, nil},
	"hand-off": {leads.HandedOff, []string{"owner", "note"}},
	"recycle":  {leads.Recycled, nil},
	"accept":   {leads.Accepted, []string{"rating", "note"}},
	"reject":   {leads.Rejected, []string{"reason", "rating", "note"}},
	"convert":  {leads.Opportunity, nil},
	"win":      {leads.Won, []string{"value"}},
	"lose":     {leads.Lost, []string{"lost"}},
}

// apiMoveInput is the body of a lifecycle action; each action reads its own
// fields. owner is a user id, value a decimal string.
type apiMoveInput struct {
	Owner  *int64  `json:"owner"`
	Route  *bool   `json:"route"`
	Note   *string `json:"note"`
	Rating *int    `json:"rating"`
	Reason *string `json:"reason"`
	Value  *string `json:"value"`
	Lost   *string `json:"lost"`
}

// form turns the body into the page form's fields, for readMove.
func (b apiMoveInput) form(fields []string) map[string]string {
	all := map[string]string{}
	if b.Owner != nil {
		all["owner"] = strconv.FormatInt(*b.Owner, 10)
	}
	if b.Route != nil && *b.Route {
		all["owner"] = leadpages.RouteByRules
	}
	if b.Rating != nil {
		all["rating"] = strconv.Itoa(*b.Rating)
	}
	for k, v := range map[string]*string{"note": b.Note, "reason": b.Reason, "value": b.Value, "lost": b.Lost} {
		if v != nil {
			all[k] = *v
		}
	}
	form := map[string]string{}
	for _, k := range fields {
		if v, ok := all[k]; ok {
			form[k] = v
		}
	}
	if _, ok := form["value"]; !ok && slices.Contains(fields, "value") {
		form["value"] = ""
	}
	return form
}

// apiLeadMove is the handler of one lifecycle action, the API twin of
// leadMove: the same move, at the version in If-Match.
func (s *Server) apiLeadMove(action string) handlerFunc {
	mv := apiMoves[action]
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := s.leadFromPath(r)
		if err != nil {
			return err
		}
		version, err := ifMatchVersion(r)
		if err != nil {
			return err
		}
		var body apiMoveInput
		if err := readOptionalJSON(r, &body); err != nil {
			return err
		}
		l, err := s.leads.Apply(r.Context(), *currentUser(r), id, version, readMove(mv.to, body.form(mv.fields)))
		if err != nil {
			return err
		}
		return s.apiLeadAnswer(w, r, http.StatusOK, l)
	}
}

// apiEvent is one timeline entry (a touch or a comment).
type apiEvent struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Author string    `json:"author"`
	Kind   string    `json:"kind"`
	// TouchKind is how a touch followed up: call, email, meeting or note.
	TouchKind *string `json:"touch_kind,omitempty"`
	Text      string  `json:"text"`
}

func (s *Server) apiLeadTouch(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	var body struct {
		Kind string `json:"kind"`
		Note string `json:"note"`
	}
	if err := readJSON(r, &body); err != nil {
		return err
	}
	if err := s.leads.Touch(r.Context(), *currentUser(r), id, body.Kind, body.Note); err != nil {
		return err
	}
	return s.apiLatestEvent(w, r, id, "touch")
}

func (s *Server) apiLeadComment(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	var body struct {
		Text string `json:"text"`
	}
	if err := readJSON(r, &body); err != nil {
		return err
	}
	if err := s.leads.Comment(r.Context(), *currentUser(r), id, body.Text); err != nil {
		return renameField(err, "comment", "text")
	}
	return s.apiLatestEvent(w, r, id, "comment")
}

// renameField gives a refused page field its API name.
func renameField(err error, from, to string) error {
	fields := refusal.FieldMessages(err)
	if msg, ok := fields[from]; ok && refusal.KindOf(err) == refusal.Invalid {
		return refusal.InvalidField(to, msg)
	}
	return err
}

// apiLatestEvent answers 201 with the lead's newest event of kind.
func (s *Server) apiLatestEvent(w http.ResponseWriter, r *http.Request, id int64, kind string) error {
	events, err := s.leadEvents(r, id, kind)
	if err != nil {
		return err
	}
	return apiJSON(w, r, http.StatusCreated, events[len(events)-1])
}

func (s *Server) leadEvents(r *http.Request, id int64, kind string) ([]apiEvent, error) {
	if _, err := s.leads.Get(r.Context(), id); err != nil {
		return nil, err
	}
	all, err := s.leads.Timeline(r.Context(), id, 0)
	if err != nil {
		return nil, err
	}
	var out []apiEvent
	for _, e := range all {
		if e.Kind == kind {
			out = append(out, apiEvent{ID: e.ID, At: e.At, Author: e.ActorName, Kind: e.Kind, TouchKind: e.TouchKind, Text: e.Note})
		}
	}
	return out, nil
}

func (s *Server) apiLeadComments(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	events, err := s.leadEvents(r, id, "comment")
	if err != nil {
		return err
	}
	return apiJSON(w, r, http.StatusOK, pageOf(w, r, events, ""))
}
