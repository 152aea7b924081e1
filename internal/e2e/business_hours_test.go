package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// An admin puts the follow-up clock on business hours in New York, adds a
// holiday and a re-routing step, and sees each on the page.
func TestBusinessHoursJourney(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.Login("admin@example.com")
	h.Open("/admin/settings")
	h.ClickAndWait(`main a[href="/admin/business-hours"]`)
	if got := h.Text("h1"); got != "Business hours and escalations" {
		t.Fatalf("the settings link led to %q", got)
	}
	h.step("business mode", chromedp.Click(chromedp.CSS(`input[name="mode"][value="business"]`)))
	get(h, "clear the timezone", chromedp.Evaluate[bool](`(() => { document.querySelector('#f-timezone').value = ''; return true })()`))
	h.fill("the timezone", map[string]string{"#f-timezone": "America/New_York"})
	if code := h.ClickAndWait(`form[action="/admin/business-hours"] button[type="submit"]`); code != 200 {
		t.Fatalf("saving the clock answered %d: %s", code, h.TextOr("main", ""))
	}
	if got := h.Text("#clock-h + p"); !strings.Contains(got, "24 business hours") {
		t.Errorf("the clock after saving: %q", got)
	}
	if got, _ := h.Attr("#f-timezone", "value"); got != "America/New_York" {
		t.Errorf("the timezone field shows %q", got)
	}
	h.step("the holiday's date", chromedp.SetValue(chromedp.CSS(`#f-holiday-day`), "2099-07-04"))
	h.fill("the holiday's name", map[string]string{"#f-holiday-name": "Independence Day"})
	h.ClickAndWait(`form[action="/admin/business-hours/holidays"] button[type="submit"]`)
	if got := h.Text(`section[aria-labelledby="holidays-h"] table`); !strings.Contains(got, "2099-07-04") || !strings.Contains(got, "Independence Day") {
		t.Errorf("the holidays after adding one: %q", got)
	}
	h.fill("the step", map[string]string{"#f-percent": "200"})
	h.step("the step's action", chromedp.SetValue(chromedp.CSS(`#f-action`), "reroute"))
	h.ClickAndWait(`form[action="/admin/business-hours/steps"] button[type="submit"]`)
	if got := h.Text(`section[aria-labelledby="ladder-h"] table`); !strings.Contains(got, "200 % of the SLA") || !strings.Contains(got, "48 h of business time after the handoff") {
		t.Errorf("the ladder after adding a step: %q", got)
	}
	h.Screenshot("business-hours.png")
}
