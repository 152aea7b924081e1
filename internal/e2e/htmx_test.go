package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The htmx actions answer in place: each journey marks the page with a
// script variable before the click and checks it is still there after the
// result appeared, so the page was not loaded again.

func (h *harness) markPage() {
	h.t.Helper()
	get(h, "mark the page", chromedp.Evaluate[int](`window.__marker = 1`))
}

func (h *harness) wantSamePage() {
	h.t.Helper()
	if !get(h, "read the page mark", chromedp.Evaluate[bool](`window.__marker === 1`)) {
		h.t.Error("the page was loaded again: the action did not answer in place")
	}
}

// waitUntil polls the script expression until it is true.
func (h *harness) waitUntil(what, expr string) {
	h.t.Helper()
	get(h, "wait until "+what, chromedp.Poll[bool](expr))
}

func TestQueueAcceptInPlaceJourney(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.Login("rep@example.com")
	h.Open("/leads/queue")
	row := get(h, "find a lead to accept", chromedp.Evaluate[string](
		`(document.querySelector('form.queue-accept') || {closest: () => ({id: ''})}).closest('tr').id`))
	if row == "" {
		t.Fatal("the rep's queue has no lead to accept")
	}
	h.markPage()
	h.step("choose the quality", chromedp.SetValue(chromedp.CSS("#"+row+` form.queue-accept select[name="rating"]`), "4"))
	h.step("accept", chromedp.Click(chromedp.CSS("#"+row+` form.queue-accept button[type="submit"]`)))
	h.waitUntil("the row shows the accepted lead",
		`document.querySelector('#`+row+` .tag') && document.querySelector('#`+row+` .tag').textContent === 'Accepted'`)
	if got := h.Text("#live-status"); !strings.Contains(got, "Lead moved to Accepted.") {
		t.Errorf("status message after accepting: %q", got)
	}
	// Next: the first touch, or (touched before) the lead left the queue.
	if !h.Exists("#"+row+` form.queue-touch`) && !strings.Contains(h.Text("#"+row), "left your queue") {
		t.Errorf("the accepted row offers no next step: %q", h.Text("#"+row))
	}
	h.wantSamePage()
	h.checkConsole()
}

func TestFeedbackHeardInPlaceJourney(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.Login("rep@example.com")
	found := false
	for id := 1; id <= 30 && !found; id++ {
		if h.Open("/feedback/"+strconv.Itoa(id)) == 200 && h.Exists(`form[action$="/heard"]`) {
			found = true
		}
	}
	if !found {
		t.Fatal("no feedback item the rep can +1")
	}
	h.markPage()
	h.step("name the customer", chromedp.SendKeys(chromedp.CSS(`form[action$="/heard"] input[name="customer"]`), "Okapi Freight"))
	h.step("+1", chromedp.Click(chromedp.CSS(`form[action$="/heard"] button[type="submit"]`)))
	h.waitUntil("the section shows the +1", `document.querySelector('#heard').textContent.includes('You added your +1.')`)
	if got := h.Text("#heard"); !strings.Contains(got, "Okapi Freight") {
		t.Errorf("the Heard it too section after the +1: %q", got)
	}
	if got := h.Text("#live-status"); !strings.Contains(got, "Your +1 is added") {
		t.Errorf("status message after the +1: %q", got)
	}
	h.wantSamePage()
	h.checkConsole()
}

func TestFeedbackListHeardInPlaceJourney(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.Login("rep@example.com")
	h.Open("/feedback")
	if !h.Exists(".fb-plus button") {
		t.Fatal("the feedback list offers no +1")
	}
	h.markPage()
	h.step("+1 from the list", chromedp.Evaluate[chromedp.Void](
		`(b => { b.closest('td').id = 'plus-cell'; b.click() })(document.querySelector('.fb-plus button'))`))
	h.waitUntil("the cell shows the +1", `document.querySelector('td .fb-customers') && Array.from(document.querySelectorAll('td[data-label="Heard too"]')).some(td => td.textContent.includes('incl. your +1'))`)
	if got := h.Text("#live-status"); !strings.Contains(got, "Your +1 is added") {
		t.Errorf("status message after the +1: %q", got)
	}
	h.wantSamePage()
	h.checkConsole()
}

func TestMarkNotificationReadInPlaceJourney(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.Login("rep@example.com")
	h.Open("/notifications")
	before := get(h, "count unread", chromedp.Evaluate[int](`document.querySelectorAll('li.unread').length`))
	if before == 0 {
		t.Fatal("the demo rep has no unread notification")
	}
	badge := h.TextOr("#unread-link", "")
	h.markPage()
	h.step("mark one read", chromedp.Click(chromedp.CSS(`li.unread .note-read button`)))
	h.waitUntil("one fewer unread", `document.querySelectorAll('li.unread').length === `+strconv.Itoa(before-1))
	if got := h.Text("#live-status"); !strings.Contains(got, "Marked read") {
		t.Errorf("status message after marking read: %q", got)
	}
	if after := h.TextOr("#unread-link", ""); after == badge {
		t.Errorf("the unread count in the navigation stayed %q", after)
	}
	if before > 1 {
		h.step("mark all read", chromedp.Click(chromedp.CSS(`#read-all button[type="submit"]`)))
		h.waitUntil("nothing unread", `document.querySelectorAll('li.unread').length === 0 && !document.querySelector('#read-all form')`)
		if got := h.TextOr("#unread-link", ""); got != "" {
			t.Errorf("the unread count after marking all read: %q", got)
		}
	}
	h.wantSamePage()
	h.checkConsole()
}

func TestLiveLeadFilterJourney(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.Login("marketer@example.com")
	h.Open("/leads")
	company := h.Text("#lead-results table tbody tr td a")
	h.markPage()
	h.step("type into the search", chromedp.SendKeys(chromedp.CSS(`form.filters input[name="q"]`), company))
	h.waitUntil("the results narrowed and the address changed",
		`location.search.includes('q=') && Array.from(document.querySelectorAll('#lead-results tbody tr td:first-child a')).every(a => a.textContent === `+jsString(company)+`)`)
	if got := h.Text("#lead-results .list-meta [role=status]"); !strings.Contains(got, "match") {
		t.Errorf("the count after filtering: %q", got)
	}
	h.wantSamePage()
	h.step("choose a stage", chromedp.Evaluate[chromedp.Void](
		`(s => { s.value = 'new'; s.dispatchEvent(new Event('change', {bubbles: true})) })(document.querySelector('form.filters select[name="stage"]'))`))
	h.waitUntil("the stage is in the address", `location.search.includes('stage=new')`)
	h.wantSamePage()
	h.checkConsole()
}
