package server

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/internal/tokens"
)

func newCampaignBody(name string, launch time.Time) map[string]any {
	return map[string]any{"name": name, "channel": "webinar", "talking_points": "Say **hello**.",
		"launch_on": launch.Format("2006-01-02"), "end_on": launch.AddDate(0, 0, 30).Format("2006-01-02"),
		"expected_leads": 40, "budget": "12500.50"}
}

func TestAPICampaignCreateUpdateAnnounce(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, mk := e.token("marketer@example.com")
	c := e.api(mk)
	res := c.post("/api/v1/campaigns", newCampaignBody("API autumn webinar", time.Now().AddDate(0, 0, 3)), "Idempotency-Key", "camp-1")
	if res.StatusCode != http.StatusCreated || !strings.HasPrefix(res.Header.Get("Location"), "/api/v1/campaigns/") {
		t.Fatalf("create: %d %s", res.StatusCode, res.Body)
	}
	var camp apiCampaign
	res.json(t, &camp)
	if camp.Status != "draft" || camp.Budget.Amount != "12500.50" || camp.Owner.ID != e.userID("marketer@example.com") ||
		camp.Results == nil || camp.Readiness == nil {
		t.Errorf("created %+v", camp)
	}
	if again := c.post("/api/v1/campaigns", newCampaignBody("API autumn webinar", time.Now().AddDate(0, 0, 3)), "Idempotency-Key", "camp-1"); again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d %v", again.StatusCode, again.Header)
	}
	if n := e.count(`SELECT count(*) FROM campaigns WHERE name = 'API autumn webinar' AND budget = 12500.50`); n != 1 {
		t.Fatalf("database: %d campaigns", n)
	}
	path := res.Header.Get("Location")

	upd := c.do(http.MethodPatch, path, map[string]any{"offer": "Free trial"}, "If-Match", versionETag(camp.Version))
	if upd.StatusCode != http.StatusOK {
		t.Fatalf("patch: %d %s", upd.StatusCode, upd.Body)
	}
	if n := e.count(`SELECT count(*) FROM campaigns WHERE id = $1 AND offer = 'Free trial' AND channel = 'webinar'`, camp.ID); n != 1 {
		t.Error("the patch did not change only the offer")
	}
	if stale := c.do(http.MethodPatch, path, map[string]any{"offer": "x"}, "If-Match", versionETag(camp.Version)); stale.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("stale patch: %d %s", stale.StatusCode, stale.Body)
	} else {
		stale.problem(t)
	}
	if none := c.do(http.MethodPatch, path, map[string]any{"offer": "x"}); none.StatusCode != http.StatusPreconditionRequired {
		t.Errorf("patch without If-Match: %d", none.StatusCode)
	}
	upd.json(t, &camp)

	if stale := c.post(path+"/announce", map[string]any{"late_reason": "x"}, "If-Match", versionETag(camp.Version-1)); stale.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("stale announce: %d %s", stale.StatusCode, stale.Body)
	}
	// Three days ahead is a late notice (7 days required): the reason is a field.
	late := c.post(path+"/announce", nil, "If-Match", versionETag(camp.Version))
	if late.StatusCode != http.StatusUnprocessableEntity || !hasProblemField(late.problem(t), "late_reason") {
		t.Fatalf("late announce without reason: %d %s", late.StatusCode, late.Body)
	}
	ok := c.post(path+"/announce", map[string]any{"late_reason": "Stock arrived early."}, "If-Match", versionETag(camp.Version), "Idempotency-Key", "ann-1")
	if ok.StatusCode != http.StatusOK {
		t.Fatalf("announce: %d %s", ok.StatusCode, ok.Body)
	}
	if again := c.post(path+"/announce", map[string]any{"late_reason": "Stock arrived early."}, "If-Match", versionETag(camp.Version), "Idempotency-Key", "ann-1"); again.StatusCode != http.StatusOK ||
		again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replayed announce: %d %s", again.StatusCode, again.Body)
	}
	ok.json(t, &camp)
	if camp.Status != "announced" || !camp.LateNotice || camp.AnnouncedAt == nil || camp.Revision != 1 {
		t.Errorf("announced %+v", camp)
	}
	if n := e.count(`SELECT count(*) FROM campaigns WHERE id = $1 AND status = 'announced' AND late_reason = 'Stock arrived early.'`, camp.ID); n != 1 {
		t.Error("the announcement is not in the database")
	}
	if twice := c.post(path+"/announce", map[string]any{"late_reason": "x"}, "If-Match", versionETag(camp.Version)); twice.StatusCode != http.StatusConflict {
		t.Errorf("announce twice: %d %s", twice.StatusCode, twice.Body)
	}
}

func hasProblemField(p problem, field string) bool {
	for _, f := range p.Errors {
		if f.Field == field && f.Message != "" {
			return true
		}
	}
	return false
}

func TestAPICampaignValidationAndAccess(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, mk := e.token("marketer@example.com")
	c := e.api(mk)
	c.invalid = true
	res := c.post("/api/v1/campaigns", map[string]any{"name": "", "launch_on": "soon", "end_on": "2026-01-01", "budget": "12.500,50"})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid campaign: %d %s", res.StatusCode, res.Body)
	}
	p := res.problem(t)
	for _, f := range []string{"name", "launch_on", "budget"} {
		if !hasProblemField(p, f) {
			t.Errorf("no error for %s in %+v", f, p.Errors)
		}
	}
	_, rep := e.token("rep@example.com")
	if res := e.api(rep).post("/api/v1/campaigns", newCampaignBody("Rep's campaign", time.Now().AddDate(0, 1, 0))); res.StatusCode != http.StatusForbidden {
		t.Errorf("a seller creates campaigns: %d", res.StatusCode)
	}
	_, readOnly := e.token("marketer@example.com", tokens.Read)
	if res := e.api(readOnly).post("/api/v1/campaigns", newCampaignBody("Read only", time.Now().AddDate(0, 1, 0))); res.StatusCode != http.StatusForbidden {
		t.Errorf("a read token creates campaigns: %d", res.StatusCode)
	}
	if res := e.api(rep).get("/api/v1/campaigns/999999999"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown campaign: %d", res.StatusCode)
	} else {
		res.problem(t)
	}
	loose := e.api(rep)
	loose.invalid = true
	if res := loose.get("/api/v1/campaigns?view=nope"); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown view: %d", res.StatusCode)
	}
}

func TestAPICampaignListPagesToTheEnd(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, mk := e.token("marketer@example.com")
	c := e.api(mk)
	for i := range 30 {
		launch := time.Now().AddDate(0, 2, i)
		if res := c.post("/api/v1/campaigns", newCampaignBody("Paged "+strconv.Itoa(i), launch)); res.StatusCode != http.StatusCreated {
			t.Fatalf("create %d: %d %s", i, res.StatusCode, res.Body)
		}
	}
	seen, pages := map[int64]bool{}, 0
	next := "/api/v1/campaigns"
	for next != "" && pages < 100 {
		res := c.get(next)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", next, res.StatusCode, res.Body)
		}
		var page listPage[apiCampaign]
		res.json(t, &page)
		for _, camp := range page.Data {
			if seen[camp.ID] {
				t.Errorf("campaign %d twice", camp.ID)
			}
			seen[camp.ID] = true
			if camp.Readiness == nil {
				t.Errorf("campaign %d without readiness", camp.ID)
			}
		}
		next, pages = "", pages+1
		if page.Next != nil {
			next = *page.Next
		}
	}
	if want := e.count(`SELECT count(*) FROM campaigns`); len(seen) != want || pages < 2 {
		t.Errorf("saw %d campaigns in %d pages, want %d", len(seen), pages, want)
	}
	drafts := c.get("/api/v1/campaigns?view=draft")
	var page listPage[apiCampaign]
	drafts.json(t, &page)
	for _, camp := range page.Data {
		if camp.Status != "draft" {
			t.Errorf("view=draft lists a %s campaign", camp.Status)
		}
	}
	c.invalid = true
	if res := c.get("/api/v1/campaigns?cursor=zz"); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad cursor: %d", res.StatusCode)
	}
}

// TestAPICampaignShowsThePageNumbers: the closed-loop results are the
// campaign page's.
func TestAPICampaignShowsThePageNumbers(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, rep := e.token("rep@example.com")
	id := e.count(`SELECT source_campaign_id FROM leads WHERE source_campaign_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)
	res := e.api(rep).get("/api/v1/campaigns/" + strconv.Itoa(id))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("get: %d %s", res.StatusCode, res.Body)
	}
	var camp apiCampaign
	res.json(t, &camp)
	if want := e.count(`SELECT count(*) FROM leads WHERE source_campaign_id = $1`, id); camp.Results.Sourced != want || want == 0 {
		t.Errorf("sourced %d, want %d", camp.Results.Sourced, want)
	}
	if want := e.count(`SELECT count(*) FROM leads WHERE source_campaign_id = $1 AND stage = 'won'`, id); camp.Results.Won != want {
		t.Errorf("won %d, want %d", camp.Results.Won, want)
	}
	if camp.Results.WonValue.Currency == "" || !strings.Contains(camp.Results.WonValue.Amount, ".") {
		t.Errorf("won value %+v", camp.Results.WonValue)
	}
}
