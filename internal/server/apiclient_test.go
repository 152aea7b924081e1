package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"tandem/internal/server/apidoc"
)

// apiClient is the API's test client: it validates every request it sends
// and every response it gets against the OpenAPI document (kin-openapi's
// openapi3filter, which validates 3.1 documents with the JSON Schema 2020-12
// validator: type arrays, const), so a test cannot pass on an answer the
// contract does not describe.
type apiClient struct {
	e      *testEnv
	token  string
	router routers.Router
	// invalid is for the tests that send what the document forbids on
	// purpose (a missing field, an unknown one): the request is not
	// validated, the response still is.
	invalid bool
}

func (e *testEnv) api(token string) *apiClient {
	e.t.Helper()
	router, err := legacy.NewRouter(apidoc.Document())
	if err != nil {
		e.t.Fatal(err)
	}
	return &apiClient{e: e, token: token, router: router}
}

// apiResponse is a finished API request.
type apiResponse struct {
	*http.Response
	Body []byte
}

// json decodes the body into v.
func (r apiResponse) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.Body)
	}
}

// problem decodes a problem details body and checks its shape.
func (r apiResponse) problem(t *testing.T) problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("status %d with Content-Type %q, want application/problem+json", r.StatusCode, ct)
	}
	var p problem
	r.json(t, &p)
	if p.Status != r.StatusCode || p.Type == "" || p.Title == "" || p.Detail == "" || p.Instance == "" {
		t.Errorf("problem %+v for status %d", p, r.StatusCode)
	}
	return p
}

// do sends method path with body (JSON-encoded unless nil or []byte) and
// the headers, validating both ways.
func (c *apiClient) do(method, path string, body any, headers ...string) apiResponse {
	t := c.e.t
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		raw, _ = json.Marshal(b)
	}
	req, _ := http.NewRequest(method, c.e.http.URL+path, bytes.NewReader(raw))
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s is not in the OpenAPI document: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if !c.invalid {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Fatalf("%s %s: request does not match the document: %v", method, path, err)
		}
	}
	if raw != nil {
		req.Body = io.NopCloser(bytes.NewReader(raw))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	c.validate(in, res, out)
	return apiResponse{res, out}
}

func (c *apiClient) validate(in *openapi3filter.RequestValidationInput, res *http.Response, body []byte) {
	t := c.e.t
	t.Helper()
	if res.StatusCode == http.StatusNotModified {
		return // no body to validate
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s: %d response does not match the document: %v\n%s", in.Request.Method, in.Request.URL.Path,
			res.StatusCode, err, truncate(string(body), 600))
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return strings.TrimSpace(s)
}

func (c *apiClient) get(path string, headers ...string) apiResponse {
	c.e.t.Helper()
	return c.do(http.MethodGet, path, nil, headers...)
}

func (c *apiClient) post(path string, body any, headers ...string) apiResponse {
	c.e.t.Helper()
	return c.do(http.MethodPost, path, body, headers...)
}
