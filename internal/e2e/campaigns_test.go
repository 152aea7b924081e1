package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var readinessFigure = regexp.MustCompile(`^(\d+) of (\d+) \(\d+[ \x{00a0}]%\)$`)

// readiness reads the "N of M (P %)" figure on a campaign page.
func (h *harness) readiness() (ready, of int) {
	h.t.Helper()
	got := h.Text("#readiness-figure")
	m := readinessFigure.FindStringSubmatch(got)
	if m == nil {
		h.t.Fatalf("readiness figure %q does not read as \"N of M (P %%)\"", got)
	}
	ready, _ = strconv.Atoi(m[1])
	of, _ = strconv.Atoi(m[2])
	return ready, of
}

func (h *harness) signOut() {
	h.t.Helper()
	h.ClickAndWait(`form[action="/logout"] button[type="submit"]`)
}

// A marketer announces a campaign, a rep sees the banner and acknowledges
// it, and the sales manager's readiness figure goes up.
func TestCampaignNoticeJourney(t *testing.T) {
	t.Parallel()
	h := start(t)

	// The marketer drafts the campaign and announces it in time.
	h.Login("marketer@example.com")
	if code := h.Open("/campaigns/new"); code != 200 {
		t.Fatalf("/campaigns/new answered %d", code)
	}
	launch := time.Now().UTC().AddDate(0, 0, 30)
	h.step("fill the campaign form",
		chromedp.WaitVisible(chromedp.CSS("#f-name")),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Journey webinar"),
		chromedp.SendKeys(chromedp.CSS("#f-talking_points"), "- Lead with the **free audit**.\n- Webinar link comes by email."),
		chromedp.SetValue(chromedp.CSS("#f-launch_on"), launch.Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS("#f-end_on"), launch.AddDate(0, 0, 14).Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS("#f-budget"), "5000"),
	)
	h.Screenshot("campaign-form.png")
	if code := h.ClickAndWait(`form.campaign-form button[type="submit"]`); code != 200 {
		t.Fatalf("saving the draft landed on status %d: %s", code, h.TextOr("main", ""))
	}
	path := h.Path()
	if !regexp.MustCompile(`^/campaigns/\d+$`).MatchString(path) {
		t.Fatalf("after saving the draft the browser is on %s: %s", path, h.TextOr("main", ""))
	}
	// Announce… leads to the confirm step, which says whom it reaches.
	if code := h.ClickAndWait(`section.announce a.button`); code != 200 || h.Path() != path+"/announce" {
		t.Fatalf("Announce… landed on %s with %d", h.Path(), code)
	}
	if got := h.Text("section.confirm"); !strings.Contains(got, "in sales and service? They will be asked to acknowledge it.") {
		t.Fatalf("the confirm step says %q", got)
	}
	h.ClickAndWait(`section.confirm button[type="submit"]`)
	if got := h.Text(".flash"); !strings.Contains(got, "Announced to sales and service") {
		t.Fatalf("after announcing the flash says %q", got)
	}
	if h.Exists(".late-notice") {
		t.Error("a notice 30 days ahead is marked late")
	}
	h.Screenshot("campaign-announced.png")
	h.signOut()

	// The sales manager sees the readiness figure before the rep acts.
	h.Login("sales.manager@example.com")
	h.Open(path)
	before, eligible := h.readiness()
	if before != 0 || eligible == 0 {
		t.Fatalf("readiness of a fresh notice = %d of %d, want 0 of some", before, eligible)
	}
	if !strings.Contains(h.Text(".not-ready"), "Riley Chen") {
		t.Error("the manager's list of who is not ready lacks the rep, Riley Chen")
	}
	h.signOut()

	// The rep sees the banner on any page and acknowledges from the notices page.
	h.Login("rep@example.com")
	if got := h.Text(".notices-banner"); !strings.Contains(got, "to acknowledge") {
		t.Errorf("the rep's banner says %q", got)
	}
	h.Screenshot("notices-banner.png")
	h.ClickAndWait(`.notices-banner a[href="/campaigns"]`)
	ack := `.notices-pending form[action="` + path + `/ack"] button`
	if !h.Exists(ack) {
		t.Fatalf("the notices page has no acknowledge button for %s: %s", path, h.TextOr(".notices-pending", ""))
	}
	h.Screenshot("notices-page.png")
	// Acknowledging answers in place (htmx, issue 15): the button becomes
	// "acknowledged" and the message appears in the live region.
	h.step("acknowledge", chromedp.Click(chromedp.CSS(ack)))
	h.waitUntil("the acknowledgement answered", `document.querySelector('#live-status').textContent.includes('Acknowledged')`)
	if got := h.Text("#live-status .flash"); !strings.Contains(got, "Acknowledged: Journey webinar") {
		t.Errorf("after acknowledging the flash says %q", got)
	}
	if h.Exists(ack) {
		t.Error("the notice is still waiting for acknowledgement after the click")
	}
	h.signOut()

	// The manager's figure went up by one.
	h.Login("sales.manager@example.com")
	h.Open(path)
	after, eligibleAfter := h.readiness()
	if after != before+1 || eligibleAfter != eligible {
		t.Errorf("readiness went from %d of %d to %d of %d, want %d of %d", before, eligible, after, eligibleAfter,
			before+1, eligible)
	}
	if strings.Contains(h.Text(".not-ready"), "Riley Chen") {
		t.Error("the rep still shows as not ready after acknowledging")
	}
	h.Screenshot("campaign-readiness-manager.png")
}

// The campaign pages render with the demo data: list, calendar, one
// campaign with its results and questions, alerts, and the pinned critical
// alert that goes away once acknowledged.
func TestCampaignPagesAndPinnedAlert(t *testing.T) {
	t.Parallel()
	h := start(t)

	h.Login("marketer@example.com")
	if !h.Exists(".banner.critical") {
		t.Fatal("the demo's critical alert is not pinned for the marketer")
	}
	if code := h.Open("/campaigns"); code != 200 {
		t.Fatalf("/campaigns answered %d", code)
	}
	if cur, _ := h.Attr(`nav a[href="/campaigns"]`, "aria-current"); cur != "page" {
		t.Errorf(`nav "Campaigns" aria-current = %q`, cur)
	}
	h.Screenshot("campaigns-list.png")

	if code := h.Open("/campaigns/calendar"); code != 200 {
		t.Fatalf("/campaigns/calendar answered %d", code)
	}
	if !h.Exists("table.calendar .cal-launch") {
		t.Error("the calendar shows no launch this month")
	}
	h.Screenshot("campaigns-calendar.png")

	// A past campaign with results: the first one in the "ended" view.
	h.Open("/campaigns?view=ended")
	h.ClickAndWait(`table tbody tr:first-child td:first-child a`)
	if !h.Exists("section.results td.num a") {
		t.Error("the ended campaign's results have no linked numbers")
	}
	h.Screenshot("campaign-detail.png")

	if code := h.Open("/alerts"); code != 200 {
		t.Fatalf("/alerts answered %d", code)
	}
	h.Screenshot("alerts-list.png")
	h.ClickAndWait(`.banner.critical p a`)
	if !strings.HasPrefix(h.Path(), "/alerts/") {
		t.Fatalf("the pinned alert links to %s", h.Path())
	}
	h.Screenshot("alert-detail.png")
	h.ClickAndWait(`.banner.critical button[type="submit"]`)
	if h.Exists(".banner.critical") {
		t.Error("the critical alert is still pinned after acknowledging it")
	}
	if got := h.Text(".flash"); !strings.Contains(got, "Alert acknowledged") {
		t.Errorf("after acknowledging the alert the flash says %q", got)
	}
}
