package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// newLead fills and submits the new-lead form and returns the lead's path.
func (h *harness) newLead(fields map[string]string) string {
	h.t.Helper()
	h.Open("/leads/new")
	h.fill("new lead form", fields)
	h.ClickAndWait(`form[action="/leads"] button[type="submit"]`)
	if got := h.Text("main h1"); got != fields["#f-company"] {
		h.t.Fatalf("after creating, the page is %q", got)
	}
	return h.Path()
}

// handOff qualifies the open lead and hands it to rep ("" leaves it for a
// sales manager).
func (h *harness) handOff(rep, note string) {
	h.t.Helper()
	h.ClickAndWait(`form[action$="/qualify"] button`)
	form := `form[action$="/hand-off"]`
	if rep != "" {
		h.step("choose the rep", chromedp.SetValue(chromedp.CSS(form+` select[name="owner"]`), h.optionValue(form+` select[name="owner"]`, rep)))
	}
	h.fill("handoff note", map[string]string{form + ` textarea[name="note"]`: note})
	h.ClickAndWait(form + ` button[type="submit"]`)
	if got := h.Text(".page-head .tag"); got != "Handed off" {
		h.t.Fatalf("stage after handoff: %q", got)
	}
}

// A lead left for a sales manager: the manager finds it in the queue and
// assigns it; the rep then has it in My queue and a notification saying so.
func TestAssignFromTheQueueJourney(t *testing.T) {
	t.Parallel()
	h := start(t)

	h.Login("marketer@example.com")
	leadPath := h.newLead(map[string]string{"#f-company": "Queue Bakery Ltd", "#f-contact_name": "Quinn Baker", "#f-email": "quinn@queuebakery.example"})
	h.handOff("", "Wants a tasting for 12 shops; no rep chosen.")
	h.logout()

	h.Login("sales.manager@example.com")
	h.Open("/leads/queue")
	if !strings.Contains(h.Text("main table"), "Queue Bakery Ltd") {
		t.Fatal("the unassigned lead is not in the sales manager's queue")
	}
	h.ClickAndWait(`main table a[href="` + leadPath + `"]`)
	assign := `form[action="` + leadPath + `/assign"]`
	h.step("choose the rep", chromedp.SetValue(chromedp.CSS(assign+` select[name="owner"]`), h.optionValue(assign+` select[name="owner"]`, "Riley Chen")))
	h.Screenshot("lead-assign.png")
	if code := h.ClickAndWait(assign + ` button[type="submit"]`); code != 200 {
		t.Fatalf("assigning answered %d: %s", code, h.TextOr("main", ""))
	}
	if facts := h.Text("#deal-h + dl"); !strings.Contains(facts, "Riley Chen") {
		t.Errorf("owner after assigning: %q", facts)
	}
	if tl := h.Text(".timeline"); !strings.Contains(tl, "assigned to Riley Chen") {
		t.Errorf("timeline after assigning: %q", tl)
	}
	h.logout()

	h.Login("rep@example.com")
	h.Open("/leads/queue")
	if !strings.Contains(h.Text("main table"), "Queue Bakery Ltd") {
		t.Fatal("the assigned lead is not in the rep's queue")
	}
	h.Screenshot("lead-assigned-queue.png")
	h.Open("/notifications")
	if list := h.Text(".notification-list"); !strings.Contains(list, "Sam Patel assigned Queue Bakery Ltd to you") {
		t.Fatalf("the rep's notifications: %q", list)
	}
	h.Screenshot("lead-assigned-notification.png")
	// The notification opens the lead.
	h.ClickAndWait(`.notification-list li:first-child button`)
	if h.Path() != leadPath {
		t.Errorf("the notification opened %s, want %s", h.Path(), leadPath)
	}
}

// A marketer creates a lead with its source campaign, fixes the mistyped
// email, and hands it off; the timeline says what was changed.
func TestSourceEditAndHandOffJourney(t *testing.T) {
	t.Parallel()
	h := start(t)

	h.Login("marketer@example.com")
	h.Open("/leads/new")
	campaign := get(h, "the newest campaign's label",
		chromedp.Evaluate[string](`document.querySelector('#f-source_campaign').options[1].text`))
	campaignName, _, _ := strings.Cut(campaign, " — launch ")
	h.fill("new lead form", map[string]string{"#f-company": "Source Optics AG", "#f-contact_name": "Sol Ortiz",
		"#f-email": "sol@sourceoptics.exmaple", "#f-score": "72",
		"select#f-source_campaign": h.optionValue(`#f-source_campaign`, campaign)})
	h.Screenshot("lead-new-with-campaign.png")
	h.ClickAndWait(`form[action="/leads"] button[type="submit"]`)
	leadPath := h.Path()
	if facts := h.Text(`section[aria-labelledby="contact-h"] dl`); !strings.Contains(facts, campaignName) || !strings.Contains(facts, "sol@sourceoptics.exmaple") {
		t.Fatalf("contact facts after creating: %q (campaign %q)", facts, campaignName)
	}

	h.ClickAndWait(`a[href="` + leadPath + `/edit"]`)
	h.step("fix the email", chromedp.SetValue(chromedp.CSS("#f-email"), "sol@sourceoptics.example"))
	h.Screenshot("lead-edit.png")
	h.ClickAndWait(`form[action="` + leadPath + `/edit"] button[type="submit"]`)
	if h.Path() != leadPath {
		t.Fatalf("after saving, the page is %s", h.Path())
	}
	if facts := h.Text(`section[aria-labelledby="contact-h"] dl`); !strings.Contains(facts, "sol@sourceoptics.example") || !strings.Contains(facts, campaignName) {
		t.Errorf("contact facts after the edit: %q", facts)
	}
	if tl := h.Text(".timeline"); !strings.Contains(tl, "edited the lead") || !strings.Contains(tl, "changed email") {
		t.Errorf("timeline after the edit: %q", tl)
	}

	h.handOff("Riley Chen", "Came from the campaign; wants lenses for 3 labs.")
	h.Screenshot("lead-edited-handed-off.png")
}
