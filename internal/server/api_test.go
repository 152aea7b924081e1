package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tandem/internal/testdb/demo"
	"tandem/internal/tokens"
	"tandem/internal/users"
)

func newLeadBody(email string) map[string]any {
	return map[string]any{"company": "API GmbH", "contact_name": "Ada Api", "email": email, "fit": "strong", "score": 70}
}

func TestAPIRefusesRequestsWithoutAValidToken(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	id, secret := e.token("rep@example.com")
	_, expired := e.token("rep@example.com")
	if _, err := e.pool.Exec(context.Background(), `UPDATE api_tokens SET expires_at = now() - interval '1 minute'
		WHERE token_hash = sha256($1::bytea)`, []byte(expired)); err != nil {
		t.Fatal(err)
	}
	me := users.User{ID: e.userID("rep@example.com")}
	if _, err := e.srv.tokens.Revoke(context.Background(), users.Actor{}, me, id); err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{"no token": "", "revoked": secret, "expired": expired, "made up": "tdm_" + strings.Repeat("a", 43)} {
		res := e.api(token).get("/api/v1/leads")
		if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: %d %q", name, res.StatusCode, res.Header.Get("WWW-Authenticate"))
		}
		res.problem(t)
	}
}

// TestAPIIgnoresCookiesAndPagesStillCheckCSRF: a signed-in browser's
// cookies do not authenticate the API (so a forged cross-site post to it
// does nothing), bearer posts need no CSRF token, and a page post without
// one is still refused.
func TestAPIIgnoresCookiesAndPagesStillCheckCSRF(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	browser := e.client()
	browser.login("marketer@example.com")
	before := e.count(`SELECT count(*) FROM leads`)
	res := browser.postRaw("/api/v1/leads", url.Values{"csrf_token": {browser.csrf}}, map[string]string{"Origin": e.http.URL})
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("cookie-session POST to the API: %d, want 401", res.StatusCode)
	}
	if res := browser.get("/api/v1/leads"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("cookie-session GET of the API: %d, want 401", res.StatusCode)
	}
	page := browser.postRaw("/leads", url.Values{"company": {"No CSRF"}, "contact_name": {"N"}, "email": {"n@csrf.example"}},
		map[string]string{"Authorization": "Bearer whatever", "Origin": e.http.URL})
	if page.StatusCode != http.StatusForbidden {
		t.Errorf("page POST without CSRF: %d, want 403", page.StatusCode)
	}
	_, secret := e.token("marketer@example.com")
	if res := e.api(secret).post("/api/v1/leads", newLeadBody("ada@csrf.example"), "Origin", "https://evil.example.com"); res.StatusCode != http.StatusCreated {
		t.Errorf("bearer POST: %d %s", res.StatusCode, res.Body)
	}
	if after := e.count(`SELECT count(*) FROM leads`); after != before+1 {
		t.Errorf("leads %d -> %d, want one more (the bearer post only)", before, after)
	}
}

func TestAPIScopesNarrowTheUser(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, readOnly := e.token("marketer@example.com", tokens.Read)
	c := e.api(readOnly)
	if res := c.get("/api/v1/leads?limit=1"); res.StatusCode != http.StatusOK {
		t.Errorf("read token GET: %d", res.StatusCode)
	}
	res := c.post("/api/v1/leads", newLeadBody("scope@example.com"))
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.problem(t).Type, "insufficient-scope") {
		t.Errorf("read token POST: %d %s", res.StatusCode, res.Body)
	}
	_, writeOnly := e.token("marketer@example.com", tokens.Write)
	if res := e.api(writeOnly).get("/api/v1/leads"); res.StatusCode != http.StatusForbidden {
		t.Errorf("write-only token GET: %d", res.StatusCode)
	}
	_, rep := e.token("rep@example.com")
	if res := e.api(rep).post("/api/v1/leads", newLeadBody("rep@example.com")); res.StatusCode != http.StatusForbidden {
		t.Errorf("a seller's token creates leads: %d", res.StatusCode)
	}
}

func TestAPILeadLifecycle(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, mk := e.token("marketer@example.com")
	_, rp := e.token("rep@example.com")
	m, r := e.api(mk), e.api(rp)

	res := m.post("/api/v1/leads", newLeadBody("life@example.com"))
	if res.StatusCode != http.StatusCreated || !strings.HasPrefix(res.Header.Get("Location"), "/api/v1/leads/") {
		t.Fatalf("create: %d %s", res.StatusCode, res.Body)
	}
	var lead apiLead
	res.json(t, &lead)
	path := res.Header.Get("Location")
	if lead.Stage != "new" || lead.Version == 0 || lead.CreatedAt.IsZero() {
		t.Errorf("created %+v", lead)
	}
	move := func(c *apiClient, action string, body any) apiLead {
		t.Helper()
		res := c.post(path+"/"+action, body, "If-Match", versionETag(lead.Version))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", action, res.StatusCode, res.Body)
		}
		var next apiLead
		res.json(t, &next)
		return next
	}
	lead = move(m, "qualify", nil)
	lead = move(m, "hand-off", map[string]any{"owner": e.userID("rep@example.com"), "note": "Warm"})
	lead = move(r, "accept", map[string]any{"rating": 4})
	if res := r.post(path+"/touches", map[string]any{"kind": "call", "note": "Rang them"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("touch: %d %s", res.StatusCode, res.Body)
	}
	lead = move(r, "convert", nil)
	lead = move(r, "win", map[string]any{"value": "12500.50"})
	if lead.Stage != "won" || lead.DealValue == nil || lead.DealValue.Amount != "12500.50" {
		t.Errorf("won lead %+v", lead)
	}
	if got := e.count(`SELECT count(*) FROM leads WHERE email = 'life@example.com' AND stage = 'won' AND deal_value = 12500.50`); got != 1 {
		t.Errorf("database: %d won leads", got)
	}

	stale := r.post(path+"/lose", map[string]any{"lost": "x"}, "If-Match", `"1"`)
	if stale.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("stale If-Match: %d %s", stale.StatusCode, stale.Body)
	}
	stale.problem(t)
	if res := r.post(path+"/lose", map[string]any{"lost": "x"}); res.StatusCode != http.StatusPreconditionRequired {
		t.Errorf("no If-Match: %d", res.StatusCode)
	}
}

func TestAPILeadGetETagAndUpdate(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, mk := e.token("marketer@example.com")
	c := e.api(mk)
	id := e.count(`SELECT min(id) FROM leads`)
	path := "/api/v1/leads/" + strconv.Itoa(id)
	res := c.get(path)
	etag := res.Header.Get("ETag")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("get: %d etag %q", res.StatusCode, etag)
	}
	if again := c.get(path, "If-None-Match", etag); again.StatusCode != http.StatusNotModified || len(again.Body) != 0 {
		t.Errorf("If-None-Match: %d", again.StatusCode)
	}
	var lead apiLead
	res.json(t, &lead)
	upd := c.do(http.MethodPatch, path, map[string]any{"title": "Head of API"}, "If-Match", versionETag(lead.Version))
	if upd.StatusCode != http.StatusOK {
		t.Fatalf("patch: %d %s", upd.StatusCode, upd.Body)
	}
	if got := e.count(`SELECT count(*) FROM leads WHERE id = $1 AND title = 'Head of API' AND company = $2`, id, lead.Company); got != 1 {
		t.Error("the patch did not change only the title")
	}
	if res := c.get(path, "If-None-Match", etag); res.StatusCode != http.StatusOK {
		t.Errorf("changed lead answered %d to the old ETag", res.StatusCode)
	}
	if stale := c.do(http.MethodPatch, path, map[string]any{"title": "Again"}, "If-Match", versionETag(lead.Version)); stale.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("stale patch: %d", stale.StatusCode)
	}
	if res := c.get("/api/v1/leads/999999999"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown lead: %d", res.StatusCode)
	} else {
		res.problem(t)
	}
}

func TestAPIValidationProblems(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, mk := e.token("marketer@example.com")
	c := e.api(mk)
	c.invalid = true
	res := c.post("/api/v1/leads", map[string]any{"company": "", "contact_name": "", "email": "not an email", "score": 500})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid lead: %d %s", res.StatusCode, res.Body)
	}
	p := res.problem(t)
	fields := map[string]bool{}
	for _, f := range p.Errors {
		fields[f.Field] = f.Message != ""
	}
	for _, want := range []string{"company", "contact_name", "email", "score"} {
		if !fields[want] {
			t.Errorf("no error for %s: %+v", want, p.Errors)
		}
	}
	if res := c.post("/api/v1/leads", []byte(`{"company": "A", "surprise": 1}`)); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown field: %d", res.StatusCode)
	}
	if res := c.post("/api/v1/leads", []byte(strings.Repeat(" ", 2<<20))); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MB body: %d", res.StatusCode)
	}
	if res := c.get("/api/v1/leads?limit=500"); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("limit 500: %d", res.StatusCode)
	}
	if res := c.get("/api/v1/leads?stage=nope"); res.StatusCode != http.StatusUnprocessableEntity || len(res.problem(t).Errors) != 1 {
		t.Errorf("unknown stage: %d %s", res.StatusCode, res.Body)
	}
}

func TestAPIUnknownAddressesAndMethodsAreProblems(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, tok := e.token("rep@example.com")
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/api/v1/nothing", http.StatusNotFound},
		{http.MethodGet, "/api/v2/leads", http.StatusNotFound},
		{http.MethodDelete, "/api/v1/leads", http.StatusMethodNotAllowed},
	} {
		req, _ := http.NewRequest(tc.method, e.http.URL+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.want || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
}

func TestAPIIdempotencyKeys(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, mk := e.token("marketer@example.com")
	c := e.api(mk)
	first := c.post("/api/v1/leads", newLeadBody("idem@example.com"), "Idempotency-Key", "k-1")
	again := c.post("/api/v1/leads", newLeadBody("idem@example.com"), "Idempotency-Key", "k-1")
	if first.StatusCode != http.StatusCreated || again.StatusCode != first.StatusCode ||
		string(again.Body) != string(first.Body) || again.Header.Get("Location") != first.Header.Get("Location") {
		t.Errorf("replay: %d %s / %d %s", first.StatusCode, first.Header.Get("Location"), again.StatusCode, again.Header.Get("Location"))
	}
	if n := e.count(`SELECT count(*) FROM leads WHERE email = 'idem@example.com'`); n != 1 {
		t.Errorf("%d leads after a replayed create", n)
	}
	other := c.post("/api/v1/leads", newLeadBody("other@example.com"), "Idempotency-Key", "k-1")
	if other.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(other.problem(t).Type, "idempotency-key-reused") {
		t.Errorf("same key, other body: %d %s", other.StatusCode, other.Body)
	}
	// Another token's key is its own.
	_, mk2 := e.token("marketing.manager@example.com")
	if res := e.api(mk2).post("/api/v1/leads", newLeadBody("idem2@example.com"), "Idempotency-Key", "k-1"); res.StatusCode != http.StatusCreated {
		t.Errorf("another token's key: %d", res.StatusCode)
	}
}

func TestAPIIdempotencyKeyInFlight(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	id, mk := e.token("marketer@example.com")
	body := []byte(`{"company":"A","contact_name":"B","email":"flight@example.com"}`)
	sum := idempotencyHash(http.MethodPost, "/api/v1/leads", body)
	if _, err := e.srv.tokens.Claim(context.Background(), id, "busy", sum); err != nil {
		t.Fatal(err)
	}
	res := e.api(mk).post("/api/v1/leads", body, "Idempotency-Key", "busy")
	if res.StatusCode != http.StatusConflict {
		t.Errorf("key in flight: %d %s", res.StatusCode, res.Body)
	}
}

func TestAPIPaginationReachesEveryLeadOnce(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, tok := e.token("rep@example.com")
	c := e.api(tok)
	seen := map[int64]bool{}
	next, pages := "/api/v1/leads?limit=37", 0
	for next != "" && pages < 1000 {
		res := c.get(next)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", next, res.StatusCode, res.Body)
		}
		var page listPage[apiLead]
		res.json(t, &page)
		for _, l := range page.Data {
			if seen[l.ID] {
				t.Fatalf("lead %d on two pages", l.ID)
			}
			seen[l.ID] = true
		}
		next = ""
		if page.Next != nil {
			next = *page.Next
			if link := res.Header.Get("Link"); link != "<"+next+`>; rel="next"` {
				t.Errorf("Link %q for next %q", link, next)
			}
		}
		pages++
	}
	if want := e.count(`SELECT count(*) FROM leads`); len(seen) != want || pages < 2 {
		t.Errorf("%d leads over %d pages, want %d", len(seen), pages, want)
	}
	if res := c.get("/api/v1/leads?cursor=broken"); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("broken cursor: %d", res.StatusCode)
	}
}

func TestAPIRateLimit(t *testing.T) {
	t.Parallel()
	e := newTestEnvOn(t, demo.New(t), map[string]string{"API_RATE_LIMIT": "3"})
	_, tok := e.token("rep@example.com")
	c := e.api(tok)
	// The limit counts per clock minute: four requests straddling a
	// minute's end are two windows' worth, so start well inside one.
	if left := time.Until(time.Now().Truncate(time.Minute).Add(time.Minute)); left < 5*time.Second {
		time.Sleep(left + 100*time.Millisecond)
	}
	var last apiResponse
	for i := 0; i < 4; i++ {
		last = c.get("/api/v1/leads?limit=1")
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("4th request: %d", last.StatusCode)
	}
	if s, err := strconv.Atoi(last.Header.Get("Retry-After")); err != nil || s < 1 || s > 61 {
		t.Errorf("Retry-After %q", last.Header.Get("Retry-After"))
	}
	last.problem(t)
	_, other := e.token("marketer@example.com")
	if res := e.api(other).get("/api/v1/leads?limit=1"); res.StatusCode != http.StatusOK {
		t.Errorf("another token is limited too: %d", res.StatusCode)
	}
}

func TestAPICommentsAndTouches(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, tok := e.token("agent@example.com")
	c := e.api(tok)
	id := e.count(`SELECT min(id) FROM leads`)
	path := fmt.Sprintf("/api/v1/leads/%d/comments", id)
	res := c.post(path, map[string]any{"text": "Customer called about it"})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("comment: %d %s", res.StatusCode, res.Body)
	}
	var page listPage[apiEvent]
	c.get(path).json(t, &page)
	if len(page.Data) == 0 || page.Data[len(page.Data)-1].Text != "Customer called about it" || page.Next != nil {
		t.Errorf("comments %+v", page)
	}
	c.invalid = true
	if res := c.post(path, map[string]any{"text": ""}); res.StatusCode != http.StatusUnprocessableEntity || res.problem(t).Errors[0].Field != "text" {
		t.Errorf("empty comment: %d %s", res.StatusCode, res.Body)
	}
	if res := c.post(fmt.Sprintf("/api/v1/leads/%d/touches", id), map[string]any{"kind": "call"}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a service agent's touch: %d", res.StatusCode)
	}
}

func TestAPIDocsAndDocument(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	res, err := http.Get(e.http.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
		t.Errorf("document: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	page := e.client().get("/api/docs")
	for _, want := range []string{"POST /api/v1/leads/{id}/hand-off", "If-Match", "LeadInput", "problem-rate-limited",
		`id="webhook-lead.handed_off"`, "webhook-signature", `href="#schema-webhookleadevent"`, "410"} {
		if !strings.Contains(strings.ReplaceAll(page.Body, "</code>", ""), want) && !strings.Contains(page.Body, want) {
			t.Errorf("/api/docs lacks %q", want)
		}
	}
	// The document's `code` reads as code, not as backticks.
	if !strings.Contains(page.Body, "<code>Idempotency-Key</code>") || strings.Contains(page.Body, "`") {
		t.Error("/api/docs shows the document's backticks instead of code")
	}
	if strings.Contains(page.Body, "<script") && strings.Contains(page.Body, "http") && strings.Contains(page.Body, "cdn") {
		t.Error("/api/docs loads from a CDN")
	}
}

func TestAPIConcurrentCreatesWithOneKeyMakeOneLead(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, mk := e.token("marketer@example.com")
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/api/v1/leads",
				strings.NewReader(`{"company":"Race","contact_name":"R","email":"race@example.com"}`))
			req.Header.Set("Authorization", "Bearer "+mk)
			req.Header.Set("Idempotency-Key", "race")
			if res, err := http.DefaultClient.Do(req); err == nil {
				codes[i] = res.StatusCode
				res.Body.Close()
			}
		}()
	}
	wg.Wait()
	for _, code := range codes {
		if code != http.StatusCreated && code != http.StatusConflict {
			t.Errorf("concurrent same key: %v", codes)
		}
	}
	if n := e.count(`SELECT count(*) FROM leads WHERE email = 'race@example.com'`); n != 1 {
		t.Errorf("%d leads from one key", n)
	}
}

func TestAPIRejectRecycleAndLose(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, mk := e.token("marketer@example.com")
	_, rp := e.token("rep@example.com")
	m, r := e.api(mk), e.api(rp)
	var lead apiLead
	create := func() string {
		res := m.post("/api/v1/leads", newLeadBody(fmt.Sprintf("cycle%d@example.com", e.count(`SELECT count(*) FROM leads`))))
		res.json(t, &lead)
		return res.Header.Get("Location")
	}
	step := func(c *apiClient, path, action string, body any, want int) {
		t.Helper()
		res := c.post(path+"/"+action, body, "If-Match", versionETag(lead.Version))
		if res.StatusCode != want {
			t.Fatalf("%s: %d %s", action, res.StatusCode, res.Body)
		}
		if want == http.StatusOK {
			res.json(t, &lead)
		} else {
			res.problem(t)
		}
	}
	path := create()
	step(m, path, "qualify", nil, http.StatusOK)
	step(m, path, "hand-off", map[string]any{"note": "Asked for a demo", "owner": e.userID("rep@example.com")}, http.StatusOK)
	r.invalid = true
	step(r, path, "reject", map[string]any{"rating": 2}, http.StatusUnprocessableEntity)
	r.invalid = false
	step(r, path, "reject", map[string]any{"reason": "no_budget", "rating": 2}, http.StatusOK)
	step(m, path, "recycle", nil, http.StatusOK)
	if lead.Stage != "recycled" {
		t.Errorf("stage %s, want recycled", lead.Stage)
	}
	step(r, path, "qualify", nil, http.StatusForbidden)

	path = create()
	step(m, path, "qualify", nil, http.StatusOK)
	step(m, path, "hand-off", map[string]any{"note": "Hot", "owner": e.userID("rep@example.com")}, http.StatusOK)
	step(r, path, "accept", map[string]any{"rating": 5}, http.StatusOK)
	step(r, path, "lose", map[string]any{"lost": "Went cold"}, http.StatusOK)
	if got := e.count(`SELECT count(*) FROM leads WHERE id = $1 AND stage = 'lost' AND lost_reason = 'Went cold'`, lead.ID); got != 1 {
		t.Error("the lost lead is not stored as lost")
	}
	step(r, path, "win", map[string]any{"value": "1.00"}, http.StatusUnprocessableEntity) // as on the page: no move out of lost

	// A handoff to the routing rules: the catch-all rule's one rep owns it.
	e.addRoutingRules(t, "Everything to Riley")
	path = create()
	step(m, path, "qualify", nil, http.StatusOK)
	step(m, path, "hand-off", map[string]any{"note": "Route me", "route": true}, http.StatusOK)
	if lead.Owner == nil || lead.Owner.ID != e.userID("rep@example.com") {
		t.Errorf("routed lead's owner %+v", lead.Owner)
	}
}
