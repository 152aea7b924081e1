package server

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"tandem/internal/db"
	"tandem/internal/jobs"
	"tandem/web/pages/admin"
)

const jobsPerPage = 50

func (s *Server) adminJobs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	filter := jobs.Filter(q.Get("state"))
	if filter == "" {
		filter = jobs.Queued
	}
	list, more, err := s.jobs.List(r.Context(), filter, queryCursor(q, "before"), jobsPerPage)
	if err != nil {
		return err
	}
	counts, err := s.jobs.Counts(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, admin.JobsPage(admin.JobsOf(s.page(w, r, "Jobs", ""), filter, counts, list, more)))
}

func (s *Server) adminRetryJob(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return db.ErrNotFound
	}
	if err := s.jobs.Retry(r.Context(), id); err != nil {
		return err
	}
	s.flash(w, r, "success", "Job "+strconv.FormatInt(id, 10)+" will run again now.")
	back := "/admin/jobs"
	if f := jobs.Filter(r.PostFormValue("state")); f.Valid() {
		back += "?state=" + string(f)
	}
	return redirect(w, r, back)
}
