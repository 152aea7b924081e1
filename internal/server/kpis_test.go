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
	// The rep's "All teams" link must say so: without ?lens the overview
	// opens on the rep's own team.
	if body := c.get("/").Body; !strings.Contains(body, `href="/?lens=all"`) {
		t.Error("the rep's overview has no way back to all teams")
	}
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
	if body := c.get("/?lens=marketing").Body; !strings.Contains(body, "Leads rejected in the last 7 days to review") {
		t.Error("the marketing lens lacks its to-dos")
	}
	for _, bad := range []string{"/?lens=legal", "/?kind=year", "/?kind=week&period=2026-13", "/?kind=month&period=2026-W47"} {
		wantStatus(t, c.get(bad), http.StatusUnprocessableEntity)
	}
}

// A period that has not begun has no numbers: the page says so instead of
// judging its zeros "behind target".
func TestFuturePeriodSaysItHasNotStarted(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	for _, path := range []string{"/?period=2030-01", "/kpis?kind=quarter&period=2030-Q1", "/kpis/mql?kind=week&period=2030-W02"} {
		res := c.get(path)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, "has not started yet") || strings.Contains(res.Body, "behind target") {
			t.Errorf("%s does not say the period is in the future:\n%s", path, res.Body)
		}
	}
	next := time.Now().AddDate(0, 2, 0).Format("2006-01")
	if res := c.get("/?period=" + next); !strings.Contains(res.Body, "The current one is") {
		t.Errorf("a month ahead is not explained: status %d", res.StatusCode)
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

	// The acceptance drill-down lists exactly the denominator's leads: in
	// the latest complete week with fewer verdicts than the 200 a page lists
	// (how many a demo week has depends on the day the data was made).
	verdicts := regexp.MustCompile(`This period:</strong> ([\d,]+) leads accepted in the period / ([\d,]+) leads`)
	for weeksBack := 1; ; weeksBack++ {
		week := kpi.PeriodOf(kpi.Week, time.Now().AddDate(0, 0, -7*weeksBack), time.UTC).Label()
		res := c.get("/kpis/acceptance?kind=week&period=" + week)
		m := verdicts.FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatalf("%s: no numerator/denominator line:\n%s", week, res.Body)
		}
		num, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		den, _ := strconv.Atoi(strings.ReplaceAll(m[2], ",", ""))
		if den == 0 || den > 200 {
			if weeksBack == 8 {
				t.Fatalf("none of the last 8 demo weeks has 1–200 verdicts (%s: %d)", week, den)
			}
			continue
		}
		rows := drillRow.FindAllStringSubmatch(res.Body, -1)
		yes := 0
		for _, r := range rows {
			if r[1] == "✓ yes" {
				yes++
			}
		}
		if len(rows) != den || yes != num {
			t.Errorf("%s: drill-down shows %d rows (%d counted), KPI says %d/%d", week, len(rows), yes, num, den)
		}
		break
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
	if !strings.Contains(res.Body, `value="150"`) || !strings.Contains(res.Body, "from 0 to 100") || !strings.Contains(res.Body, "YYYY-MM-DD") {
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

// Each persona's overview opens, without ?lens, on the lens of their own
// team; managers and admins on all teams.
func TestOverviewOpensOnTheViewersTeam(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	current := regexp.MustCompile(`<a href="[^"]*" aria-current="page">(All teams|Sales|Marketing|Service)</a>`)
	for _, tc := range []struct{ email, lens, todo string }{
		{"rep@example.com", "Sales", "Sales to-dos"},
		{"agent@example.com", "Service", "Service to-dos"},
		{"marketer@example.com", "Marketing", "Marketing to-dos"},
		{"sales.manager@example.com", "All teams", ""},
		{"service.manager@example.com", "All teams", ""},
		{"admin@example.com", "All teams", ""},
	} {
		c := e.client()
		c.login(tc.email)
		res := c.get("/")
		wantStatus(t, res, http.StatusOK)
		m := current.FindStringSubmatch(res.Body)
		if m == nil || m[1] != tc.lens {
			t.Errorf("%s opens on %v, want %s", tc.email, m, tc.lens)
		}
		if tc.todo != "" && !strings.Contains(res.Body, tc.todo) {
			t.Errorf("%s: no %q", tc.email, tc.todo)
		}
		if tc.todo == "" && strings.Contains(res.Body, "to-dos</h2>") {
			t.Errorf("%s sees a team's to-dos on all teams", tc.email)
		}
		// Asking for all teams explicitly still works for a member.
		if m := current.FindStringSubmatch(c.get("/?lens=all").Body); m == nil || m[1] != "All teams" {
			t.Errorf("%s: ?lens=all shows %v", tc.email, m)
		}
	}
}

// The service lens's to-dos are the viewer's own acknowledgements and say
// so; the counts follow the viewer's acknowledgements.
func TestServiceLensTodosAreTheViewersOwn(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("agent@example.com")
	todo := regexp.MustCompile(`>Campaign notices you have not acknowledged</a>: <strong>(\d+)</strong>`)
	m := todo.FindStringSubmatch(c.get("/").Body)
	if m == nil {
		t.Fatal("the service lens does not word its to-dos as the viewer's own")
	}
	if !strings.Contains(c.get("/").Body, "Product alerts you have not acknowledged") {
		t.Error("the alerts to-do is not worded as the viewer's own")
	}
	before, _ := strconv.Atoi(m[1])
	agent := e.userID("agent@example.com")
	want := e.count(`SELECT count(*) FROM campaigns c WHERE c.status = 'announced' AND c.end_on >= current_date
		AND NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.campaign_id = c.id AND a.user_id = $1 AND a.revision = c.revision)`, agent)
	if before != want {
		t.Errorf("to-do says %d notices, the agent has %d unacknowledged", before, want)
	}
	// Someone else acknowledging does not change the agent's to-do.
	other := e.userID("hannah.weber@example.com")
	if _, err := e.pool.Exec(t.Context(), `INSERT INTO acknowledgements (campaign_id, user_id, revision)
		SELECT c.id, $1, c.revision FROM campaigns c WHERE c.status = 'announced' AND c.end_on >= current_date
		ON CONFLICT DO NOTHING`, other); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if m := todo.FindStringSubmatch(c.get("/").Body); m == nil || m[1] != strconv.Itoa(before) {
		t.Errorf("a colleague's acknowledgements moved the agent's to-do: %v", m)
	}
}

// Target values that are not a sensible number in the KPI's unit are
// refused with 422, a message and the form kept; nothing is stored and
// every KPI page keeps working.
func TestTargetsRefuseNonFiniteAndOutOfRangeValues(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	m := e.client()
	m.login("marketing.manager@example.com")
	m.get("/kpis/targets")
	before := e.count(`SELECT count(*) FROM kpi_targets`)
	for _, tc := range []struct{ kpi, kind, value, msg string }{
		{"conversion", "month", "NaN", "plain number"},
		{"conversion", "month", "Inf", "plain number"},
		{"conversion", "month", "-Infinity", "plain number"},
		{"mql", "month", "1e20", "plain number"},
		{"conversion", "month", "-5", "from 0 to 100"},
		{"conversion", "month", "101", "from 0 to 100"},
		{"quality", "month", "6", "from 1 to 5"},
		{"quality", "month", "0", "from 1 to 5"},
		{"mql", "week", "2000000", "from 0 to 1,000,000"},
		{"mql", "week", "-1", "from 0 to 1,000,000"},
		{"alignment", "month", "150", "from 0 to 100"},
		{"revenue_goal", "quarter", "99999999999999999999", "from 1 to 100,000,000,000"},
	} {
		res := m.post("/kpis/targets", url.Values{"kpi": {tc.kpi}, "kind": {tc.kind}, "value": {tc.value}, "effective_from": {"2026-01-01"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, `value="`+html.EscapeString(tc.value)+`"`) || !strings.Contains(res.Body, tc.msg) ||
			!strings.Contains(res.Body, `<option value="`+tc.kpi+`" selected>`) {
			t.Errorf("%s %q: form not kept or message %q missing", tc.kpi, tc.value, tc.msg)
		}
	}
	if n := e.count(`SELECT count(*) FROM kpi_targets`); n != before {
		t.Errorf("%d refused targets were stored", n-before)
	}
	res := m.post("/kpis/targets", url.Values{"kpi": {"mql"}, "kind": {"week"}, "value": {"150"}, "effective_from": {"2026-01-01"}})
	wantRedirect(t, res, "/kpis/targets")
	for _, path := range []string{"/", "/kpis", "/kpis/mql?kind=week"} {
		wantStatus(t, m.get(path), http.StatusOK)
	}
}

// tile returns the HTML of one KPI tile of a page.
func tile(t *testing.T, body, key string) string {
	t.Helper()
	start := strings.Index(body, `aria-labelledby="kpi-`+key+`"`)
	if start < 0 {
		t.Fatalf("no %s tile", key)
	}
	end := strings.Index(body[start:], "</article>")
	return body[start : start+end]
}

// A KPI that cannot be computed (here revenue, from a NaN deal value
// written below the application and the CHECK constraint) says so on its
// own tile; the pages and every other tile still render.
func TestOneBrokenKPIShowsCouldNotCompute(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := t.Context()
	if _, err := e.pool.Exec(ctx, `ALTER TABLE leads DROP CONSTRAINT leads_deal_value_finite`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE leads SET deal_value = 'NaN' WHERE id = (SELECT max(id) FROM leads WHERE stage = 'won')`); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login("sales.manager@example.com")
	for _, path := range []string{"/", "/kpis", "/kpis?kind=quarter"} {
		res := c.get(path)
		wantStatus(t, res, http.StatusOK)
		if rev := tile(t, res.Body, "revenue"); !strings.Contains(rev, "could not compute") {
			t.Errorf("%s: the revenue tile does not say it could not be computed:\n%s", path, rev)
		}
		if conv := tile(t, res.Body, "conversion"); strings.Contains(conv, "could not compute") || !strings.Contains(conv, " %</span>") {
			t.Errorf("%s: the conversion tile is affected:\n%s", path, conv)
		}
		if n := strings.Count(res.Body, "could not compute"); path == "/" && n != 1 {
			t.Errorf("%s: %d tiles could not compute, want 1", path, n)
		}
		if path != "/" && !strings.Contains(res.Body, "no (could not be computed)") {
			t.Errorf("%s: the index explanation does not say revenue was left out", path)
		}
	}
	res := c.get("/kpis/revenue")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, "could not be computed just now") {
		t.Error("the revenue page does not say the KPI could not be computed")
	}
	wantStatus(t, c.get("/kpis/conversion"), http.StatusOK)
}

// The speed-to-lead and feedback tiles account for every open miss the
// trouble signs count: this period's are in the number, the rest are
// named as belonging to other periods.
func TestTilesAndTroubleSignsAgree(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("sales.manager@example.com")
	number := func(re, s string) int {
		m := regexp.MustCompile(re).FindStringSubmatch(s)
		if m == nil {
			return 0
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	for _, kind := range []string{"week", "month", "quarter"} {
		body := c.get("/?kind=" + kind).Body
		signed := number(`>(\d+) leads? past the follow-up SLA<`, body)
		if signed == 0 {
			t.Fatalf("the demo has no SLA sign")
		}
		speed := tile(t, body, "speed")
		here := number(`>(\d+) leads? untouched past the SLA, counted as misses<`, speed)
		other := number(`>(\d+) leads? from other periods untouched past the SLA, counted as misses there<`, speed)
		if here+other != signed {
			t.Errorf("%s: the speed tile accounts for %d + %d open breaches, the sign says %d:\n%s", kind, here, other, signed, speed)
		}
		waiting := number(`>(\d+) feedback items? waiting over 2 business days<`, body)
		ack := tile(t, body, "feedback_ack")
		here = number(`>(\d+) items? waiting past 2 business days, counted as late<`, ack)
		other = number(`>(\d+) items? from other periods waiting past 2 business days, counted as late there<`, ack)
		if here+other != waiting {
			t.Errorf("%s: the feedback tile accounts for %d + %d waiting items, the sign says %d:\n%s", kind, here, other, waiting, ack)
		}
	}
}

// MQLs are measured against the commitment in force (the demo sets 600 a
// month and 140 a week), never "/ 0", and the running period is judged on
// pace with the full target still shown.
func TestMQLsAgainstTheCommitmentAndOnPace(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	for kind, commitment := range map[string]string{"month": "600", "week": "140", "quarter": "1,800"} {
		res := c.get("/kpis/mql?kind=" + kind)
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(res.Body, "leads that became MQL in the period / "+commitment+" the committed number") {
			t.Errorf("%s: the MQL page does not divide by the commitment %s", kind, commitment)
		}
		past := c.get("/kpis/mql?kind=" + kind + "&period=" + url.QueryEscape(
			kpi.PeriodOf(kpi.Kind(kind), time.Now(), time.UTC).Prev().Label()))
		if !strings.Contains(past.Body, "/ "+commitment+" the committed number") {
			t.Errorf("%s: a past period's MQL page does not divide by the commitment", kind)
		}
		mql := tile(t, c.get("/?lens=all&kind="+kind).Body, "mql")
		if !strings.Contains(mql, "target "+commitment) || !strings.Contains(mql, "due by now") ||
			!regexp.MustCompile(`(on|close to|behind) pace`).MatchString(mql) {
			t.Errorf("%s: the MQL tile is not paced:\n%s", kind, mql)
		}
	}
}

// Without a revenue goal in force (a fresh install, or a period before the
// first goal) the revenue page says the goal is not set and where to set
// it; it never divides by 0. Amounts read as money.
func TestRevenueWithoutAGoalSaysItIsNotSet(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	if _, err := e.pool.Exec(t.Context(), `DELETE FROM kpi_targets WHERE kpi = 'revenue_goal'`); err != nil {
		t.Fatal(err)
	}
	e.settle()
	c := e.client()
	c.login("marketer@example.com")
	res := c.get("/kpis/revenue?kind=month")
	wantStatus(t, res, http.StatusOK)
	if strings.Contains(res.Body, "/ 0 ") || strings.Contains(res.Body, "/ USD 0 ") {
		t.Error(`the revenue page divides by "0" without a goal`)
	}
	if !regexp.MustCompile(`This period:</strong> USD [0-9,]+ won value in the period; the goal for the period is not set for`).MatchString(res.Body) || !strings.Contains(res.Body, `<a href="/kpis/targets">Set it on the targets page</a>`) {
		i := strings.Index(res.Body, "This period")
		t.Errorf("the revenue page does not say the goal is not set and where to set it: %.400s", res.Body[max(i, 0):])
	}
	if !strings.Contains(res.Body, `<td class="num">not set</td>`) {
		t.Error(`the revenue table does not show the missing goal as "not set"`)
	}
}

// The rows behind a KPI name stages and statuses as the pages do, never by
// their codes.
func TestKPIRowsUseWordsNotCodes(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketing.manager@example.com")
	for _, path := range []string{"/kpis/mql?kind=quarter", "/kpis/acceptance?kind=quarter", "/kpis/feedback_acted?kind=quarter"} {
		body := c.get(path).Body
		for _, code := range []string{">mql<", ">handed_off<", ">accepted<", ">rejected<", ">acted_on<", ">declined<"} {
			if strings.Contains(body, code) {
				t.Errorf("%s shows the code %s", path, code)
			}
		}
	}
}
