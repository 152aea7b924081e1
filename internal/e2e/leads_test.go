package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func (h *harness) logout() {
	h.t.Helper()
	h.ClickAndWait(`form[action="/logout"] button[type="submit"]`)
}

// fill types into text fields and picks options, by CSS selector.
func (h *harness) fill(what string, values map[string]string) {
	h.t.Helper()
	var actions []chromedp.Action[chromedp.Void]
	for sel, v := range values {
		if strings.HasPrefix(sel, "select") {
			actions = append(actions, chromedp.SetValue(chromedp.CSS(sel), v))
		} else {
			actions = append(actions, chromedp.SendKeys(chromedp.CSS(sel), v))
		}
	}
	h.step(what, actions...)
}

// A marketer hands off a lead → the rep sees it in their queue → rejects it
// with a reason → the marketer sees it under rejected leads with that reason
// and has a notification with the reason and the rating.
func TestHandoffAndRejectionJourney(t *testing.T) {
	t.Parallel()
	h := start(t)

	h.Login("marketer@example.com")
	h.Open("/leads/new")
	h.fill("new lead form", map[string]string{
		"#f-company": "Journey Tiles GmbH", "#f-contact_name": "Jana Ruiz", "#f-email": "jana@journeytiles.example",
	})
	h.ClickAndWait(`form[action="/leads"] button[type="submit"]`)
	if got := h.Text("main h1"); got != "Journey Tiles GmbH" {
		t.Fatalf("after creating, the page is %q", got)
	}
	leadPath := h.Path()
	h.ClickAndWait(`form[action$="/qualify"] button`)
	h.step("choose the rep", chromedp.SetValue(chromedp.CSS(`form[action$="/hand-off"] select[name="owner"]`),
		h.optionValue(`form[action$="/hand-off"] select[name="owner"]`, "Riley Chen")))
	h.fill("handoff note", map[string]string{`form[action$="/hand-off"] textarea[name="note"]`: "Asked for a quote for 40 showrooms."})
	h.ClickAndWait(`form[action$="/hand-off"] button[type="submit"]`)
	if got := h.Text(".page-head .tag"); got != "Handed off" {
		t.Fatalf("stage after handoff: %q", got)
	}
	h.logout()

	h.Login("rep@example.com")
	h.Open("/leads/queue")
	if !strings.Contains(h.Text("main table"), "Journey Tiles GmbH") {
		t.Fatal("the handed-off lead is not in the rep's queue")
	}
	h.Screenshot("leads-queue.png")
	h.ClickAndWait(`main table a[href="` + leadPath + `"]`)
	reject := `form[action$="/reject"]`
	// Each card's label focuses its own card's control: QA found the Reject
	// card's "Lead quality" focusing the Accept card's select.
	h.step("click the Reject card's quality label", chromedp.Click(chromedp.CSS(reject+` .field:has(select[name="rating"]) label`)))
	if got := get(h, "the focused control", chromedp.Evaluate[string](
		`document.activeElement.closest('form').getAttribute('action').split('/').pop() + ' ' + document.activeElement.name`)); got != "reject rating" {
		t.Errorf("the Reject card's quality label focused %q, want the Reject card's rating", got)
	}
	h.step("fill the rejection", chromedp.SetValue(chromedp.CSS(reject+` select[name="reason"]`), "bad_timing"),
		chromedp.SetValue(chromedp.CSS(reject+` select[name="rating"]`), "2"),
		chromedp.SendKeys(chromedp.CSS(reject+` textarea[name="note"]`), "Budget frozen until spring."))
	h.ClickAndWait(reject + ` button[type="submit"]`)
	if got := h.Text(".page-head .tag"); got != "Rejected" {
		t.Fatalf("stage after rejection: %q", got)
	}
	h.Screenshot("lead-detail.png")
	h.logout()

	h.Login("marketer@example.com")
	h.Open("/leads/rejected")
	table := h.Text("main table:nth-of-type(1)")
	if !strings.Contains(table, "Bad timing") {
		t.Errorf("reason summary lacks the reason: %q", table)
	}
	rows := h.Text("main .table-wrap:last-of-type table")
	if !strings.Contains(rows, "Journey Tiles GmbH") || !strings.Contains(rows, "Bad timing") || !strings.Contains(rows, "Budget frozen until spring.") {
		t.Errorf("rejected leads table: %q", rows)
	}
	h.Screenshot("leads-rejected.png")

	// The marketer who handed it off was told, with the reason and rating.
	h.Open("/notifications")
	if list := h.Text(".notification-list"); !strings.Contains(list, "Riley Chen rejected Journey Tiles GmbH: Bad timing, quality 2/5") {
		t.Errorf("the marketer's notifications: %q", list)
	}
	h.Screenshot("lead-rejected-notification.png")
}

// optionValue returns the value of the option whose label is text.
func (h *harness) optionValue(selectSel, text string) string {
	h.t.Helper()
	js := `Array.from(document.querySelector(` + jsString(selectSel) + `).options).find(o => o.text === ` + jsString(text) + `).value`
	return get(h, "find option "+text, chromedp.Evaluate[string](js))
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
