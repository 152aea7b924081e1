package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// fbClickSearch clicks the first element an XPath or text search
// finds, waits for the page it leads to and returns its status.
func (h *harness) fbClickSearch(query string) int {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.Search(query)))
	if err != nil {
		h.t.Fatalf("click %s: %v (page: %s)", query, err, h.locationOrErr())
	}
	return status(resp)
}

func (h *harness) fbSignOut() {
	h.t.Helper()
	h.ClickAndWait(`form[action="/logout"] button[type="submit"]`)
	if p := h.Path(); p != "/login" {
		h.t.Fatalf("after sign-out the browser is on %s", p)
	}
}

// A service agent logs feedback, a marketer responds and marks it acted
// on, and the agent follows the notification and rates the response.
func TestFeedbackJourney(t *testing.T) {
	t.Parallel()
	h := start(t)

	h.Login("agent@example.com")
	if code := h.Open("/feedback/new"); code != 200 {
		t.Fatalf("/feedback/new answered %d", code)
	}
	theme := get(h, "find the theme option", chromedp.Evaluate[string](
		`[...document.querySelectorAll('#f-theme option')].find(o => o.textContent === 'Product quality').value`))
	h.step("fill the feedback form",
		chromedp.SendKeys(chromedp.CSS("#f-customer"), "Walrus Cold Storage"),
		chromedp.SendKeys(chromedp.CSS("#f-product"), "ColdChain Sensor S2"),
		chromedp.SetValue(chromedp.CSS("#f-theme"), theme),
		chromedp.Click(chromedp.CSS("#f-sentiment-negative")),
		chromedp.Click(chromedp.CSS("#f-chain_link-experience")),
		chromedp.SendKeys(chromedp.CSS("#f-words"), "The walrus-proof sensor froze at minus 30 and stopped logging."),
		chromedp.SendKeys(chromedp.CSS("#f-note"), "Their auditor visits next week."),
	)
	h.Screenshot("feedback-new")
	if code := h.ClickAndWait(`form[action="/feedback"] button[type="submit"]:not([name="find"])`); code != 200 {
		t.Fatalf("logging feedback ended with %d: %q", code, h.TextOr("main", ""))
	}
	item := h.Path()
	id := strings.TrimPrefix(item, "/feedback/")
	if !strings.HasPrefix(item, "/feedback/") || id == "" {
		t.Fatalf("after logging the browser is on %s", item)
	}
	if got := h.Text(".flash"); !strings.Contains(got, "Feedback #"+id+" is logged") {
		t.Errorf("flash after logging: %q", got)
	}
	if got := h.Text("h1"); got != "Feedback #"+id+" · Walrus Cold Storage" {
		t.Errorf("item heading %q", got)
	}
	h.Screenshot("feedback-logged")
	h.fbSignOut()

	h.Login("marketer@example.com")
	h.Open("/feedback/board")
	if got := h.Text("#col-new"); !strings.HasPrefix(got, "New") {
		t.Errorf("board column heading %q", got)
	}
	h.Screenshot("feedback-board")
	h.Open("/feedback?q=walrus")
	if got := h.Text("table.fb-table tbody"); !strings.Contains(got, "Walrus Cold Storage") {
		t.Errorf("search for walrus shows %q", got)
	}
	h.Open("/feedback")
	h.Screenshot("feedback-list")
	h.Open(item)
	h.step("respond and mark it acted on",
		chromedp.SetValue(chromedp.CSS("#f-status"), "acted_on"),
		chromedp.SendKeys(chromedp.CSS("#f-response"), "Replaced the sensors; firmware 2.1 fixes the freeze."),
	)
	if code := h.ClickAndWait(`form[action="` + item + `/status"] button[type="submit"]`); code != 200 {
		t.Fatalf("status change ended with %d: %q", code, h.TextOr("main", ""))
	}
	if got := h.Text(".fb-history"); !strings.Contains(got, "Replaced the sensors; firmware 2.1 fixes the freeze.") ||
		!strings.Contains(got, "Mia Novak moved it from New to Acted on") {
		t.Errorf("history after responding: %q", got)
	}
	h.Screenshot("feedback-responded")
	h.Open("/feedback/themes")
	if !h.Exists(`svg[role="img"] title`) {
		t.Error("trends page has no labelled chart")
	}
	h.Screenshot("feedback-trends")
	h.fbSignOut()

	h.Login("agent@example.com")
	if !h.Exists(".badge-count") {
		t.Error("no unread badge for the agent")
	}
	h.Open("/notifications")
	if code := h.fbClickSearch(`//button[contains(., "Feedback #` + id + ` (Walrus Cold Storage) is now acted on")]`); code != 200 {
		t.Fatalf("opening the notification ended with %d", code)
	}
	if p := h.Path(); p != item {
		t.Fatalf("the notification led to %s, want %s", p, item)
	}
	h.step("rate the response", chromedp.Click(chromedp.CSS("#f-rating-4")))
	if code := h.ClickAndWait(`form[action="` + item + `/rating"] button[type="submit"]`); code != 200 {
		t.Fatalf("rating ended with %d", code)
	}
	if got := h.Text(".fb-rating"); !strings.Contains(got, "4 of 5") {
		t.Errorf("rating shows %q", got)
	}
	if cur, ok := h.Attr("#f-rating-4", "checked"); !ok {
		t.Errorf("the rating form does not keep the rating (checked=%q)", cur)
	}
	h.Screenshot("feedback-rated")
	h.fbSignOut()

	// Admins keep the theme list.
	h.Login("admin@example.com")
	if code := h.Open("/admin/themes"); code != 200 {
		t.Fatalf("/admin/themes answered %d", code)
	}
	if cur, ok := h.Attr(`nav.subnav a[href="/admin/themes"]`, "aria-current"); !ok || cur != "page" {
		t.Errorf("admin sub-navigation does not mark Feedback themes as current")
	}
	h.Screenshot("feedback-admin-themes")
}
