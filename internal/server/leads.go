package server

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"tandem/internal/leads"
	leadpages "tandem/web/pages/leads"
)

// uploadLimits raises the body limit for upload routes.
var uploadLimits = map[string]int64{"/leads/import": leads.MaxImportBytes + 64<<10}

func (s *Server) leadList(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	in := leadpages.ListInput{Query: r.URL.Query(), CanCreate: marketers.allow(me), CanExport: leadExporters.allow(me),
		ShowQueue: sellers.allow(me), ShowRouting: salesManagers.allow(me)}
	var errs leads.FieldErrors
	in.Filter, in.Form, errs = leads.ParseFilter(in.Query, me.ID, s.cfg.Location)
	in.Errors = errs
	var err error
	if in.Page, err = s.leads.List(r.Context(), in.Filter); err != nil {
		return err // a broken page link is a refusal with its message
	}
	if in.Counts, err = s.leads.CountByStage(r.Context(), in.Filter); err != nil {
		return err
	}
	if in.Reps, err = s.leads.Reps(r.Context()); err != nil {
		return err
	}
	if in.Campaigns, err = s.leads.CampaignChoices(r.Context(), 0); err != nil {
		return err
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	v := leadpages.ListOf(s.page(w, r, "Leads", "leads"), in, time.Now())
	if isHTMX(r) { // a live filter: the results, the stage counts and the filter errors
		return s.fragment(w, r, status, "", "", leadpages.Results(v), leadpages.StageTabs(v, true), leadpages.FilterErrors(v.FilterErrors, true))
	}
	return s.render(w, r, status, leadpages.ListPage(v))
}

func (s *Server) leadQueue(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	manager := me.IsSalesManager()
	page := 1
	if raw := r.URL.Query().Get("page"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return badRequest("That page does not exist; start again from the first page of your queue.")
		}
		page = n
	}
	list, err := s.leads.Queue(r.Context(), me.ID, manager)
	if err != nil {
		return err
	}
	v := leadpages.QueueOf(s.page(w, r, "My queue", "leads"), *me, list, manager, time.Now(), page)
	return s.render(w, r, http.StatusOK, leadpages.QueuePage(v))
}

// rejectionWindows are the spans the rejected-leads page looks back over,
// in days; the first is the default.
var rejectionWindows = []int{90, 30, 7}

func (s *Server) leadRejected(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	days := rejectionWindows[0]
	if raw := q.Get("days"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || !slices.Contains(rejectionWindows, n) {
			return badRequest("Look back 7, 30 or 90 days.")
		}
		days = n
	}
	since := time.Now().AddDate(0, 0, -days)
	summary, err := s.leads.RejectionSummary(r.Context(), since)
	if err != nil {
		return err
	}
	reason := leads.Reason(q.Get("reason"))
	if reason != "" && !reason.Valid() {
		return badRequest("Unknown rejection reason.")
	}
	// The list shows the same window as the summary: the rejections behind
	// its numbers, latest first.
	page, err := s.leads.List(r.Context(), leads.Filter{Stage: leads.Rejected, Reason: reason, Sort: leads.SortRejected,
		RejectedFrom: since, After: q.Get("after"), Limit: 50})
	if err != nil {
		return err
	}
	v := leadpages.RejectedOf(s.page(w, r, "Rejected leads", "leads"), summary, page, q, reason, days, rejectionWindows,
		sellers.allow(currentUser(r)), salesManagers.allow(currentUser(r)))
	return s.render(w, r, http.StatusOK, leadpages.RejectedPage(v))
}

func (s *Server) leadFromPath(r *http.Request) (int64, error) {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return 0, errNotFound
	}
	return id, nil
}
