package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// hostileValues are what people and scripts type into number and text
// fields that strconv and PostgreSQL read differently: NaN and Inf parse
// as floats, 1e20 overflows numeric(14,2), long text breaks length checks.
var hostileValues = []string{"NaN", "nan", "Inf", "-Infinity", "1e20", "-1", "99999999999999999999", "0x1p4", "1_000",
	" ", "\x00", "<script>alert(1)</script>", strings.Repeat("x", 20000), "9999-12", "0001-W01", "0000-Q1", "2147483648"}

// Every field of every state-changing form, given each hostile value while
// the rest of the form stays valid, gets an answer below 500: a refusal
// with a message, never a server error (the guard fails the test on any
// 5xx or error log).
func TestHostileValuesInEveryFormFieldNeverReach500(t *testing.T) {
	t.Parallel()
	for key, hc := range happyPaths {
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
			t.Parallel()
			e, c := hc.start(t)
			p := hc.prepare(t, e, c)
			if p.upload != nil || key == "POST /logout" || key == "POST /account/password" {
				return // a file, not fields; and the two that end the session under test
			}
			for field := range p.form {
				for _, bad := range hostileValues {
					form := url.Values{}
					for k, v := range p.form {
						form[k] = append([]string(nil), v...)
					}
					form.Set(field, bad)
					if res := c.post(p.path, form); res.StatusCode >= http.StatusInternalServerError {
						t.Errorf("%s with %s=%.40q: status %d", key, field, bad, res.StatusCode)
					}
				}
			}
		})
	}
}

// Every page without path parameters, opened by an admin with each hostile
// value in every filter the pages read, answers below 500.
func TestHostileQueryValuesNeverReach500(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("admin@example.com")
	keys := []string{"q", "stage", "owner", "sla", "campaign", "created_from", "created_to", "handed_from", "handed_to",
		"sort", "reason", "page", "before", "after", "kind", "period", "lens", "theme", "product", "status", "team", "role",
		"active", "view", "month", "format", "waiting", "lead", "sentiment", "chain_link", "u", "sig"}
	pages := 0
	for _, key := range appRoutes(t, e.srv) {
		method, pattern, _ := strings.Cut(key, " ")
		if method != http.MethodGet || strings.Contains(pattern, "{") || pattern == "/logout" {
			continue
		}
		pages++
		for _, bad := range hostileValues {
			q := url.Values{}
			for _, k := range keys {
				q.Set(k, bad)
			}
			if res := c.get(pattern + "?" + q.Encode()); res.StatusCode >= http.StatusInternalServerError {
				t.Errorf("GET %s with every filter %.40q: status %d", pattern, bad, res.StatusCode)
			}
			for _, kind := range []string{"week", "month", "quarter"} { // a valid kind, so the period is read
				path := pattern + "?" + url.Values{"kind": {kind}, "period": {bad}}.Encode()
				if res := c.get(path); res.StatusCode >= http.StatusInternalServerError {
					t.Errorf("GET %s: status %d", path, res.StatusCode)
				}
			}
		}
	}
	if pages < 10 {
		t.Fatalf("only %d pages walked", pages)
	}
}

// A NUL byte or invalid UTF-8 cannot be stored in PostgreSQL text: a form
// or an address carrying one gets a 422 that says so, and nothing changes.
func TestUnstorableTextIsRefusedWithAMessage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	before := e.count(`SELECT count(*) FROM leads`)
	for _, bad := range []string{"Nul\x00Co", "Bad \xff\xfe bytes"} {
		res := c.post("/leads", url.Values{"company": {bad}, "contact_name": {"Nia"}, "email": {"nia@nul.example"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, "characters Tandem cannot save") {
			t.Errorf("%q: the refusal does not say why:\n%s", bad, res.Body)
		}
		res = c.get("/leads?q=" + url.QueryEscape(bad))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, "characters Tandem cannot read") {
			t.Errorf("search %q: the refusal does not say why", bad)
		}
	}
	if after := e.count(`SELECT count(*) FROM leads`); after != before {
		t.Errorf("%d leads created from refused forms", after-before)
	}
}
