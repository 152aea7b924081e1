// Package scim provisions accounts and groups from an identity provider
// over SCIM 2.0 (RFC 7643, RFC 7644): Users become Tandem accounts, Groups
// feed the single sign-on group rules that give them a team and role.
//
// The protocol is small enough, and our transactions particular enough
// (one per request, with the users package's own in-transaction
// functions), that it is served by hand with encoding/json rather than
// through a SCIM framework.
package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/refusal"
	"tandem/internal/users"
)

// PathPrefix is where the handler answers.
const PathPrefix = "/scim/v2"

// Schema URNs of RFC 7643 and RFC 7644.
const (
	userSchema     = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupSchema    = "urn:ietf:params:scim:schemas:core:2.0:Group"
	listSchema     = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	errorSchema    = "urn:ietf:params:scim:api:messages:2.0:Error"
	patchOpSchema  = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	spConfigSchema = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	resTypeSchema  = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	schemaSchema   = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// contentType is the media type of every response (RFC 7644 §3.1).
const contentType = "application/scim+json"

// maxBody bounds a request body: a group of a few thousand members fits.
const maxBody = 1 << 20

// Paging limits of a list (announced in the ServiceProviderConfig).
const (
	defaultCount = 100
	maxCount     = 200
)

// Handler serves the SCIM endpoints under PathPrefix.
type Handler struct {
	pool    *pgxpool.Pool
	tokens  *Tokens
	baseURL string
	log     *slog.Logger
}

// NewHandler returns the SCIM endpoints. baseURL is the app's public
// origin without a trailing slash; resources are located under
// baseURL+PathPrefix. The handler matches the full request path, so mount
// it at PathPrefix without stripping it (chi's Mount keeps the path);
// paths already stripped of PathPrefix work too.
func NewHandler(pool *pgxpool.Pool, tokens *Tokens, baseURL string, log *slog.Logger) http.Handler {
	return &Handler{pool: pool, tokens: tokens, baseURL: strings.TrimRight(baseURL, "/"), log: log}
}

// reply is what an endpoint answers on success.
type reply struct {
	status   int
	body     any // nil for no body
	location string
}

// request is one authenticated SCIM request.
type request struct {
	*http.Request
	client client
	actor  users.Actor
	id     string // the resource id in the path, if any
}

type endpoint func(h *Handler, r *request) (reply, error)

// Error is a SCIM error response (RFC 7644 §3.12).
type Error struct {
	Status   int
	ScimType string // empty when no RFC 7644 type fits
	Detail   string
}

func (e *Error) Error() string { return fmt.Sprintf("scim %d %s: %s", e.Status, e.ScimType, e.Detail) }

func badRequest(scimType, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

func notFound(what string) *Error {
	return &Error{Status: http.StatusNotFound, Detail: what + " not found."}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// chi's Mount leaves the path whole, http.StripPrefix does not: take
	// either.
	path := strings.TrimPrefix(r.URL.Path, PathPrefix)
	path = strings.Trim(path, "/")
	var parts []string
	if path != "" {
		parts = strings.Split(path, "/")
	}

	// Authentication before routing: an unauthenticated client learns
	// nothing, not even which paths exist.
	c, err := h.authenticate(r)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = h.unexpected(r, err)
		}
		if e.Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
		}
		h.writeError(w, e)
		return
	}

	ep, id, e := route(r.Method, parts)
	if e != nil {
		h.writeError(w, e)
		return
	}
	req := &request{Request: r, client: c, actor: users.Actor{IP: clientIP(r)}, id: id}
	rep, err := ep(h, req)
	if err != nil {
		h.writeError(w, h.asSCIM(r, err))
		return
	}
	h.write(w, rep)
}

// route picks the endpoint of a method and path (below PathPrefix).
func route(method string, parts []string) (endpoint, string, *Error) {
	type methods map[string]endpoint
	var table methods
	id := ""
	switch {
	case len(parts) == 1 && parts[0] == "ServiceProviderConfig":
		table = methods{http.MethodGet: (*Handler).serviceProviderConfig}
	case len(parts) == 1 && parts[0] == "ResourceTypes":
		table = methods{http.MethodGet: (*Handler).resourceTypes}
	case len(parts) == 2 && parts[0] == "ResourceTypes":
		table, id = methods{http.MethodGet: (*Handler).resourceType}, parts[1]
	case len(parts) == 1 && parts[0] == "Schemas":
		table = methods{http.MethodGet: (*Handler).schemas}
	case len(parts) == 2 && parts[0] == "Schemas":
		table, id = methods{http.MethodGet: (*Handler).schema}, parts[1]
	case len(parts) == 1 && parts[0] == "Users":
		table = methods{http.MethodGet: (*Handler).listUsers, http.MethodPost: (*Handler).createUser}
	case len(parts) == 2 && parts[0] == "Users":
		id = parts[1]
		table = methods{
			http.MethodGet: (*Handler).getUser, http.MethodPut: (*Handler).replaceUser,
			http.MethodPatch: (*Handler).patchUser, http.MethodDelete: (*Handler).deleteUser,
		}
	case len(parts) == 1 && parts[0] == "Groups":
		table = methods{http.MethodGet: (*Handler).listGroups, http.MethodPost: (*Handler).createGroup}
	case len(parts) == 2 && parts[0] == "Groups":
		id = parts[1]
		table = methods{
			http.MethodGet: (*Handler).getGroup, http.MethodPut: (*Handler).replaceGroup,
			http.MethodPatch: (*Handler).patchGroup, http.MethodDelete: (*Handler).deleteGroup,
		}
	default:
		return nil, "", &Error{Status: http.StatusNotFound, Detail: "No such SCIM endpoint."}
	}
	ep, ok := table[method]
	if !ok {
		return nil, "", &Error{Status: http.StatusMethodNotAllowed, Detail: method + " is not supported here."}
	}
	return ep, id, nil
}

var errUnauthorized = &Error{Status: http.StatusUnauthorized, Detail: "Send a valid SCIM bearer token (Authorization: Bearer tscim_…)."}

func (h *Handler) authenticate(r *http.Request) (client, error) {
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return client{}, errUnauthorized
	}
	c, err := h.tokens.authenticate(r.Context(), strings.TrimSpace(secret))
	if errors.Is(err, db.ErrNotFound) {
		return client{}, errUnauthorized
	}
	return c, err
}

// asSCIM maps an endpoint's error to the response the client gets. Domain
// refusals keep their message; anything unexpected is logged and answered
// with a generic 500.
func (h *Handler) asSCIM(r *http.Request, err error) *Error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, users.ErrEmailTaken):
		return &Error{Status: http.StatusConflict, ScimType: "uniqueness", Detail: "A user with this userName (email) exists already."}
	case errors.Is(err, users.ErrLastAdmin):
		return &Error{Status: http.StatusConflict, Detail: "This is Tandem's last active admin: make someone else an admin before deactivating or demoting them."}
	case errors.Is(err, db.ErrNotFound):
		return notFound("Resource")
	}
	if rf, fields, ok := refusal.As(err); ok {
		detail := rf.Message
		if len(fields) > 1 {
			detail = fields.Error()
		}
		switch rf.Kind {
		case refusal.Conflict:
			return &Error{Status: http.StatusConflict, Detail: detail}
		case refusal.NotFound:
			return &Error{Status: http.StatusNotFound, Detail: detail}
		case refusal.Forbidden:
			return &Error{Status: http.StatusForbidden, Detail: detail}
		default:
			return &Error{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: detail}
		}
	}
	return h.unexpected(r, err)
}

func (h *Handler) unexpected(r *http.Request, err error) *Error {
	if errors.Is(err, context.Canceled) {
		// The client went away; nobody reads the answer.
		return &Error{Status: http.StatusServiceUnavailable, Detail: "The request was cancelled."}
	}
	h.log.Error("scim request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return &Error{Status: http.StatusInternalServerError, Detail: "Something went wrong on Tandem's side; it has been logged."}
}

// write renders the body first, so a marshalling failure is still a clean
// 500 rather than a half-written 200.
func (h *Handler) write(w http.ResponseWriter, rep reply) {
	var buf []byte
	if rep.body != nil {
		var err error
		if buf, err = json.Marshal(rep.body); err != nil {
			h.log.Error("scim response", "err", err)
			h.writeError(w, &Error{Status: http.StatusInternalServerError, Detail: "Something went wrong on Tandem's side."})
			return
		}
	}
	if rep.location != "" {
		w.Header().Set("Location", rep.location)
	}
	if buf != nil {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(buf)
}

func (h *Handler) writeError(w http.ResponseWriter, e *Error) {
	body := map[string]any{
		"schemas": []string{errorSchema},
		"status":  strconv.Itoa(e.Status),
		"detail":  e.Detail,
	}
	if e.ScimType != "" {
		body["scimType"] = e.ScimType
	}
	buf, _ := json.Marshal(body)
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(e.Status)
	_, _ = w.Write(buf)
}

// decode reads a JSON request body of at most maxBody bytes into v.
func decode(r *request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != contentType && mt != "application/json" {
			return &Error{Status: http.StatusUnsupportedMediaType, Detail: "Send the body as application/scim+json or application/json."}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &Error{Status: http.StatusRequestEntityTooLarge, Detail: "The request body is over 1 MiB."}
	}
	if err != nil {
		return badRequest("invalidSyntax", "The request body could not be read.")
	}
	// PostgreSQL text cannot hold NUL: refuse it here rather than fail
	// in the database with a 500.
	if bytes.Contains(body, []byte(`\u0000`)) {
		return badRequest("invalidValue", "Values must not contain the NUL character.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return badRequest("invalidSyntax", "The request body is not the JSON expected: %s.", jsonProblem(err))
	}
	return nil
}

// jsonProblem says where a body went wrong without echoing Go's internals.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("%s should be a %s", typ.Field, typ.Type.Kind())
	case errors.As(err, &typ):
		return "a value has the wrong type"
	case errors.Is(err, io.EOF):
		return "the body is empty"
	}
	return "malformed JSON"
}

// page is a list request's window (RFC 7644 §3.4.2.4).
type page struct {
	startIndex int // 1-based
	count      int
}

func pageOf(r *request) (page, error) {
	p := page{startIndex: 1, count: defaultCount}
	q := r.URL.Query()
	if s := q.Get("startIndex"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, badRequest("invalidValue", "startIndex must be a whole number.")
		}
		p.startIndex = max(n, 1)
	}
	if s := q.Get("count"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, badRequest("invalidValue", "count must be a whole number.")
		}
		p.count = min(max(n, 0), maxCount)
	}
	return p, nil
}

func listResponse[T any](total int, p page, resources []T) map[string]any {
	if resources == nil {
		resources = []T{}
	}
	return map[string]any{
		"schemas":      []string{listSchema},
		"totalResults": total,
		"itemsPerPage": len(resources),
		"startIndex":   p.startIndex,
		"Resources":    resources,
	}
}

// clientIP is the peer's address for the audit log. Behind a proxy the
// server's RealIP middleware (if configured) has already rewritten it.
func clientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
