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
