package server

import (
	"errors"
	"net/http"
	"syscall"
	"time"

	"tandem/internal/leads"
)

// leadExport streams the filtered list as CSV, row by row; the domain
// writes the file.
func (s *Server) leadExport(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	f, _, errs := leads.ParseFilter(r.URL.Query(), me.ID, s.cfg.Location)
	if len(errs) > 0 {
		return badRequest("The filters are not valid; fix them on the lead list and export again.")
	}
	loc := me.Location()
	w.Header().Set("Content-Disposition", `attachment; filename="leads-`+time.Now().In(loc).Format("2006-01-02")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	currency, err := s.settings.Currency(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	n, err := s.leads.ExportCSV(r.Context(), w, f, loc, currency)
	switch {
	case err == nil:
	case r.Context().Err() != nil || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET):
		// The download was cancelled: nothing is wrong on our side.
		s.log.Info("lead export stopped: the client went away", "rows", n)
	default:
		// Headers are gone; the truncated file is the best we can do. Log it.
		s.log.Error("lead export failed", "err", err, "rows", n)
	}
	return nil
}
