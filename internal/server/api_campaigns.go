package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"tandem/internal/campaigns"
	"tandem/internal/db"
	"tandem/internal/refusal"
	"tandem/internal/users"
)

// The campaigns API: the same domain calls and rules as the campaign pages.

// centsMoney is an amount in cents as the API writes money.
func centsMoney(cents int64, currency string) apiMoney {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return apiMoney{sign + strconv.FormatInt(cents/100, 10) + "." + twoDigitCents(cents%100), currency}
}

func twoDigitCents(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// apiDay writes a calendar day as YYYY-MM-DD.
func apiDay(t time.Time) string { return t.Format("2006-01-02") }

// pageCursor reads a page-number cursor ("" is the first page); the lists
// the pages number (campaigns, feedback, digests) page this way.
func pageCursor(q url.Values) (int, error) {
	raw := q.Get("cursor")
	if raw == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxPage {
		return 0, refusal.InvalidField("cursor", "Use the cursor from the previous page's next link.")
	}
	return n, nil
}

// nextPage is the cursor after page when more remain.
func nextPage(page int, more bool) string {
	if !more {
		return ""
	}
	return strconv.Itoa(page + 1)
}

// apiReadiness is the share of sales and service who acknowledged a notice.
type apiReadiness struct {
	Eligible int                `json:"eligible"`
	Ready    int                `json:"ready"`
	Percent  *int               `json:"percent"`
	Teams    []apiTeamReadiness `json:"teams,omitempty"`
}

type apiTeamReadiness struct {
	Team     string `json:"team"`
	Eligible int    `json:"eligible"`
	Ready    int    `json:"ready"`
}

func apiReadinessOf(r campaigns.Readiness) *apiReadiness {
	v := &apiReadiness{Eligible: r.Eligible, Ready: r.Ready}
	if p, ok := r.Percent(); ok {
		v.Percent = &p
	}
	return v
}

// apiResults are a campaign's closed-loop numbers, as its page shows them.
type apiResults struct {
	Sourced    int            `json:"sourced"`
	HandedOff  int            `json:"handed_off"`
	Accepted   int            `json:"accepted"`
	Rejected   int            `json:"rejected"`
	Won        int            `json:"won"`
	WonValue   apiMoney       `json:"won_value"`
	Budget     apiMoney       `json:"budget"`
	Conversion *float64       `json:"conversion"`
	CostPerWon *apiMoney      `json:"cost_per_won"`
	Rejections []apiRejection `json:"rejections"`
}

type apiRejection struct {
	Reason string `json:"reason"`
	Label  string `json:"label"`
	Count  int    `json:"count"`
}

func apiResultsOf(r campaigns.Results, currency string) *apiResults {
	v := &apiResults{Sourced: r.Sourced, HandedOff: r.HandedOff, Accepted: r.Accepted, Rejected: r.Rejected, Won: r.Won,
		WonValue: centsMoney(r.WonValueCents, currency), Budget: centsMoney(r.BudgetCents, currency), Rejections: []apiRejection{}}
	if c, ok := r.Conversion(); ok {
		v.Conversion = &c
	}
	if c, ok := r.CostPerWonCents(); ok {
		m := centsMoney(c, currency)
		v.CostPerWon = &m
	}
	for _, rc := range r.Rejections {
		v.Rejections = append(v.Rejections, apiRejection{rc.Code, rc.Label, rc.Count})
	}
	return v
}

// apiCampaign is a campaign and its notice as the API shows it.
type apiCampaign struct {
	ID            int64         `json:"id"`
	Name          string        `json:"name"`
	Channel       string        `json:"channel"`
	Audience      string        `json:"audience"`
	Offer         string        `json:"offer"`
	Key           string        `json:"key"`
	TalkingPoints string        `json:"talking_points"`
	LaunchOn      string        `json:"launch_on"`
	EndOn         string        `json:"end_on"`
	ExpectedLeads int           `json:"expected_leads"`
	Budget        apiMoney      `json:"budget"`
	Owner         apiRef        `json:"owner"`
	Status        string        `json:"status"`
	AnnouncedAt   *time.Time    `json:"announced_at"`
	NoticeDays    *int          `json:"notice_days"`
	NoticeHours   *float64      `json:"notice_lead_hours"`
	LateNotice    bool          `json:"late_notice"`
	LateReason    string        `json:"late_reason"`
	Revision      int           `json:"revision"`
	Readiness     *apiReadiness `json:"readiness,omitempty"`
	Results       *apiResults   `json:"results,omitempty"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
	Version       int           `json:"version"`
}

func apiCampaignOf(c campaigns.Campaign, today time.Time, currency string) apiCampaign {
	v := apiCampaign{ID: c.ID, Name: c.Name, Channel: string(c.Channel), Audience: c.Audience, Offer: c.Offer, Key: c.Key,
		TalkingPoints: c.TalkingPoints, LaunchOn: apiDay(c.LaunchOn), EndOn: apiDay(c.EndOn), ExpectedLeads: c.ExpectedLeads,
		Budget: centsMoney(c.BudgetCents, currency), Owner: apiRef{c.OwnerID, c.OwnerName}, Status: string(c.Status(today)),
		LateNotice: c.LateNotice, LateReason: c.LateReason, Revision: c.Revision,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version}
	if c.Announced {
		at, days, hours := c.AnnouncedAt, c.NoticeDays, c.NoticeLead.Hours()
		v.AnnouncedAt, v.NoticeDays, v.NoticeHours = &at, &days, &hours
	}
	return v
}

func (s *Server) apiCampaignList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	view := campaigns.View(q.Get("view"))
	if !view.Valid() {
		return refusal.InvalidField("view", "Choose a view: upcoming, live, ended, draft or late.")
	}
	page, err := pageCursor(q)
	if err != nil {
		return err
	}
	rows, total, err := s.campaign.List(r.Context(), currentUser(r).ID, view, time.Now(), page)
	if err != nil {
		return err
	}
	currency, err := s.settings.Currency(r.Context())
	if err != nil {
		return err
	}
	today := s.today()
	data := make([]apiCampaign, len(rows))
	for i, row := range rows {
		data[i] = apiCampaignOf(row.Campaign, today, currency)
		data[i].Readiness = apiReadinessOf(row.Readiness)
	}
	return apiJSON(w, r, http.StatusOK, pageOf(w, r, data, nextPage(page, page*campaigns.ListPageSize < total)))
}

// apiCampaignAnswer writes the campaign with its readiness and results,
// and its version as ETag on a change.
func (s *Server) apiCampaignAnswer(w http.ResponseWriter, r *http.Request, status int, c campaigns.Campaign) error {
	ctx := r.Context()
	currency, err := s.settings.Currency(ctx)
	if err != nil {
		return err
	}
	v := apiCampaignOf(c, s.today(), currency)
	rep, err := s.campaign.ReadinessAt(ctx, c.ID, time.Now())
	if err != nil {
		return err
	}
	v.Readiness = apiReadinessOf(rep.Total)
	for _, t := range rep.Teams {
		v.Readiness.Teams = append(v.Readiness.Teams, apiTeamReadiness{string(t.Team), t.Eligible, t.Ready})
	}
	res, err := s.campaign.Results(ctx, c.ID)
	if err != nil {
		return err
	}
	v.Results = apiResultsOf(res, currency)
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/campaigns/"+strconv.FormatInt(c.ID, 10))
	}
	if r.Method != http.MethodGet {
		w.Header().Set("ETag", versionETag(c.Version))
	}
	return apiJSON(w, r, status, v)
}

func (s *Server) apiCampaignGet(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignFromPath(r)
	if err != nil {
		return err
	}
	return s.apiCampaignAnswer(w, r, http.StatusOK, c)
}

// apiCampaignInput is the body of a create, and of an update where every
// field is optional. Dates are YYYY-MM-DD, budget a decimal string.
type apiCampaignInput struct {
	Name          *string `json:"name"`
	Channel       *string `json:"channel"`
	Audience      *string `json:"audience"`
	Offer         *string `json:"offer"`
	Key           *string `json:"key"`
	TalkingPoints *string `json:"talking_points"`
	LaunchOn      *string `json:"launch_on"`
	EndOn         *string `json:"end_on"`
	ExpectedLeads *int    `json:"expected_leads"`
	Budget        *string `json:"budget"`
	OwnerID       *int64  `json:"owner_id"`
	LateReason    *string `json:"late_reason"`
}

// over applies the sent fields over the form f.
func (b apiCampaignInput) over(f campaigns.Form) campaigns.Form {
	for dst, v := range map[*string]*string{&f.Name: b.Name, &f.Channel: b.Channel, &f.Audience: b.Audience,
		&f.Offer: b.Offer, &f.Key: b.Key, &f.TalkingPoints: b.TalkingPoints, &f.LaunchOn: b.LaunchOn,
		&f.EndOn: b.EndOn, &f.Budget: b.Budget, &f.LateReason: b.LateReason} {
		if v != nil {
			*dst = *v
		}
	}
	if b.ExpectedLeads != nil {
		f.ExpectedLeads = strconv.Itoa(*b.ExpectedLeads)
	}
	if b.OwnerID != nil {
		f.OwnerID = strconv.FormatInt(*b.OwnerID, 10)
	}
	return f
}

func (s *Server) apiCampaignCreate(w http.ResponseWriter, r *http.Request) error {
	var body apiCampaignInput
	if err := readJSON(r, &body); err != nil {
		return err
	}
	me := currentUser(r)
	f := campaigns.Form{Channel: string(campaigns.Email)}
	if me.Team == users.Marketing {
		f.OwnerID = strconv.FormatInt(me.ID, 10) // as the new campaign form starts
	}
	c, err := s.campaign.Create(r.Context(), me.ID, body.over(f))
	if err != nil {
		return err
	}
	return s.apiCampaignAnswer(w, r, http.StatusCreated, c)
}

// staleOnConflict makes a version conflict of a change sent with If-Match
// the API's 412.
func staleOnConflict(err error) error {
	if errors.Is(err, db.ErrConflict) {
		return errStale
	}
	return err
}

func (s *Server) apiCampaignUpdate(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignFromPath(r)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(r)
	if err != nil {
		return err
	}
	var body apiCampaignInput
	if err := readJSON(r, &body); err != nil {
		return err
	}
	updated, err := s.campaign.Update(r.Context(), currentUser(r).ID, c.ID, version, body.over(campaigns.FormOf(c)))
	if err != nil {
		return staleOnConflict(err)
	}
	return s.apiCampaignAnswer(w, r, http.StatusOK, updated)
}

// apiCampaignAnnounce announces the campaign at the version in If-Match;
// the request is the confirmation. A late notice needs late_reason.
func (s *Server) apiCampaignAnnounce(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignFromPath(r)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(r)
	if err != nil {
		return err
	}
	var body struct {
		LateReason string `json:"late_reason"`
	}
	if err := readOptionalJSON(r, &body); err != nil {
		return err
	}
	announced, err := s.campaign.Announce(r.Context(), currentUser(r).ID, c.ID, version, body.LateReason, time.Now())
	if err != nil {
		return staleOnConflict(err)
	}
	return s.apiCampaignAnswer(w, r, http.StatusOK, announced)
}
