package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/refusal"
	"tandem/internal/testdb"
	"tandem/internal/users"
)

const baseURL = "https://tandem.example.com"

// bjensen is the create request of RFC 7644 §3.3, with an email as
// userName as Tandem needs.
const bjensen = `{
	"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
	"userName": "bjensen@example.com",
	"externalId": "bjensen",
	"name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"}
}`

type fixture struct {
	pool    *pgxpool.Pool
	tokens  *Tokens
	srv     *httptest.Server
	secret  string
	adminID int64
}

// newFixture is a fresh database with one admin (who made the token), and
// the handler mounted the way the server mounts it.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{pool: testdb.New(t)}
	if err := f.pool.QueryRow(ctx, `INSERT INTO users (email, name, team, role, password_hash)
		VALUES ('admin@example.com', 'Ada Admin', 'sales', 'admin', 'x') RETURNING id`).Scan(&f.adminID); err != nil {
		t.Fatal(err)
	}
	f.tokens = NewTokens(f.pool)
	var err error
	if _, f.secret, err = f.tokens.Create(ctx, users.Actor{UserID: f.adminID, IP: "192.0.2.1"}, "Okta"); err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Mount("/scim/v2", NewHandler(f.pool, f.tokens, baseURL, slog.New(slog.NewTextHandler(io.Discard, nil))))
	f.srv = httptest.NewServer(r)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) setDefault(t *testing.T) {
	t.Helper()
	f.exec(t, `UPDATE sso_policy SET default_team = 'sales', default_role = 'member'`)
}

func (f *fixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

type response struct {
	status int
	header http.Header
	body   map[string]any
}

// do sends a request with the fixture's token.
func (f *fixture) do(t *testing.T, method, path, body string) response {
	t.Helper()
	return f.send(t, method, path, body, "Bearer "+f.secret)
}

func (f *fixture) send(t *testing.T, method, path, body, auth string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := response{status: res.StatusCode, header: res.Header}
	if len(raw) > 0 {
		if ct := res.Header.Get("Content-Type"); ct != contentType {
			t.Errorf("%s %s: Content-Type %q, want %s", method, path, ct, contentType)
		}
		if err := json.Unmarshal(raw, &out.body); err != nil {
			t.Fatalf("%s %s: body %s is not a JSON object: %v", method, path, raw, err)
		}
	}
	return out
}

// create provisions a user and returns its id.
func (f *fixture) create(t *testing.T, email string) string {
	t.Helper()
	res := f.do(t, "POST", "/scim/v2/Users", fmt.Sprintf(`{"userName": %q, "name": {"givenName": "G", "familyName": "F"}}`, email))
	if res.status != http.StatusCreated {
		t.Fatalf("create %s: %d %v", email, res.status, res.body)
	}
	return res.body["id"].(string)
}

func wantStatus(t *testing.T, what string, res response, status int) {
	t.Helper()
	if res.status != status {
		t.Fatalf("%s: status %d, want %d; body %v", what, res.status, status, res.body)
	}
}

// wantError checks the RFC 7644 §3.12 error shape.
func wantError(t *testing.T, what string, res response, status int, scimType string) {
	t.Helper()
	wantStatus(t, what, res, status)
	b := res.body
	if s, _ := b["schemas"].([]any); len(s) != 1 || s[0] != errorSchema {
		t.Errorf("%s: schemas %v, want [%s]", what, b["schemas"], errorSchema)
	}
	if b["status"] != fmt.Sprint(status) {
		t.Errorf("%s: status field %v, want %q", what, b["status"], fmt.Sprint(status))
	}
	if got, _ := b["scimType"].(string); got != scimType {
		t.Errorf("%s: scimType %q, want %q", what, got, scimType)
	}
	if d, _ := b["detail"].(string); d == "" {
		t.Errorf("%s: no detail", what)
	}
}

func field(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[p]
	}
	return v
}

func (f *fixture) access(t *testing.T, id string) (team, role string, active bool) {
	t.Helper()
	if err := f.pool.QueryRow(context.Background(), `SELECT team, role, active FROM users WHERE id = $1::bigint`, id).
		Scan(&team, &role, &active); err != nil {
		t.Fatal(err)
	}
	return team, role, active
}

// RFC 7644 §3.3 create, §3.4.1 get, §3.4.2 filter and paging.
func TestCreateGetAndFilterUsers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setDefault(t)

	res := f.do(t, "POST", "/scim/v2/Users", bjensen)
	wantStatus(t, "create", res, http.StatusCreated)
	id, _ := res.body["id"].(string)
	if id == "" {
		t.Fatalf("no id in %v", res.body)
	}
	loc := baseURL + "/scim/v2/Users/" + id
	if got := res.header.Get("Location"); got != loc {
		t.Errorf("Location %q, want %q", got, loc)
	}
	want := map[string]any{
		"userName": "bjensen@example.com", "externalId": "bjensen", "displayName": "Barbara Jensen", "active": true,
	}
	for k, v := range want {
		if res.body[k] != v {
			t.Errorf("%s = %v, want %v", k, res.body[k], v)
		}
	}
	if s, _ := res.body["schemas"].([]any); len(s) != 1 || s[0] != userSchema {
		t.Errorf("schemas %v", res.body["schemas"])
	}
	if field(res.body, "name", "givenName") != "Barbara" || field(res.body, "name", "familyName") != "Jensen" {
		t.Errorf("name %v", res.body["name"])
	}
	emails, _ := res.body["emails"].([]any)
	if len(emails) != 1 || field(emails[0].(map[string]any), "value") != "bjensen@example.com" || field(emails[0].(map[string]any), "primary") != true {
		t.Errorf("emails %v", res.body["emails"])
	}
	if g, ok := res.body["groups"].([]any); !ok || len(g) != 0 {
		t.Errorf("groups %v, want []", res.body["groups"])
	}
	if field(res.body, "meta", "resourceType") != "User" || field(res.body, "meta", "location") != loc ||
		field(res.body, "meta", "version") != `W/"1"` || field(res.body, "meta", "created") == nil {
		t.Errorf("meta %v", res.body["meta"])
	}
	if team, role, active := f.access(t, id); team != "sales" || role != "member" || !active {
		t.Errorf("account %s/%s active=%v, want the default sales/member, active", team, role, active)
	}
	var detail string
	if err := f.pool.QueryRow(context.Background(), `SELECT detail FROM audit_events WHERE action = 'user.created' AND target_id = $1::bigint`, id).
		Scan(&detail); err != nil || !strings.Contains(detail, "via SCIM (token Okta)") {
		t.Errorf("audit detail %q (%v), want it to say via SCIM (token Okta)", detail, err)
	}

	got := f.do(t, "GET", "/scim/v2/Users/"+id, "")
	wantStatus(t, "get", got, http.StatusOK)
	if got.body["id"] != id || got.body["userName"] != "bjensen@example.com" {
		t.Errorf("get: %v", got.body)
	}

	second := f.create(t, "second@example.com")
	f.create(t, "third@example.com")

	list := f.do(t, "GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "BJensen@example.com"`), "")
	wantStatus(t, "filter", list, http.StatusOK)
	if s, _ := list.body["schemas"].([]any); len(s) != 1 || s[0] != listSchema {
		t.Errorf("list schemas %v", list.body["schemas"])
	}
	resources, _ := list.body["Resources"].([]any)
	if list.body["totalResults"] != 1.0 || list.body["itemsPerPage"] != 1.0 || list.body["startIndex"] != 1.0 || len(resources) != 1 ||
		resources[0].(map[string]any)["id"] != id {
		t.Errorf("filter userName: %v", list.body)
	}

	for _, tc := range []struct {
		query       string
		total, page int
		firstID     string
	}{
		{"", 3, 3, id}, // the admin is not SCIM-managed: not listed
		{"?startIndex=2&count=1", 3, 1, second},
		{"?count=0", 3, 0, ""},
		{"?startIndex=9", 3, 0, ""},
		{"?filter=" + url.QueryEscape(`externalId eq "bjensen"`), 1, 1, id},
		{"?filter=" + url.QueryEscape(`emails.value eq "second@example.com"`), 1, 1, second},
		{"?filter=" + url.QueryEscape(`userName eq "nobody@example.com"`), 0, 0, ""},
	} {
		res := f.do(t, "GET", "/scim/v2/Users"+tc.query, "")
		wantStatus(t, tc.query, res, http.StatusOK)
		resources, _ := res.body["Resources"].([]any)
		if res.body["totalResults"] != float64(tc.total) || res.body["itemsPerPage"] != float64(tc.page) || len(resources) != tc.page {
			t.Errorf("%q: total %v itemsPerPage %v resources %d, want %d %d", tc.query, res.body["totalResults"], res.body["itemsPerPage"], len(resources), tc.total, tc.page)
			continue
		}
		if tc.firstID != "" && resources[0].(map[string]any)["id"] != tc.firstID {
			t.Errorf("%q: first id %v, want %s", tc.query, resources[0].(map[string]any)["id"], tc.firstID)
		}
	}
}

func TestUserRequestsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)

	res := f.do(t, "POST", "/scim/v2/Users", bjensen)
	wantError(t, "create without a default", res, http.StatusBadRequest, "invalidValue")
	if d := res.body["detail"].(string); !strings.Contains(d, "set a default on /admin/sso") {
		t.Errorf("detail %q", d)
	}

	f.setDefault(t)
	id := f.create(t, "bjensen@example.com")
	wantError(t, "duplicate", f.do(t, "POST", "/scim/v2/Users", bjensen), http.StatusConflict, "uniqueness")
	wantError(t, "an account SCIM did not make", f.do(t, "POST", "/scim/v2/Users", `{"userName": "Admin@example.com"}`),
		http.StatusConflict, "uniqueness")
	wantError(t, "not an email", f.do(t, "POST", "/scim/v2/Users", `{"userName": "bjensen"}`), http.StatusBadRequest, "invalidValue")
	wantError(t, "bad JSON", f.do(t, "POST", "/scim/v2/Users", `{"userName": `), http.StatusBadRequest, "invalidSyntax")
	wantError(t, "wrong type", f.do(t, "POST", "/scim/v2/Users", `{"userName": 5}`), http.StatusBadRequest, "invalidSyntax")
	wantError(t, "unsupported filter", f.do(t, "GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName sw "b"`), ""),
		http.StatusBadRequest, "invalidFilter")
	wantError(t, "NUL in a value", f.do(t, "POST", "/scim/v2/Users", `{"userName": "n@example.com", "displayName": "a\u0000b"}`),
		http.StatusBadRequest, "invalidValue")
	wantError(t, "NUL in a filter", f.do(t, "GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "a\u0000"`), ""),
		http.StatusBadRequest, "invalidFilter")
	wantError(t, "bad count", f.do(t, "GET", "/scim/v2/Users?count=many", ""), http.StatusBadRequest, "invalidValue")
	wantError(t, "unsupported patch path", f.do(t, "PATCH", "/scim/v2/Users/"+id,
		`{"schemas":["`+patchOpSchema+`"],"Operations":[{"op":"replace","path":"password","value":"x"}]}`), http.StatusBadRequest, "invalidPath")
	wantError(t, "unsupported op", f.do(t, "PATCH", "/scim/v2/Users/"+id,
		`{"Operations":[{"op":"move","path":"active","value":false}]}`), http.StatusBadRequest, "invalidSyntax")
	wantError(t, "bad active", f.do(t, "PATCH", "/scim/v2/Users/"+id,
		`{"Operations":[{"op":"replace","path":"active","value":"maybe"}]}`), http.StatusBadRequest, "invalidValue")
	wantError(t, "too big", f.do(t, "POST", "/scim/v2/Users", `{"userName": "`+strings.Repeat("a", maxBody)+`"}`),
		http.StatusRequestEntityTooLarge, "")
	for _, path := range []string{"/scim/v2/Users/abc", "/scim/v2/Users/+1", "/scim/v2/Users/999999", fmt.Sprintf("/scim/v2/Users/%d", f.adminID)} {
		wantError(t, "get "+path, f.do(t, "GET", path, ""), http.StatusNotFound, "")
	}
	wantError(t, "unknown path", f.do(t, "GET", "/scim/v2/Bulk", ""), http.StatusNotFound, "")
	wantError(t, "wrong method", f.do(t, "DELETE", "/scim/v2/Users", ""), http.StatusMethodNotAllowed, "")
	// A body in another media type is refused, not guessed at.
	req, _ := http.NewRequest("POST", f.srv.URL+"/scim/v2/Users", strings.NewReader(bjensen))
	req.Header.Set("Authorization", "Bearer "+f.secret)
	req.Header.Set("Content-Type", "text/plain")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain body: %v %v, want 415", res.StatusCode, err)
	} else {
		res.Body.Close()
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tok, revoked, err := f.tokens.Create(ctx, users.Actor{UserID: f.adminID}, "Old client")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.tokens.Revoke(ctx, users.Actor{UserID: f.adminID}, tok.ID); err != nil {
		t.Fatal(err)
	}
	for name, auth := range map[string]string{
		"none":    "",
		"basic":   "Basic YWRtaW46eA==",
		"bad":     "Bearer tscim_nonsense",
		"no pfx":  "Bearer " + strings.TrimPrefix(f.secret, TokenPrefix),
		"revoked": "Bearer " + revoked,
	} {
		res := f.send(t, "GET", "/scim/v2/Users", "", auth)
		wantError(t, name, res, http.StatusUnauthorized, "")
		if got := res.header.Get("WWW-Authenticate"); got != `Bearer realm="scim"` {
			t.Errorf("%s: WWW-Authenticate %q", name, got)
		}
	}
	// An unauthenticated client does not learn which paths exist.
	wantError(t, "unknown path without a token", f.send(t, "GET", "/scim/v2/Nope", "", ""), http.StatusUnauthorized, "")

	res := f.do(t, "GET", "/scim/v2/ServiceProviderConfig", "")
	wantStatus(t, "service provider config", res, http.StatusOK)
	if field(res.body, "patch", "supported") != true || field(res.body, "bulk", "supported") != false ||
		field(res.body, "filter", "maxResults") != float64(maxCount) || field(res.body, "etag", "supported") != false {
		t.Errorf("config %v", res.body)
	}
	schemes, _ := res.body["authenticationSchemes"].([]any)
	if len(schemes) != 1 || field(schemes[0].(map[string]any), "type") != "oauthbearertoken" {
		t.Errorf("authenticationSchemes %v", res.body["authenticationSchemes"])
	}
	for _, path := range []string{"/scim/v2/ResourceTypes", "/scim/v2/Schemas"} {
		res := f.do(t, "GET", path, "")
		if res.status != http.StatusOK || res.body["totalResults"] != 2.0 {
			t.Errorf("%s: %d %v", path, res.status, res.body)
		}
	}
	wantStatus(t, "user schema", f.do(t, "GET", "/scim/v2/Schemas/"+userSchema, ""), http.StatusOK)
	wantStatus(t, "group resource type", f.do(t, "GET", "/scim/v2/ResourceTypes/Group", ""), http.StatusOK)

	var lastUsed *string
	if err := f.pool.QueryRow(ctx, `SELECT last_used_at::text FROM scim_tokens WHERE name = 'Okta'`).Scan(&lastUsed); err != nil || lastUsed == nil {
		t.Errorf("last_used_at %v (%v), want set after use", lastUsed, err)
	}
}

// RFC 7644 §3.5.2: deactivating ends the account's sessions and revokes
// its API tokens within the request, whichever way the client words it.
func TestPatchActiveFalseEndsSessionsAndTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setDefault(t)
	ctx := context.Background()
	for i, op := range []string{
		`{"op": "replace", "path": "active", "value": false}`,
		`{"op": "replace", "value": {"active": false}}`,
		`{"op": "Replace", "path": "active", "value": "False"}`,
	} {
		id := f.create(t, fmt.Sprintf("user%d@example.com", i))
		f.exec(t, `INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) VALUES ($1, $2::bigint, 'c', now() + interval '1 day')`,
			[]byte(fmt.Sprintf("session-%d", i)), id)
		f.exec(t, `INSERT INTO api_tokens (token_hash, prefix, kind, user_id, name, scopes) VALUES ($1, 'tdm_x', 'personal', $2::bigint, 'laptop', '{read}')`,
			[]byte(fmt.Sprintf("api-%d", i)), id)

		res := f.do(t, "PATCH", "/scim/v2/Users/"+id, `{"schemas": ["`+patchOpSchema+`"], "Operations": [`+op+`]}`)
		wantStatus(t, op, res, http.StatusOK)
		if res.body["active"] != false {
			t.Errorf("%s: active %v in the response", op, res.body["active"])
		}
		var sessions, live int
		if err := f.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM sessions WHERE user_id = $1::bigint),
			(SELECT count(*) FROM api_tokens WHERE user_id = $1::bigint AND revoked_at IS NULL)`, id).Scan(&sessions, &live); err != nil {
			t.Fatal(err)
		}
		if sessions != 0 || live != 0 {
			t.Errorf("%s: %d sessions and %d live API tokens left, want none", op, sessions, live)
		}
		if _, _, active := f.access(t, id); active {
			t.Errorf("%s: account still active", op)
		}
	}
}

func TestPatchAndReplaceUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setDefault(t)
	id := f.create(t, "bjensen@example.com")

	res := f.do(t, "PATCH", "/scim/v2/Users/"+id, `{"schemas": ["`+patchOpSchema+`"], "Operations": [
		{"op": "replace", "path": "name.familyName", "value": "Smith"},
		{"op": "replace", "path": "displayName", "value": "Barbara Smith"},
		{"op": "add", "path": "externalId", "value": "bs-1"},
		{"op": "replace", "path": "title", "value": "Tour Guide"},
		{"op": "replace", "value": {"userName": "BSmith@example.com", "name.givenName": "Babs"}}]}`)
	wantStatus(t, "patch", res, http.StatusOK)
	if res.body["userName"] != "bsmith@example.com" || res.body["displayName"] != "Barbara Smith" || res.body["externalId"] != "bs-1" ||
		field(res.body, "name", "familyName") != "Smith" || field(res.body, "name", "givenName") != "Babs" {
		t.Errorf("after patch: %v", res.body)
	}
	if field(res.body, "meta", "version") == `W/"1"` {
		t.Errorf("meta.version did not move: %v", res.body["meta"])
	}

	res = f.do(t, "PUT", "/scim/v2/Users/"+id, `{"schemas": ["`+userSchema+`"], "userName": "barbara@example.com",
		"name": {"givenName": "Barbara", "familyName": "Jensen"}, "active": true}`)
	wantStatus(t, "put", res, http.StatusOK)
	if res.body["userName"] != "barbara@example.com" || res.body["displayName"] != "Barbara Jensen" || res.body["externalId"] != nil {
		t.Errorf("after put: %v", res.body)
	}
	wantError(t, "put to an email in use", f.do(t, "PUT", "/scim/v2/Users/"+id, `{"userName": "admin@example.com"}`),
		http.StatusConflict, "uniqueness")
}

// RFC 7644 §3.6: a delete deactivates and hides the account; its row and
// history stay.
func TestDeleteUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setDefault(t)
	id := f.create(t, "bjensen@example.com")
	group := f.do(t, "POST", "/scim/v2/Groups", `{"displayName": "Sellers", "members": [{"value": "`+id+`"}]}`)
	wantStatus(t, "group", group, http.StatusCreated)
	f.exec(t, `INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) VALUES ('s', $1::bigint, 'c', now() + interval '1 day')`, id)

	res := f.do(t, "DELETE", "/scim/v2/Users/"+id, "")
	wantStatus(t, "delete", res, http.StatusNoContent)
	if res.body != nil {
		t.Errorf("delete body %v, want none", res.body)
	}
	wantError(t, "get after delete", f.do(t, "GET", "/scim/v2/Users/"+id, ""), http.StatusNotFound, "")
	wantError(t, "delete again", f.do(t, "DELETE", "/scim/v2/Users/"+id, ""), http.StatusNotFound, "")
	if list := f.do(t, "GET", "/scim/v2/Users", ""); list.body["totalResults"] != 0.0 {
		t.Errorf("list after delete: %v", list.body)
	}
	if _, _, active := f.access(t, id); active {
		t.Error("the deleted account is still active")
	}
	var sessions, members int
	if err := f.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM sessions WHERE user_id = $1::bigint),
		(SELECT count(*) FROM scim_group_members WHERE user_id = $1::bigint)`, id).Scan(&sessions, &members); err != nil {
		t.Fatal(err)
	}
	if sessions != 0 || members != 0 {
		t.Errorf("%d sessions, %d group memberships left after delete", sessions, members)
	}

	// Reassigned in the identity provider: the same account comes back.
	again := f.do(t, "POST", "/scim/v2/Users", `{"userName": "bjensen@example.com"}`)
	wantStatus(t, "create again", again, http.StatusCreated)
	if again.body["id"] != id || again.body["active"] != true {
		t.Errorf("create after delete: %v, want account %s back and active", again.body, id)
	}
}

func TestLastAdminIsKept(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setDefault(t)
	id := f.create(t, "boss@example.com")
	f.exec(t, `UPDATE users SET role = 'admin' WHERE id = $1::bigint`, id)
	f.exec(t, `UPDATE users SET active = false WHERE id = $1`, f.adminID)

	wantError(t, "deactivate the last admin", f.do(t, "PATCH", "/scim/v2/Users/"+id,
		`{"Operations": [{"op": "replace", "path": "active", "value": false}]}`), http.StatusConflict, "")
	wantError(t, "delete the last admin", f.do(t, "DELETE", "/scim/v2/Users/"+id, ""), http.StatusConflict, "")
	if _, role, active := f.access(t, id); role != "admin" || !active {
		t.Errorf("the last admin is %s, active=%v", role, active)
	}

	// A group that would demote them leaves them admin, and says so.
	f.exec(t, `INSERT INTO sso_group_rules (position, group_name, team, role) VALUES (1, 'Marketing Leads', 'marketing', 'manager')`)
	res := f.do(t, "POST", "/scim/v2/Groups", `{"displayName": "Marketing Leads", "members": [{"value": "`+id+`"}]}`)
	wantStatus(t, "group demoting the last admin", res, http.StatusCreated)
	if _, role, _ := f.access(t, id); role != "admin" {
		t.Errorf("role %s, want admin kept", role)
	}
	var kept int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'scim.demotion_kept'`).Scan(&kept); err != nil || kept != 1 {
		t.Errorf("%d scim.demotion_kept events (%v), want 1", kept, err)
	}
}

// Group membership drives team and role through the group rules, in the
// request that changes it.
func TestGroupsDriveAccess(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setDefault(t)
	f.exec(t, `INSERT INTO sso_group_rules (position, group_name, team, role) VALUES (1, 'Marketing Leads', 'marketing', 'manager')`)
	id := f.create(t, "bjensen@example.com")
	other := f.create(t, "other@example.com")

	res := f.do(t, "POST", "/scim/v2/Groups", `{"schemas": ["`+groupSchema+`"], "displayName": "Marketing Leads", "externalId": "ml"}`)
	wantStatus(t, "create group", res, http.StatusCreated)
	gid, _ := res.body["id"].(string)
	loc := baseURL + "/scim/v2/Groups/" + gid
	if res.header.Get("Location") != loc || field(res.body, "meta", "location") != loc || field(res.body, "meta", "resourceType") != "Group" ||
		res.body["displayName"] != "Marketing Leads" || res.body["externalId"] != "ml" {
		t.Errorf("group: %v (Location %q)", res.body, res.header.Get("Location"))
	}
	if m, ok := res.body["members"].([]any); !ok || len(m) != 0 {
		t.Errorf("members %v, want []", res.body["members"])
	}
	wantError(t, "duplicate name", f.do(t, "POST", "/scim/v2/Groups", `{"displayName": "marketing leads"}`), http.StatusConflict, "uniqueness")
	wantError(t, "member SCIM does not manage", f.do(t, "PATCH", "/scim/v2/Groups/"+gid,
		fmt.Sprintf(`{"Operations": [{"op": "add", "path": "members", "value": [{"value": "%d"}]}]}`, f.adminID)), http.StatusBadRequest, "invalidValue")
	wantError(t, "unknown group", f.do(t, "GET", "/scim/v2/Groups/00000000-0000-0000-0000-000000000000", ""), http.StatusNotFound, "")
	wantError(t, "not a uuid", f.do(t, "GET", "/scim/v2/Groups/12", ""), http.StatusNotFound, "")

	res = f.do(t, "PATCH", "/scim/v2/Groups/"+gid, `{"schemas": ["`+patchOpSchema+`"], "Operations": [
		{"op": "add", "path": "members", "value": [{"value": "`+id+`"}, {"value": "`+other+`"}]}]}`)
	wantStatus(t, "add members", res, http.StatusOK)
	if m, _ := res.body["members"].([]any); len(m) != 2 || field(m[0].(map[string]any), "value") != id ||
		field(m[0].(map[string]any), "$ref") != baseURL+"/scim/v2/Users/"+id {
		t.Errorf("members after add: %v", res.body["members"])
	}
	if team, role, _ := f.access(t, id); team != "marketing" || role != "manager" {
		t.Errorf("member is %s/%s, want marketing/manager by the rule", team, role)
	}
	user := f.do(t, "GET", "/scim/v2/Users/"+id, "")
	if g, _ := user.body["groups"].([]any); len(g) != 1 || field(g[0].(map[string]any), "value") != gid ||
		field(g[0].(map[string]any), "display") != "Marketing Leads" {
		t.Errorf("user groups %v", user.body["groups"])
	}

	list := f.do(t, "GET", "/scim/v2/Groups?excludedAttributes=members&filter="+url.QueryEscape(`displayName eq "MARKETING LEADS"`), "")
	resources, _ := list.body["Resources"].([]any)
	if list.body["totalResults"] != 1.0 || len(resources) != 1 || resources[0].(map[string]any)["id"] != gid {
		t.Errorf("filter displayName: %v", list.body)
	} else if _, ok := resources[0].(map[string]any)["members"]; ok {
		t.Errorf("members listed although excluded: %v", resources[0])
	}

	res = f.do(t, "PATCH", "/scim/v2/Groups/"+gid, `{"Operations": [{"op": "remove", "path": "members[value eq \"`+id+`\"]"}]}`)
	wantStatus(t, "remove member", res, http.StatusOK)
	if m, _ := res.body["members"].([]any); len(m) != 1 {
		t.Errorf("members after remove: %v", res.body["members"])
	}
	if team, role, _ := f.access(t, id); team != "sales" || role != "member" {
		t.Errorf("removed member is %s/%s, want the default sales/member", team, role)
	}
	if team, role, _ := f.access(t, other); team != "marketing" || role != "manager" {
		t.Errorf("remaining member is %s/%s, want marketing/manager", team, role)
	}

	// Renaming the group takes the rule away from its members.
	res = f.do(t, "PATCH", "/scim/v2/Groups/"+gid, `{"Operations": [{"op": "replace", "value": {"id": "`+gid+`", "displayName": "Former Leads"}}]}`)
	wantStatus(t, "rename", res, http.StatusOK)
	if team, _, _ := f.access(t, other); team != "sales" {
		t.Errorf("after rename the member is in %s, want sales (the default)", team)
	}

	res = f.do(t, "PUT", "/scim/v2/Groups/"+gid, `{"displayName": "Marketing Leads", "members": [{"value": "`+id+`"}]}`)
	wantStatus(t, "put", res, http.StatusOK)
	if team, _, _ := f.access(t, id); team != "marketing" {
		t.Errorf("after put the member is in %s, want marketing", team)
	}
	if team, _, _ := f.access(t, other); team != "sales" {
		t.Errorf("after put the dropped member is in %s, want sales", team)
	}

	wantStatus(t, "delete group", f.do(t, "DELETE", "/scim/v2/Groups/"+gid, ""), http.StatusNoContent)
	wantError(t, "get deleted group", f.do(t, "GET", "/scim/v2/Groups/"+gid, ""), http.StatusNotFound, "")
	if team, role, _ := f.access(t, id); team != "sales" || role != "member" {
		t.Errorf("after the group's deletion the member is %s/%s, want sales/member", team, role)
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	by := users.Actor{UserID: f.adminID, IP: "192.0.2.1"}

	for _, name := range []string{"", "   ", strings.Repeat("x", MaxTokenName+1)} {
		_, _, err := f.tokens.Create(ctx, by, name)
		var fields refusal.Fields
		if !errors.As(err, &fields) || fields["name"] == "" {
			t.Errorf("Create(%q): %v, want a refusal of name", name, err)
		}
	}
	tok, secret, err := f.tokens.Create(ctx, by, "  Entra ID  ")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) < len(TokenPrefix)+43 || tok.Name != "Entra ID" || tok.CreatedByName != "Ada Admin" {
		t.Errorf("created %+v with secret %q", tok, secret)
	}
	var stored []byte
	if err := f.pool.QueryRow(ctx, `SELECT token_hash FROM scim_tokens WHERE id = $1`, tok.ID).Scan(&stored); err != nil ||
		string(stored) != string(hashSecret(secret)) {
		t.Errorf("stored hash %x (%v), want the SHA-256 of the secret", stored, err)
	}

	list, err := f.tokens.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != tok.ID || list[1].Name != "Okta" {
		t.Errorf("List = %+v, want Entra ID then Okta", list)
	}
	if err := f.tokens.Revoke(ctx, by, tok.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.tokens.Revoke(ctx, by, tok.ID); !errors.Is(err, ErrNoToken) || refusal.KindOf(err) != refusal.NotFound {
		t.Errorf("revoke twice: %v, want a not-found refusal", err)
	}
	if err := f.tokens.Revoke(ctx, by, 99999); !errors.Is(err, ErrNoToken) {
		t.Errorf("revoke unknown: %v", err)
	}
	list, _ = f.tokens.List(ctx)
	if len(list) != 2 || list[0].RevokedAt == nil || list[1].RevokedAt != nil {
		t.Errorf("after revoke: %+v", list)
	}
	wantError(t, "revoked token", f.send(t, "GET", "/scim/v2/Users", "", "Bearer "+secret), http.StatusUnauthorized, "")
	var events int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action IN ('scim.token_created', 'scim.token_revoked') AND actor_id = $1`,
		f.adminID).Scan(&events); err != nil || events != 3 {
		t.Errorf("%d token audit events (%v), want 3 (two created, one revoked)", events, err)
	}
}

// Entra ID removes members by naming them in the value; a remove of
// "members" without one empties the group.
func TestGroupMemberRemovalForms(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setDefault(t)
	a, b, c := f.create(t, "a@example.com"), f.create(t, "b@example.com"), f.create(t, "c@example.com")
	res := f.do(t, "POST", "/scim/v2/Groups", `{"displayName": "All", "members": [{"value": "`+a+`"}, {"value": "`+b+`"}, {"value": "`+c+`"}]}`)
	wantStatus(t, "create", res, http.StatusCreated)
	gid := res.body["id"].(string)
	members := func(res response) int {
		m, _ := res.body["members"].([]any)
		return len(m)
	}
	if members(res) != 3 {
		t.Fatalf("members %v", res.body["members"])
	}
	res = f.do(t, "PATCH", "/scim/v2/Groups/"+gid, `{"Operations": [{"op": "Remove", "path": "members", "value": [{"value": "`+a+`"}, {"value": "`+b+`"}]}]}`)
	wantStatus(t, "remove named", res, http.StatusOK)
	if members(res) != 1 {
		t.Errorf("after removing two: %v", res.body["members"])
	}
	wantError(t, "filtered add", f.do(t, "PATCH", "/scim/v2/Groups/"+gid,
		`{"Operations": [{"op": "add", "path": "members[value eq \"`+a+`\"]", "value": [{"value": "`+a+`"}]}]}`), http.StatusBadRequest, "invalidPath")
	wantError(t, "unknown path", f.do(t, "PATCH", "/scim/v2/Groups/"+gid,
		`{"Operations": [{"op": "replace", "path": "owners", "value": "x"}]}`), http.StatusBadRequest, "invalidPath")
	res = f.do(t, "PATCH", "/scim/v2/Groups/"+gid, `{"Operations": [{"op": "remove", "path": "members"}]}`)
	wantStatus(t, "remove all", res, http.StatusOK)
	if members(res) != 0 {
		t.Errorf("after removing all: %v", res.body["members"])
	}
}
