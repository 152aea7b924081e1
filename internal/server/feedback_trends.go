package server

import (
	"net/http"

	fbpages "tandem/web/pages/feedback"
)

func (s *Server) feedbackTrends(w http.ResponseWriter, r *http.Request) error {
	tr, err := s.feedback.Trends(r.Context())
	if err != nil {
		return err
	}
	p := s.page(w, r, "Theme trends", "feedback")
	return s.render(w, r, http.StatusOK, fbpages.TrendsPage(fbpages.TrendsOf(p, tr, s.cfg.Location)))
}
