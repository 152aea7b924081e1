package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func (h *harness) setTarget(kpi, kind, value, from string) {
	h.t.Helper()
	h.Open("/kpis/targets")
	h.step("set the "+kpi+" target",
		chromedp.SetValue(chromedp.CSS(`select[name="kpi"]`), kpi),
		chromedp.SetValue(chromedp.CSS(`select[name="kind"]`), kind),
		chromedp.SendKeys(chromedp.CSS(`input[name="value"]`), value),
		chromedp.SetValue(chromedp.CSS(`input[name="effective_from"]`), from),
	)
	h.ClickAndWait(`form[action="/kpis/targets"] button[type="submit"]`)
	if got := h.Text("main"); !strings.Contains(got, "Target saved.") {
		h.t.Fatalf("after saving the target: %q", got)
	}
}

// A manager changes the lead-to-customer target → the overview tile's
// attainment changes. Last month is complete, so its cohort has leads and
// wins whatever day the test runs.
func TestTargetChangeMovesTheOverviewTile(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.Login("marketing.manager@example.com")
	h.Open("/")
	h.Screenshot("overview.png")

	lastMonth := "/?kind=month&period=" + time.Now().UTC().AddDate(0, 0, -time.Now().UTC().Day()).Format("2006-01")
	tile := `article:has(#kpi-conversion)`

	h.setTarget("conversion", "month", "99", "2020-01-01")
	h.Open(lastMonth)
	before := h.Text(tile)
	if !strings.Contains(before, "behind target") || !strings.Contains(before, "target 99 %") {
		t.Fatalf("against a 99 %% target: %q", before)
	}

	h.setTarget("conversion", "month", "0.5", "2020-01-02")
	h.Open(lastMonth)
	after := h.Text(tile)
	if !strings.Contains(after, "on target") {
		t.Errorf("against a 0.5 %% target: %q (before: %q)", after, before)
	}
	h.Screenshot("overview-after-target.png")
}

// The overview as a sales rep opens on the Sales lens with the rep's
// to-dos; as a sales manager on all teams. The running month's MQL and
// revenue tiles are judged on pace with the full target beside it, and
// the speed tile accounts for the SLA sign. Screenshots of both.
func TestOverviewAsRepAndAsManager(t *testing.T) {
	t.Parallel()
	h := start(t)
	lens := `nav.lens-nav a[aria-current="page"]`

	h.Login("rep@example.com")
	h.Open("/")
	if got := h.Text(lens); got != "Sales" {
		t.Errorf("the rep's overview opens on %q, want Sales", got)
	}
	if got := h.Text("#todos-h"); got != "Sales to-dos" {
		t.Errorf("to-dos heading %q", got)
	}
	mql := h.Text(`article:has(#kpi-mql)`)
	if !strings.Contains(mql, "target 600") || !strings.Contains(mql, "due by now") || !strings.Contains(mql, "pace") {
		t.Errorf("the MQL tile is not paced: %q", mql)
	}
	if speed := h.Text(`article:has(#kpi-speed)`); !strings.Contains(speed, "untouched past the SLA") {
		t.Errorf("the speed tile does not account for the SLA sign: %q", speed)
	}
	h.Screenshot("overview-rep.png")
	h.signOut()

	h.Login("sales.manager@example.com")
	h.Open("/")
	if got := h.Text(lens); got != "All teams" {
		t.Errorf("the manager's overview opens on %q, want All teams", got)
	}
	if h.Exists("#todos-h") {
		t.Error("the all-teams lens shows a team's to-dos")
	}
	h.Screenshot("overview-manager.png")
}
