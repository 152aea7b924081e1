package server

import (
	"net/http"
	"strings"

	"tandem/internal/server/apidoc"
	"tandem/web/pages/apidocs"
)

// openAPIDocument serves the contract; it needs no token.
func (s *Server) openAPIDocument(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(apidoc.JSON())
}

// apiDocs is the reference page built from the document.
func (s *Server) apiDocs(w http.ResponseWriter, r *http.Request) error {
	p := s.page(w, r, "API reference", "")
	return s.render(w, r, http.StatusOK, apidocs.DocsPage(apidocs.Of(p, apidoc.Document())))
}

// pageOrProblem answers an unknown address or method: a problem under
// /api/, the error page elsewhere.
func (s *Server) pageOrProblem(err error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.problem(w, r, err)
			return
		}
		s.serveError(w, r, err)
	}
}
