package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5/middleware"

	"tandem/internal/db"
	"tandem/internal/refusal"
	"tandem/web/components"
)

// handlerFunc is a handler that may fail; handle maps its error to a page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// httpError is an error with a status and a message meant for the user.
type httpError struct {
	Status  int
	Title   string
	Message string
}

func (e *httpError) Error() string { return e.Title }

var (
	errNotFound = &httpError{http.StatusNotFound, "Page not found",
		"There is nothing at this address. It may have moved, or the link may be mistyped."}
	errMethodNotAllowed = &httpError{http.StatusMethodNotAllowed, "Method not allowed",
		"This address does not accept that kind of request."}
	errForbidden = &httpError{http.StatusForbidden, "Not allowed",
		"Your role does not give access to this page. Ask an admin if you need it."}
	errCSRF = &httpError{http.StatusForbidden, "Request refused",
		"The form was sent without a valid security token (it may have expired). Go back, reload the page and try again."}
	errUnavailable = &httpError{http.StatusServiceUnavailable, "Temporarily unavailable",
		"Tandem cannot reach its database right now. Nothing was lost; please try again in a minute."}
	errConflict = &httpError{http.StatusConflict, "Changed by someone else",
		"Someone else changed this record after you opened it. Reload the page to see the current state, then try again."}
)

// badRequest is a 422 for input that cannot be shown back in a form.
func badRequest(message string) error {
	return &httpError{http.StatusUnprocessableEntity, "Check your input", message}
}

// refusalStatus is the one mapping of a refusal's kind to an HTTP status.
func refusalStatus(k refusal.Kind) int {
	switch k {
	case refusal.Invalid:
		return http.StatusUnprocessableEntity
	case refusal.Forbidden:
		return http.StatusForbidden
	case refusal.Conflict:
		return http.StatusConflict
	case refusal.NotFound:
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

// refusalPage is the error page of a refusal no form can show next to its
// fields: its status, a title for its kind and the domain's message.
func refusalPage(err error) *httpError {
	r, _, _ := refusal.As(err)
	he := &httpError{Status: refusalStatus(r.Kind), Message: r.Message}
	switch r.Kind {
	case refusal.Invalid:
		he.Title = "Check your input"
	case refusal.Forbidden:
		he.Title = errForbidden.Title
	case refusal.Conflict:
		he.Title = "Not possible now"
	case refusal.NotFound:
		he.Title = errNotFound.Title
	}
	if he.Message == "" {
		he.Message = "The request was refused."
	}
	return he
}

func (s *Server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.serveError(w, r, err)
		}
	}
}

// serveError renders err as a page. Only httpError messages are shown;
// anything unexpected is logged with the request id and shown as a 500.
func (s *Server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	switch {
	case errors.As(err, &he):
	case refusal.KindOf(err) != refusal.Unknown:
		he = refusalPage(err)
	case errors.Is(err, db.ErrNotFound):
		he = errNotFound
	case errors.Is(err, db.ErrConflict):
		he = errConflict
	case db.IsUnavailable(err):
		s.log.Warn("database unavailable", "id", middleware.GetReqID(r.Context()), "err", err)
		he = errUnavailable
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		return // the client went away
	default:
		s.log.Error("request failed", "id", middleware.GetReqID(r.Context()), "path", loggedPath(r), "err", err)
		he = &httpError{http.StatusInternalServerError, "Something went wrong",
			"Tandem hit an unexpected error and logged it (reference " + middleware.GetReqID(r.Context()) +
				"). Please try again; if it keeps happening, tell an admin."}
	}
	if he.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "30")
	}
	if isHTMX(r) {
		s.serveHTMXError(w, r, he)
		return
	}
	p := s.basePage(w, r, he.Title, "")
	if renderErr := s.render(w, r, he.Status, components.ErrorPage(p, he.Status, he.Message)); renderErr != nil {
		s.log.Error("render error page", "err", renderErr)
	}
}

// render writes c with status, rendering into a buffer first so a failed
// render never sends half a page with a 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer releasePageBuffer(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// pageBuffers recycles render's buffers: a page is tens of kilobytes, and
// growing a fresh buffer to that size was the largest allocation of a
// page view (BenchmarkPages).
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps the odd huge page (a long export preview) from
// pinning its memory in the pool.
const maxPooledBuffer = 1 << 20

func releasePageBuffer(buf *bytes.Buffer) {
	if buf.Cap() > maxPooledBuffer {
		return
	}
	buf.Reset()
	pageBuffers.Put(buf)
}

// redirect answers a form post with 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
