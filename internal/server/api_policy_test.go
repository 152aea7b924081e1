package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"tandem/internal/server/apidoc"
	"tandem/internal/tokens"
)

// apiAccess is the API policy as the tests pin it, independently of
// APIRoutes: the scope the token needs and who may use the route.
var apiAccess = map[string]string{
	"GET /api/v1/leads":                "read: signed in",
	"POST /api/v1/leads":               "write: marketing, admins",
	"GET /api/v1/leads/{id}":           "read: signed in",
	"PATCH /api/v1/leads/{id}":         "write: marketing, sales, admins",
	"POST /api/v1/leads/{id}/qualify":  "write: marketing, admins",
	"POST /api/v1/leads/{id}/hand-off": "write: marketing, admins",
	"POST /api/v1/leads/{id}/recycle":  "write: marketing, admins",
	"POST /api/v1/leads/{id}/accept":   "write: sales, admins",
	"POST /api/v1/leads/{id}/reject":   "write: sales, admins",
	"POST /api/v1/leads/{id}/convert":  "write: sales, admins",
	"POST /api/v1/leads/{id}/win":      "write: sales, admins",
	"POST /api/v1/leads/{id}/lose":     "write: sales, admins",
	"POST /api/v1/leads/{id}/touches":  "write: sales, admins",
	"GET /api/v1/leads/{id}/comments":  "read: signed in",
	"POST /api/v1/leads/{id}/comments": "write: signed in",

	"GET /api/v1/campaigns":                "read: signed in",
	"POST /api/v1/campaigns":               "write: marketing, admins",
	"GET /api/v1/campaigns/{id}":           "read: signed in",
	"PATCH /api/v1/campaigns/{id}":         "write: marketing, admins",
	"POST /api/v1/campaigns/{id}/announce": "write: marketing, admins",

	"GET /api/v1/alerts":               "read: signed in",
	"POST /api/v1/alerts":              "write: service, managers, admins",
	"GET /api/v1/alerts/{id}":          "read: signed in",
	"GET /api/v1/feedback":             "read: signed in",
	"POST /api/v1/feedback":            "write: signed in",
	"GET /api/v1/feedback/{id}":        "read: signed in",
	"POST /api/v1/feedback/{id}/heard": "write: signed in",

	"GET /api/v1/kpis":           "read: signed in",
	"GET /api/v1/kpis/{key}":     "read: signed in",
	"GET /api/v1/digests":        "read: signed in",
	"GET /api/v1/digests/{week}": "read: signed in",
}

// apiRouterRoutes lists "METHOD pattern" of every route the router serves
// under /api/v1.
func apiRouterRoutes(t *testing.T, s *Server) []string {
	t.Helper()
	var routes []string
	err := chi.Walk(s.Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, apiPrefix+"/") {
			routes = append(routes, method+" "+strings.TrimSuffix(route, "/"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(routes)
	return slices.Compact(routes)
}

func TestAPIRoutesMatchTheDocumentAndThePolicy(t *testing.T) {
	t.Parallel()
	e := newTestEnvOn(t, nil, nil)
	inCode := map[string]string{}
	for _, rt := range e.srv.APIRoutes() {
		inCode[rt.Method+" "+rt.Pattern] = string(rt.Scope) + ": " + rt.Access.Name
		if want := map[bool]tokens.Scope{true: tokens.Read, false: tokens.Write}[rt.Method == http.MethodGet]; rt.Scope != want {
			t.Errorf("%s %s needs scope %s, want %s", rt.Method, rt.Pattern, rt.Scope, want)
		}
	}
	inDoc := map[string]bool{}
	for path, item := range apidoc.Document().Paths.Map() {
		for method := range item.Operations() {
			inDoc[method+" "+path] = true
		}
	}
	served := apiRouterRoutes(t, e.srv)
	for _, key := range served {
		if !inDoc[key] {
			t.Errorf("the router serves %s, which the OpenAPI document lacks", key)
		}
		if want, ok := apiAccess[key]; ok && inCode[key] != want {
			t.Errorf("%s: code allows %q, tests expect %q", key, inCode[key], want)
		} else if !ok && key != "GET /api/v1/openapi.json" {
			t.Errorf("%s is not in the tests' API policy table", key)
		}
	}
	for key := range inDoc {
		if !slices.Contains(served, key) {
			t.Errorf("the OpenAPI document has %s, which the router does not serve", key)
		}
	}
	for key := range apiAccess {
		if !slices.Contains(served, key) {
			t.Errorf("the API policy lists %s, which the router does not serve", key)
		}
	}
}

// TestAPIAuthorizationMatrix sends every API route as every persona with
// a read+write token and checks the route's rule answers: a 403 with the
// policy's problem for those it excludes, anything but that for the rest.
func TestAPIAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	lead := e.count(`SELECT min(id) FROM leads`)
	for _, who := range personas[1:] {
		_, secret := e.token(who.email)
		c := e.api(secret)
		c.invalid = true // the bodies are deliberately empty
		for _, rt := range e.srv.APIRoutes() {
			path := strings.ReplaceAll(rt.Pattern, "{id}", strconv.Itoa(lead))
			res := c.do(rt.Method, path, []byte(`{}`), "If-Match", `"0"`)
			got := "allowed"
			if res.StatusCode == http.StatusForbidden && strings.Contains(string(res.Body), errAPIForbidden.Detail) {
				got = "forbidden"
			}
			if res.StatusCode == http.StatusUnauthorized || res.StatusCode >= 500 {
				got = "broken " + strconv.Itoa(res.StatusCode)
			}
			access := strings.TrimPrefix(apiAccess[rt.Method+" "+rt.Pattern], string(rt.Scope)+": ")
			if want := outcome(access, who.team, who.role); got != want {
				t.Errorf("%s %s as %s: %s (%d %s), want %s", rt.Method, path, who.name, got, res.StatusCode, res.Body, want)
			}
		}
	}
}
