package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5/middleware"

	"tandem/internal/db"
	"tandem/internal/leads"
	"tandem/internal/refusal"
	"tandem/internal/tokens"
)

// problem is an RFC 9457 problem details object. Type is a reference to
// the problem's entry on /api/docs.
type problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail"`
	Instance string         `json:"instance"`
	Errors   []problemField `json:"errors,omitempty"`
}

// problemField is one refused field of a validation problem.
type problemField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// apiError is a problem the API answers with on purpose.
type apiError struct {
	Status int
	Slug   string
	Title  string
	Detail string
}

func (e *apiError) Error() string { return e.Title }

var (
	errNoToken = &apiError{http.StatusUnauthorized, "unauthorized", "Authentication required",
		"Send an API token as Authorization: Bearer tdm_…. Cookies do not authenticate the API."}
	errBadToken = &apiError{http.StatusUnauthorized, "unauthorized", "Authentication required",
		"The token is unknown, revoked or expired, or its user is deactivated."}
	errAPIForbidden = &apiError{http.StatusForbidden, "forbidden", "Not allowed",
		"The token's user's team and role do not allow this."}
	errRateLimited = &apiError{http.StatusTooManyRequests, "rate-limited", "Too many requests",
		"This token sent more requests this minute than the limit allows. Wait for Retry-After seconds."}
	errBadQuery = &apiError{http.StatusBadRequest, "bad-request", "Bad request",
		"The query string contains a NUL byte or text that is not UTF-8."}
	errBadJSON = &apiError{http.StatusBadRequest, "bad-request", "Bad request",
		"The body is not a JSON object of the documented shape."}
	errTooLarge = &apiError{http.StatusRequestEntityTooLarge, "too-large", "Request too large",
		"The body is over the 1 MB limit."}
	errStale = &apiError{http.StatusPreconditionFailed, "stale", "Precondition failed",
		"The record changed since the version in If-Match. GET it again and retry with its ETag."}
	errNoIfMatch = &apiError{http.StatusPreconditionRequired, "if-match-required", "If-Match required",
		`Send the version you read as If-Match: "<version>".`}
	errKeyReused = &apiError{http.StatusUnprocessableEntity, "idempotency-key-reused", "Idempotency key reused",
		"This Idempotency-Key was used with another request body. Use a new key for a new request."}
	errKeyInFlight = &apiError{http.StatusConflict, "idempotency-key-in-flight", "Request in progress",
		"A request with this Idempotency-Key is still running. Retry in a moment."}
	errAPIConflict = &apiError{http.StatusConflict, "conflict", "Conflict",
		"The record changed while the request ran. GET it again and retry."}
	errAPIUnavailable = &apiError{http.StatusServiceUnavailable, "unavailable", "Temporarily unavailable",
		"Tandem cannot reach its database right now. Retry in a minute."}
)

// scopeMissing is the 403 of a token without the route's scope.
func scopeMissing(sc tokens.Scope) *apiError {
	return &apiError{http.StatusForbidden, "insufficient-scope", "Insufficient scope",
		"This request needs a token with the " + string(sc) + " scope."}
}

// problemOf maps any error to its problem: the API's own errors, the
// page errors (404, 405), refusals by their kind (the one mapping in
// refusalStatus) with their fields, and the unexpected as a logged 500.
func (s *Server) problemOf(r *http.Request, err error) problem {
	var ae *apiError
	var he *httpError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &tooBig):
		ae = errTooLarge
	case errors.As(err, &he):
		ae = &apiError{he.Status, slugOf(he.Status), he.Title, he.Message}
	case errors.Is(err, tokens.ErrKeyReused):
		ae = errKeyReused
	case errors.Is(err, tokens.ErrKeyInFlight):
		ae = errKeyInFlight
	case errors.As(err, new(*leads.ConflictError)):
		ae = errStale
	case refusal.KindOf(err) != refusal.Unknown:
		return refusalProblem(r, err)
	case errors.Is(err, db.ErrNotFound):
		ae = &apiError{http.StatusNotFound, "not-found", "Not found", "There is no such record."}
	case errors.Is(err, db.ErrConflict):
		ae = errAPIConflict
	case db.IsUnavailable(err):
		s.log.Warn("database unavailable", "id", middleware.GetReqID(r.Context()), "err", err)
		ae = errAPIUnavailable
	default:
		s.log.Error("request failed", "id", middleware.GetReqID(r.Context()), "path", loggedPath(r), "err", err)
		ae = &apiError{http.StatusInternalServerError, "internal", "Internal error",
			"Tandem hit an unexpected error and logged it (reference " + middleware.GetReqID(r.Context()) + ")."}
	}
	return problem{Type: problemType(ae.Slug), Title: ae.Title, Status: ae.Status, Detail: ae.Detail, Instance: r.URL.Path}
}

func slugOf(status int) string {
	switch status {
	case http.StatusNotFound:
		return "not-found"
	case http.StatusMethodNotAllowed:
		return "method-not-allowed"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusConflict:
		return "conflict"
	}
	return "invalid"
}

func problemType(slug string) string { return "/api/docs#problem-" + slug }

// refusalProblem is a domain refusal: its kind's status, its message, and
// for invalid input every refused field.
func refusalProblem(r *http.Request, err error) problem {
	page := refusalPage(err)
	p := problem{Type: problemType(slugOf(page.Status)), Title: page.Title, Status: page.Status, Detail: page.Message, Instance: r.URL.Path}
	if page.Status != http.StatusUnprocessableEntity {
		return p
	}
	p.Errors = problemFields(refusal.FieldMessages(err))
	if len(p.Errors) > 0 && p.Detail == "The request was refused." {
		p.Detail = "Some fields were refused; see errors."
	}
	return p
}

// problemFields lists refused fields by name; the form-wide message (the
// empty name) is the problem's detail, not a field.
func problemFields(fields map[string]string) []problemField {
	var out []problemField
	for f, m := range fields {
		if f != "" {
			out = append(out, problemField{Field: f, Message: m})
		}
	}
	slices.SortFunc(out, func(a, b problemField) int { return cmp.Compare(a.Field, b.Field) })
	return out
}

// problem writes err as application/problem+json.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away
	}
	p := s.problemOf(r, err)
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tandem"`)
	}
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "30")
	}
	writeProblem(w, p)
}

// writeProblem writes p as application/problem+json with its status: the
// one writer of problem details, for the API and the intake endpoint.
func writeProblem(w http.ResponseWriter, p problem) {
	body, _ := json.Marshal(p)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}

// apiHandle runs an API handler and answers its error as a problem.
func (s *Server) apiHandle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.problem(w, r, err)
		}
	}
}
