package server

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"

	"tandem/web/components"
)

// isHTMX tells whether htmx sent the request from a page: the handler then
// answers with a fragment (the part of the page that changed and the status
// message out of band) instead of a redirect or a whole page. A history
// restore (Back after an htmx navigation, not in htmx's cache) wants the
// whole page.
func isHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}

// fragment answers an htmx request: parts rendered on their own (no
// layout), then the status message swapped into the layout's aria-live
// region. Status is 200 for done, 422 for a form shown again with its
// errors.
func (s *Server) fragment(w http.ResponseWriter, r *http.Request, status int, kind, message string, parts ...templ.Component) error {
	var buf bytes.Buffer
	for _, c := range append(parts, components.LiveStatus(kind, message)) {
		if err := c.Render(r.Context(), &buf); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Add("Vary", "HX-Request")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// done answers a successful action: with htmx the fragment (200), without
// it the flash and a 303 to the page that shows the result.
func (s *Server) done(w http.ResponseWriter, r *http.Request, to, message string, parts ...templ.Component) error {
	if isHTMX(r) {
		return s.fragment(w, r, http.StatusOK, "success", message, parts...)
	}
	s.flash(w, r, "success", message)
	return redirect(w, r, to)
}

// serveHTMXError answers an htmx request that failed as a whole (403, 404,
// 409, 5xx): only the message, in the live region, and nothing else of the
// page is replaced.
func (s *Server) serveHTMXError(w http.ResponseWriter, r *http.Request, he *httpError) {
	w.Header().Set("HX-Reswap", "none")
	if err := s.fragment(w, r, he.Status, "error", he.Title+": "+he.Message); err != nil {
		s.log.Error("render htmx error", "err", err)
	}
}
