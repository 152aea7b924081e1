package server

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/internal/kpi"
)

func TestOverviewLensesAndPeriods(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("rep@example.com")
	for _, path := range []string{"/", "/?lens=sales", "/?lens=marketing", "/?lens=service", "/?kind=week", "/?kind=quarter",
		"/?kind=month&period=" + time.Now().AddDate(0, -1, 0).Format("2006-01")} {
		res := c.get(path)
		wantStatus(t, res, http.StatusOK)
		for _, want := range []string{"Alignment index", "Trouble signs", "Lead-to-customer conversion", "Launching in the next two weeks", "Recent wins"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
	}
	if body := c.get("/?lens=sales").Body; !strings.Contains(body, "Sales to-dos") || !strings.Contains(body, `href="/leads/queue"`) {
		t.Error("the sales lens does not bring the rep's queue to the top")
	}
	if body := c.get("/?lens=marketing").Body; !strings.Contains(body, "Leads rejected this week to review") {
		t.Error("the marketing lens lacks its to-dos")
	}
	for _, bad := range []string{"/?lens=legal", "/?kind=year", "/?kind=week&period=2026-13", "/?kind=month&period=2026-W47"} {
		wantStatus(t, c.get(bad), http.StatusUnprocessableEntity)
	}
}

var drillRow = regexp.MustCompile(`<td>(✓ yes|no)</td>`)

func TestKPIPagesAndDrillDown(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	wantStatus(t, c.get("/kpis"), http.StatusOK)
	for _, def := range kpi.Definitions {
		res := c.get("/kpis/" + string(def.Key) + "?kind=quarter")
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(res.Body, html.EscapeString(def.Words[:30])) || !strings.Contains(res.Body, `role="img"`) {
			t.Errorf("%s: definition or chart missing", def.Key)
		}
	}
	wantStatus(t, c.get("/kpis/nope"), http.StatusNotFound)

	// The acceptance drill-down lists exactly the denominator's leads. Last
	// week is complete and has far fewer verdicts than the 200 a page lists.
	lastWeek := kpi.PeriodOf(kpi.Week, time.Now().AddDate(0, 0, -7), time.UTC).Label()
	res := c.get("/kpis/acceptance?kind=week&period=" + lastWeek)
	m := regexp.MustCompile(`This period:</strong> (\d+) leads accepted in the period / (\d+) leads`).FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no numerator/denominator line:\n%s", res.Body)
	}
	num, _ := strconv.Atoi(m[1])
	den, _ := strconv.Atoi(m[2])
	rows := drillRow.FindAllStringSubmatch(res.Body, -1)
	yes := 0
	for _, r := range rows {
		if r[1] == "✓ yes" {
			yes++
		}
	}
	if den == 0 || den > 200 {
		t.Fatalf("the demo week has %d verdicts; the test needs 1–200", den)
	}
	if len(rows) != den || yes != num {
		t.Errorf("drill-down shows %d rows (%d counted), KPI says %d/%d", len(rows), yes, num, den)
	}
}

func TestTargetsAreForManagers(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	member := e.client()
	member.login("rep@example.com")
	body := member.get("/kpis/targets").Body
	if strings.Contains(body, `action="/kpis/targets"`) || !strings.Contains(body, "read-only") {
		t.Error("a member sees the target form")
	}
	res := member.post("/kpis/targets", url.Values{"kpi": {"conversion"}, "kind": {"month"}, "value": {"5"}, "effective_from": {"2020-01-01"}})
	if classify(res) != "forbidden" {
		t.Errorf("member set a target: %d", res.StatusCode)
	}

	manager := e.client()
	manager.login("marketing.manager@example.com")
	manager.get("/kpis/targets")
	res = manager.post("/kpis/targets", url.Values{"kpi": {"conversion"}, "kind": {"month"}, "value": {"150"}, "effective_from": {"tomorrow"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, `value="150"`) || !strings.Contains(res.Body, "at most 100") || !strings.Contains(res.Body, "YYYY-MM-DD") {
		t.Errorf("refused target form:\n%s", res.Body)
	}
	before := e.count(`SELECT count(*) FROM kpi_targets`)
	res = manager.post("/kpis/targets", url.Values{"kpi": {"conversion"}, "kind": {"month"}, "value": {"1"}, "effective_from": {"2020-01-01"}})
	wantRedirect(t, res, "/kpis/targets")
	if e.count(`SELECT count(*) FROM kpi_targets`) != before+1 {
		t.Error("target not stored")
	}
	if body := manager.get("/kpis/targets").Body; !strings.Contains(body, "Marketing Manager") && !strings.Contains(body, "Maria Lopez") {
		t.Error("history does not say who set the target")
	}
}
