package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"tandem/internal/db"
	"tandem/internal/feedback"
	"tandem/internal/refusal"
	"tandem/web/components"
	fbpages "tandem/web/pages/feedback"
)

// feedbackFilters reads the list's and board's query: the filter, the
// values as typed and what is wrong with them.
func feedbackFilters(r *http.Request) (feedback.Filter, fbpages.Filters, map[string]string) {
	q := r.URL.Query()
	in := feedback.FilterInput{Q: q.Get("q"), Status: q.Get("status"), Theme: q.Get("theme"),
		Link: q.Get("link"), Sentiment: q.Get("sentiment"), Product: q.Get("product"), Team: q.Get("team"),
		From: q.Get("from"), To: q.Get("to"), Overdue: q.Get("waiting") != "", Sort: q.Get("sort"), Page: queryPage(q)}
	f, errs := in.Parse(currentUser(r).Location())
	return f, fbpages.FiltersOf(in), errs
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
	return fbpages.FilterOptionsOf(themes, products, withQuery), nil
}

func (s *Server) feedbackList(w http.ResponseWriter, r *http.Request) error {
	f, values, errs := feedbackFilters(r)
	opts, err := s.filterOptions(r, values.Q != "")
	if err != nil {
		return err
	}
	p := s.page(w, r, "Customer feedback", "feedback")
	v := fbpages.List{Page: p, Filters: values, Options: opts, Errors: errs, PageNum: max(f.Page, 1)}
	v.Filtered = values != (fbpages.Filters{Sort: values.Sort})
	if len(errs) > 0 {
		return s.feedbackListAnswer(w, r, http.StatusUnprocessableEntity, v)
	}
	list, total, err := s.feedback.List(r.Context(), f)
	if err != nil {
		return err
	}
	now := s.feedback.Now()
	ids := make([]int64, len(list))
	for i, it := range list {
		ids[i] = it.ID
	}
	me := currentUser(r)
	mine, err := s.feedback.HeardByUser(r.Context(), me.ID, ids)
	if err != nil {
		return err
	}
	for _, it := range list {
		v.Cards = append(v.Cards, fbpages.CardOf(p, it, now, fbpages.ListExcerpt).WithViewer(it.ReporterID == me.ID, mine[it.ID]))
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
	return s.feedbackListAnswer(w, r, http.StatusOK, v)
}

// feedbackListAnswer is the list page, or for a live filter (htmx) only its
// results and the filter errors.
func (s *Server) feedbackListAnswer(w http.ResponseWriter, r *http.Request, status int, v fbpages.List) error {
	if isHTMX(r) {
		return s.fragment(w, r, status, "", "", fbpages.Results(v), fbpages.ListErrors(v.Errors, true))
	}
	return s.render(w, r, status, fbpages.ListPage(v))
}

func (s *Server) feedbackBoard(w http.ResponseWriter, r *http.Request) error {
	f, values, errs := feedbackFilters(r)
	delete(errs, "status") // the board shows every status, in its own order
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
		q.Set("status", string(col.Status))
		v.Columns = append(v.Columns, fbpages.ColumnOf(p, col, now, "/feedback?"+q.Encode()))
	}
	return s.render(w, r, http.StatusOK, fbpages.BoardPage(v))
}

// newFeedbackView is the log form with its choices.
func (s *Server) newFeedbackView(w http.ResponseWriter, r *http.Request, in feedback.Input, errs map[string]string) (fbpages.New, error) {
	themes, err := s.feedback.Themes(r.Context(), false)
	if err != nil {
		return fbpages.New{}, err
	}
	products, err := s.feedback.Products(r.Context())
	if err != nil {
		return fbpages.New{}, err
	}
	v := fbpages.NewOf(s.page(w, r, "Log customer feedback", "feedback"), in, themes, products, errs)
	current, _ := feedback.ParseID(in.Campaign)
	if v.CampaignOptions, err = s.campaignOptions(r, current); err != nil {
		return fbpages.New{}, err
	}
	// The linked lead is the picker's one choice until the user searches.
	if id, ok := feedback.ParseID(in.Lead); ok {
		company, err := s.feedback.LeadCompany(r.Context(), id)
		switch {
		case err == nil:
			v.LeadPicks, v.LeadMessage = []components.Pick{{Value: in.Lead, Label: company}}, "The linked lead:"
		case !errors.Is(err, db.ErrNotFound):
			return fbpages.New{}, err
		}
	}
	return v, nil
}

// typedFeedback is the log form's values as sent, from a post or from the
// lead search's GET (the form without JavaScript).
func typedFeedback(get func(string) string) feedback.Input {
	return feedback.Input{
		Customer: get("customer"), Lead: get("lead"), Campaign: get("campaign"),
		Product: get("product"), Theme: get("theme"), Sentiment: get("sentiment"),
		ChainLink: get("chain_link"), Words: get("words"), Note: get("note"),
	}
}

// feedbackNewForm shows the log form; ?lead=ID and ?campaign=ID prefill
// the links (and the customer from the lead), so other pages can link here.
func (s *Server) feedbackNewForm(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("find") == "lead" {
		return s.feedbackFindLead(w, r)
	}
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

// feedbackFindLead is the lead picker without JavaScript: the "Find lead"
// button sends the form by GET, and it comes back as typed with the leads
// that match the search to choose from.
func (s *Server) feedbackFindLead(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	in := typedFeedback(q.Get)
	v, err := s.newFeedbackView(w, r, in, nil)
	if err != nil {
		return err
	}
	v.LeadQuery = q.Get("lead_q")
	if v.LeadPicks, v.LeadMessage, err = s.leadPicks(r.Context(), v.LeadQuery); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, fbpages.NewPage(v))
}

func (s *Server) feedbackCreate(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	in := typedFeedback(r.PostFormValue)
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	it, err := s.feedback.Create(ctx, *me, in)
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if k := refusal.KindOf(err); k != refusal.Unknown {
		v, err := s.newFeedbackView(w, r, in, refusal.FieldMessages(err))
		if err != nil {
			return err
		}
		v.LeadQuery = r.PostFormValue("lead_q") // the lead search as typed stays, with the picked lead
		return s.render(w, r, refusalStatus(k), fbpages.NewPage(v))
	}
	if err != nil {
		return err
	}
	due := components.Page{User: &components.User{Location: me.Location()}}.DateTime(it.AckDueAt)
	s.flash(w, r, "success", fmt.Sprintf("Feedback #%d is logged. Marketing acknowledges it by %s; you are notified of every response.", it.ID, due))
	return redirect(w, r, feedback.Link(it.ID))
}
