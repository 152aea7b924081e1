package server

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/internal/tokens"
)

func newAlertBody(headline string) map[string]any {
	return map[string]any{"headline": headline, "product": "Tandem Cloud", "severity": "warning",
		"what_happened": "Exports are slow.", "guidance": "Do not promise same-day exports.",
		"until_on": time.Now().AddDate(0, 0, 7).Format("2006-01-02")}
}

func TestAPIAlertsPostAndList(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, agent := e.token("agent@example.com")
	c := e.api(agent)
	res := c.post("/api/v1/alerts", newAlertBody("API slow exports"), "Idempotency-Key", "alert-1")
	if res.StatusCode != http.StatusCreated || !strings.HasPrefix(res.Header.Get("Location"), "/api/v1/alerts/") {
		t.Fatalf("post: %d %s", res.StatusCode, res.Body)
	}
	if again := c.post("/api/v1/alerts", newAlertBody("API slow exports"), "Idempotency-Key", "alert-1"); again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d", again.StatusCode)
	}
	if n := e.count(`SELECT count(*) FROM product_alerts WHERE headline = 'API slow exports'`); n != 1 {
		t.Fatalf("database: %d alerts", n)
	}
	var a apiAlert
	res.json(t, &a)
	if a.Severity != "warning" || !a.Active || a.UntilOn == nil || a.AcknowledgedAt == nil || a.PostedByTeam != "service" {
		t.Errorf("posted %+v", a)
	}
	_, rep := e.token("rep@example.com")
	r := e.api(rep)
	if got := r.get(res.Header.Get("Location")); got.StatusCode != http.StatusOK {
		t.Errorf("get: %d", got.StatusCode)
	} else if got.json(t, &a); a.AcknowledgedAt != nil {
		t.Error("the rep sees the poster's acknowledgement as theirs")
	}
	if res := r.post("/api/v1/alerts", newAlertBody("Rep alert")); res.StatusCode != http.StatusForbidden {
		t.Errorf("a sales member posts alerts: %d", res.StatusCode)
	}
	_, mgr := e.token("sales.manager@example.com")
	if res := e.api(mgr).post("/api/v1/alerts", newAlertBody("Manager alert")); res.StatusCode != http.StatusCreated {
		t.Errorf("a sales manager posts alerts: %d %s", res.StatusCode, res.Body)
	}
	c.invalid = true
	bad := c.post("/api/v1/alerts", map[string]any{"headline": "", "product": "x", "severity": "loud", "what_happened": "x", "guidance": "x", "until_on": "2001-01-01"})
	if p := bad.problem(t); bad.StatusCode != http.StatusUnprocessableEntity || !hasProblemField(p, "headline") ||
		!hasProblemField(p, "severity") || !hasProblemField(p, "until_on") {
		t.Errorf("invalid alert: %d %s", bad.StatusCode, bad.Body)
	}
	if res := r.get("/api/v1/alerts/999999999"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown alert: %d", res.StatusCode)
	} else {
		res.problem(t)
	}
}

func TestAPIAlertsPageToTheEnd(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, agent := e.token("agent@example.com")
	c := e.api(agent)
	for i := range 27 {
		if res := c.post("/api/v1/alerts", newAlertBody("Paged alert "+strconv.Itoa(i))); res.StatusCode != http.StatusCreated {
			t.Fatalf("post %d: %d %s", i, res.StatusCode, res.Body)
		}
	}
	seen := walkPages[apiAlert](t, c, "/api/v1/alerts", func(a apiAlert) int64 { return a.ID })
	if want := e.count(`SELECT count(*) FROM product_alerts`); len(seen) != want {
		t.Errorf("saw %d alerts, want %d", len(seen), want)
	}
}

// walkPages follows next from path to the last page and returns the ids
// seen, failing on one seen twice or a single page.
func walkPages[T any](t *testing.T, c *apiClient, path string, id func(T) int64) map[int64]bool {
	t.Helper()
	seen, pages := map[int64]bool{}, 0
	for next := path; next != "" && pages < 200; pages++ {
		res := c.get(next)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", next, res.StatusCode, res.Body)
		}
		var page listPage[T]
		res.json(t, &page)
		for _, v := range page.Data {
			if seen[id(v)] {
				t.Errorf("%d twice", id(v))
			}
			seen[id(v)] = true
		}
		next = ""
		if page.Next != nil {
			next = *page.Next
		}
	}
	if pages < 2 {
		t.Errorf("%s: one page only", path)
	}
	return seen
}

func newFeedbackBody(e *testEnv, customer string) map[string]any {
	return map[string]any{"customer": customer, "product": "Tandem Cloud", "theme": e.count(`SELECT min(id) FROM feedback_themes`),
		"sentiment": "negative", "chain_link": "expectation", "words": "The export should be faster.", "note": "Said twice."}
}

func TestAPIFeedbackLogGetAndHeard(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, agent := e.token("agent@example.com")
	c := e.api(agent)
	res := c.post("/api/v1/feedback", newFeedbackBody(e, "API Freight"), "Idempotency-Key", "fb-1")
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("log: %d %s", res.StatusCode, res.Body)
	}
	if again := c.post("/api/v1/feedback", newFeedbackBody(e, "API Freight"), "Idempotency-Key", "fb-1"); again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d", again.StatusCode)
	}
	if n := e.count(`SELECT count(*) FROM feedback_items WHERE customer = 'API Freight'`); n != 1 {
		t.Fatalf("database: %d items", n)
	}
	var it apiFeedback
	res.json(t, &it)
	path := res.Header.Get("Location")
	if it.Status != "new" || it.Reporter.ID != e.userID("agent@example.com") || it.AckDueAt.IsZero() {
		t.Errorf("logged %+v", it)
	}
	if own := c.post(path+"/heard", nil); own.StatusCode != http.StatusUnprocessableEntity || !hasProblemField(own.problem(t), "heard") {
		t.Errorf("+1 on one's own item: %d %s", own.StatusCode, own.Body)
	}
	_, rep := e.token("rep@example.com")
	r := e.api(rep)
	heard := r.post(path+"/heard", map[string]any{"customer": "Okapi Freight"}, "Idempotency-Key", "heard-1")
	if heard.StatusCode != http.StatusOK {
		t.Fatalf("+1: %d %s", heard.StatusCode, heard.Body)
	}
	// A retry with the key gets the first answer, not "added already".
	if again := r.post(path+"/heard", map[string]any{"customer": "Okapi Freight"}, "Idempotency-Key", "heard-1"); again.StatusCode != http.StatusOK ||
		again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replayed +1: %d %s", again.StatusCode, again.Body)
	}
	heard.json(t, &it)
	if it.Heard != 1 || e.count(`SELECT count(*) FROM feedback_heard WHERE item_id = $1 AND customer = 'Okapi Freight'`, it.ID) != 1 {
		t.Errorf("after +1: %+v", it)
	}
	if twice := r.post(path+"/heard", nil); twice.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("second +1: %d", twice.StatusCode)
	}
	if got := r.get(path); got.StatusCode != http.StatusOK {
		t.Errorf("get: %d", got.StatusCode)
	} else if again := r.get(path, "If-None-Match", got.Header.Get("ETag")); again.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", again.StatusCode)
	}
	if res := r.get("/api/v1/feedback/999999999"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown item: %d", res.StatusCode)
	} else {
		res.problem(t)
	}
	_, readOnly := e.token("rep@example.com", tokens.Read)
	if res := e.api(readOnly).post(path+"/heard", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("read token +1: %d", res.StatusCode)
	}
	c.invalid = true
	bad := c.post("/api/v1/feedback", map[string]any{"customer": "", "product": "x", "theme": 0, "sentiment": "angry", "chain_link": "x", "words": ""})
	p := bad.problem(t)
	for _, f := range []string{"customer", "theme", "sentiment", "chain_link", "words"} {
		if !hasProblemField(p, f) {
			t.Errorf("%d: no error for %s in %+v", bad.StatusCode, f, p.Errors)
		}
	}
}

func TestAPIFeedbackListFiltersAndPages(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, agent := e.token("agent@example.com")
	c := e.api(agent)
	for i := range 30 {
		if res := c.post("/api/v1/feedback", newFeedbackBody(e, "Paged Freight "+strconv.Itoa(i))); res.StatusCode != http.StatusCreated {
			t.Fatalf("log %d: %d %s", i, res.StatusCode, res.Body)
		}
	}
	seen := walkPages[apiFeedback](t, c, "/api/v1/feedback", func(it apiFeedback) int64 { return it.ID })
	if want := e.count(`SELECT count(*) FROM feedback_items WHERE merged_into IS NULL`); len(seen) != want {
		t.Errorf("saw %d items, want %d", len(seen), want)
	}
	res := c.get("/api/v1/feedback?sentiment=positive&team=sales")
	var page listPage[apiFeedback]
	res.json(t, &page)
	for _, it := range page.Data {
		if it.Sentiment != "positive" || it.ReporterTeam != "sales" {
			t.Errorf("filtered list has %+v", it)
		}
	}
	c.invalid = true
	bad := c.get("/api/v1/feedback?sentiment=angry&from=someday")
	if p := bad.problem(t); bad.StatusCode != http.StatusUnprocessableEntity || !hasProblemField(p, "sentiment") || !hasProblemField(p, "from") {
		t.Errorf("bad filters: %d %s", bad.StatusCode, bad.Body)
	}
}
