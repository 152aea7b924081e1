package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"tandem/internal/db"
	"tandem/internal/feedback"
	"tandem/internal/users"
	"tandem/web/components"
	fbpages "tandem/web/pages/feedback"
)

// triagers may move feedback through triage, assign owners and merge:
// marketing, and managers and admins of every team.
var triagers = teamsOrManagers(users.Marketing)

func (s *Server) feedbackRoutes() []route {
	return []route{
		{"GET", "/feedback", signedIn, s.feedbackList},
		{"GET", "/feedback/new", signedIn, s.feedbackNewForm},
		{"POST", "/feedback", signedIn, s.feedbackCreate},
		{"GET", "/feedback/board", signedIn, s.feedbackBoard},
		{"GET", "/feedback/themes", signedIn, s.feedbackTrends},
		{"GET", "/feedback/{id}", signedIn, s.feedbackItem},
		{"POST", "/feedback/{id}/heard", signedIn, s.feedbackHeard},
		{"POST", "/feedback/{id}/status", triagers, s.feedbackStatus},
		{"POST", "/feedback/{id}/owner", triagers, s.feedbackOwner},
		{"POST", "/feedback/{id}/rating", signedIn, s.feedbackRating}, // the reporter only: checked on the item
		{"POST", "/feedback/{id}/merge", triagers, s.feedbackMerge},

		{"GET", "/admin/themes", admins, s.adminThemes},
		{"POST", "/admin/themes", admins, s.adminCreateTheme},
		{"POST", "/admin/themes/{id}", admins, s.adminUpdateTheme},
	}
}

// feedbackFilters reads the list's query into a filter, the values as
// typed, and what is wrong with them. Dates are days in the viewer's
// timezone; "until" includes its day.
func feedbackFilters(r *http.Request, loc *time.Location) (feedback.Filter, fbpages.Filters, map[string]string) {
	q := r.URL.Query()
	v := fbpages.Filters{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Theme: q.Get("theme"),
		Link: q.Get("link"), Sentiment: q.Get("sentiment"), Product: q.Get("product"), Team: q.Get("team"),
		From: q.Get("from"), To: q.Get("to"), Overdue: q.Get("waiting") != "", Sort: q.Get("sort")}
	f := feedback.Filter{Query: v.Q, Status: v.Status, ChainLink: feedback.ChainLink(v.Link),
		Sentiment: feedback.Sentiment(v.Sentiment), Product: v.Product, Team: users.Team(v.Team),
		Overdue: v.Overdue, Sort: feedback.Sort(v.Sort)}
	f.Page = queryPage(q)
	errs := map[string]string{}
	if utf8.RuneCountInString(v.Q) > 200 {
		errs["q"] = "Keep the search under 200 characters."
	}
	if v.Status != "" && v.Status != feedback.StatusOpen && !feedback.Status(v.Status).Valid() {
		errs["status"] = "Choose a status from the list."
	}
	if v.Theme != "" {
		id, ok := feedback.ParseID(v.Theme)
		if !ok {
			errs["theme"] = "Choose a theme from the list."
		}
		f.ThemeID = id
	}
	if v.Link != "" && !f.ChainLink.Valid() {
		errs["link"] = "Choose a link of the chain from the list."
	}
	if v.Sentiment != "" && !f.Sentiment.Valid() {
		errs["sentiment"] = "Choose a sentiment from the list."
	}
	if v.Team != "" && !f.Team.Valid() {
		errs["team"] = "Choose a team from the list."
	}
	day := func(field, raw string) time.Time {
		if raw == "" {
			return time.Time{}
		}
		d, err := time.ParseInLocation(time.DateOnly, raw, loc)
		if err != nil {
			errs[field] = "Enter a date like 2026-03-31."
		}
		return d
	}
	f.From = day("from", v.From)
	if to := day("to", v.To); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		errs["to"] = "The end date must not be before the start date."
	}
	switch {
	case v.Sort == "" && v.Q != "":
		f.Sort = feedback.SortRelevance
	case v.Sort == "":
		f.Sort = feedback.SortNewest
	case !f.Sort.Valid():
		errs["sort"] = "Choose an order from the list."
	}
	v.Sort = string(f.Sort)
	return f, v, errs
}

func (s *Server) filterOptions(r *http.Request, withQuery bool) (fbpages.FilterOptions, error) {
	themes, err := s.feedback.Themes(r.Context(), false)
	if err != nil {
		return fbpages.FilterOptions{}, err
	}
	products, err := s.feedback.Products(r.Context())
	if err != nil {
		return fbpages.FilterOptions{}, err
	}
	o := fbpages.FilterOptions{
		Status:    []components.Option{{Value: "", Label: "Any status"}, {Value: feedback.StatusOpen, Label: "Open (not acted on or declined)"}},
		Theme:     []components.Option{{Value: "", Label: "Any theme"}},
		Link:      []components.Option{{Value: "", Label: "Any link"}},
		Sentiment: []components.Option{{Value: "", Label: "Any sentiment"}},
		Product:   []components.Option{{Value: "", Label: "Any product"}},
		Team:      teamOptions("Any team"),
	}
	for _, st := range feedback.Statuses {
		o.Status = append(o.Status, components.Option{Value: string(st), Label: st.Label()})
	}
	for _, t := range themes {
		label := t.Name
		if !t.Active {
			label += " (retired)"
		}
		o.Theme = append(o.Theme, components.Option{Value: strconv.FormatInt(t.ID, 10), Label: label})
	}
	for _, l := range feedback.ChainLinks {
		o.Link = append(o.Link, components.Option{Value: string(l), Label: l.Label() + " — " + l.Explain()})
	}
	for _, se := range feedback.Sentiments {
		o.Sentiment = append(o.Sentiment, components.Option{Value: string(se), Label: se.Label()})
	}
	for _, p := range products {
		o.Product = append(o.Product, components.Option{Value: p, Label: p})
	}
	for _, so := range feedback.Sorts {
		if so != feedback.SortRelevance || withQuery {
			o.Sort = append(o.Sort, components.Option{Value: string(so), Label: so.Label()})
		}
	}
	return o, nil
}

// excerpt shortens text to about n characters at a word boundary.
func excerpt(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

func (s *Server) feedbackCard(p components.Page, it feedback.Item, now time.Time, excerptLen int) fbpages.Card {
	c := fbpages.Card{
		ID: it.ID, Customer: it.Customer, Excerpt: excerpt(it.CustomerWords, excerptLen), Theme: it.ThemeName,
		Product: it.Product, Link: it.ChainLink.Label(), Sentiment: string(it.Sentiment),
		SentimentLabel: it.Sentiment.Label(), Status: string(it.Status), StatusLabel: it.Status.Label(),
		Overdue: it.Overdue(now), Heard: it.Heard, Customers: it.Customers, Reporter: it.ReporterName,
		Team: it.ReporterTeam.Label(), Owner: it.OwnerName, Logged: p.Date(it.CreatedAt),
		LoggedISO: components.ISO(it.CreatedAt),
	}
	if it.AcknowledgedAt == nil {
		c.Due, c.DueISO = p.DateTime(it.AckDueAt), components.ISO(it.AckDueAt)
	}
	if it.Rating != nil {
		c.Rating = int(*it.Rating)
	}
	return c
}

func (s *Server) feedbackList(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	f, values, errs := feedbackFilters(r, me.Location())
	opts, err := s.filterOptions(r, values.Q != "")
	if err != nil {
		return err
	}
	p := s.page(w, r, "Customer feedback", "feedback")
	v := fbpages.List{Page: p, Filters: values, Options: opts, Errors: errs, PageNum: max(f.Page, 1)}
	v.Filtered = values != (fbpages.Filters{Sort: values.Sort})
	if len(errs) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, fbpages.ListPage(v))
	}
	list, total, err := s.feedback.List(r.Context(), f)
	if err != nil {
		return err
	}
	now := s.feedback.Now()
	for _, it := range list {
		v.Cards = append(v.Cards, s.feedbackCard(p, it, now, 160))
	}
	v.Total, v.Capped = min(total, feedback.CountCap), total > feedback.CountCap
	v.Pages = (v.Total + feedback.PageSize - 1) / feedback.PageSize
	q := r.URL.Query()
	pageURL := func(n int) string {
		q.Set("page", strconv.Itoa(n))
		return "/feedback?" + q.Encode()
	}
	if v.PageNum > 1 {
		v.PrevURL = pageURL(v.PageNum - 1)
	}
	if v.PageNum < v.Pages {
		v.NextURL = pageURL(v.PageNum + 1)
	}
	return s.render(w, r, http.StatusOK, fbpages.ListPage(v))
}

func (s *Server) feedbackBoard(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	f, values, errs := feedbackFilters(r, me.Location())
	delete(errs, "status")
	delete(errs, "sort")
	opts, err := s.filterOptions(r, false)
	if err != nil {
		return err
	}
	p := s.page(w, r, "Feedback board", "feedback")
	v := fbpages.Board{Page: p, Filters: opts, Values: values, Errors: errs}
	if len(errs) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, fbpages.BoardPage(v))
	}
	cols, err := s.feedback.Board(r.Context(), f)
	if err != nil {
		return err
	}
	now := s.feedback.Now()
	q := r.URL.Query()
	q.Del("sort")
	for _, col := range cols {
		c := fbpages.Column{Status: string(col.Status), Label: col.Status.Label(), Total: col.Total,
			Ordered: "Waiting longest first"}
		if !col.Status.Open() {
			c.Ordered = "Most recent first"
		}
		for _, it := range col.Items {
			c.Cards = append(c.Cards, s.feedbackCard(p, it, now, 90))
		}
		q.Set("status", string(col.Status))
		c.AllURL = "/feedback?" + q.Encode()
		v.Columns = append(v.Columns, c)
	}
	return s.render(w, r, http.StatusOK, fbpages.BoardPage(v))
}

// newFeedbackView is the log form with its choices.
func (s *Server) newFeedbackView(w http.ResponseWriter, r *http.Request, in feedback.Input, errs map[string]string) (fbpages.New, error) {
	v := fbpages.New{Page: s.page(w, r, "Log customer feedback", "feedback"), Errors: errs,
		Customer: in.Customer, Lead: in.Lead, Campaign: in.Campaign, Product: in.Product, Theme: in.Theme,
		Sentiment: in.Sentiment, ChainLink: in.ChainLink, Words: in.Words, Note: in.Note}
	themes, err := s.feedback.Themes(r.Context(), false)
	if err != nil {
		return v, err
	}
	v.Themes = []components.Option{{Value: "", Label: "Choose a theme…"}}
	for _, t := range themes {
		if t.Active {
			v.Themes = append(v.Themes, components.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
			if t.Description != "" {
				v.ThemeHelp = append(v.ThemeHelp, fbpages.Choice{Label: t.Name, Hint: t.Description})
			}
		}
	}
	if v.Products, err = s.feedback.Products(r.Context()); err != nil {
		return v, err
	}
	for _, se := range feedback.Sentiments {
		v.Sentiments = append(v.Sentiments, fbpages.Choice{Value: string(se), Label: se.Label()})
	}
	for _, l := range feedback.ChainLinks {
		v.Links = append(v.Links, fbpages.Choice{Value: string(l), Label: l.Label(), Hint: l.Explain()})
	}
	return v, nil
}

// feedbackNewForm shows the log form; ?lead=ID and ?campaign=ID prefill
// the links (and the customer from the lead), so other pages can link here.
func (s *Server) feedbackNewForm(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	in := feedback.Input{Lead: q.Get("lead"), Campaign: q.Get("campaign")}
	var leadHint, campaignHint string
	if id, ok := feedback.ParseID(in.Lead); ok {
		company, err := s.feedback.LeadCompany(r.Context(), id)
		switch {
		case err == nil:
			in.Customer, leadHint = company, company
		case !errors.Is(err, db.ErrNotFound):
			return err
		}
	}
	if id, ok := feedback.ParseID(in.Campaign); ok {
		name, err := s.feedback.CampaignName(r.Context(), id)
		switch {
		case err == nil:
			campaignHint = name
		case !errors.Is(err, db.ErrNotFound):
			return err
		}
	}
	v, err := s.newFeedbackView(w, r, in, nil)
	if err != nil {
		return err
	}
	v.LeadHint, v.CampaignHint = leadHint, campaignHint
	return s.render(w, r, http.StatusOK, fbpages.NewPage(v))
}

func (s *Server) feedbackCreate(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	in := feedback.Input{
		Customer: r.PostFormValue("customer"), Lead: r.PostFormValue("lead"), Campaign: r.PostFormValue("campaign"),
		Product: r.PostFormValue("product"), Theme: r.PostFormValue("theme"), Sentiment: r.PostFormValue("sentiment"),
		ChainLink: r.PostFormValue("chain_link"), Words: r.PostFormValue("words"), Note: r.PostFormValue("note"),
	}
	it, err := s.feedback.Create(r.Context(), *me, in)
	var fe feedback.FieldErrors
	if errors.As(err, &fe) {
		v, err := s.newFeedbackView(w, r, in, fe)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, fbpages.NewPage(v))
	}
	if err != nil {
		return err
	}
	due := components.Page{User: &components.User{Location: me.Location()}}.DateTime(it.AckDueAt)
	s.flash(w, "success", fmt.Sprintf("Feedback #%d is logged. Marketing acknowledges it by %s; you are notified of every response.", it.ID, due))
	return redirect(w, r, feedback.Link(it.ID))
}

// feedbackListURL links to the list with the given filters.
func feedbackListURL(params ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		if params[i+1] != "" {
			q.Set(params[i], params[i+1])
		}
	}
	return "/feedback?" + q.Encode()
}
