package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Issue 15, items 4 and 8: a marketer merges a duplicate by searching for
// the other item in the picker (htmx fills the list as they type), picks
// it, confirms on the second step and lands on the merged item.
func TestFeedbackMergePickerJourney(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.Login("marketer@example.com")
	if code := h.Open("/feedback"); code != 200 {
		t.Fatalf("/feedback answered %d", code)
	}
	links := get(h, "read the first two items", chromedp.Evaluate[[]string](
		`[...new Set([...document.querySelectorAll('main a[href^="/feedback/"]')].map(a => a.getAttribute('href'))
			.filter(h => /^\/feedback\/\d+$/.test(h)))].slice(0, 2)`))
	if len(links) != 2 {
		t.Fatalf("the list links to %v", links)
	}
	target, dup := links[0], links[1]
	targetID := strings.TrimPrefix(target, "/feedback/")
	h.Open(target)
	words := h.Text("blockquote.fb-quote")

	if code := h.Open(dup); code != 200 {
		t.Fatalf("%s answered %d", dup, code)
	}
	pick := `#into-picks input[name="into"][value="` + targetID + `"]`
	h.step("search for the item in the merge picker",
		chromedp.WaitVisible(chromedp.CSS("#f-into")),
		chromedp.SendKeys(chromedp.CSS("#f-into"), words),
		chromedp.WaitVisible(chromedp.CSS(pick)),
	)
	if got := h.Text("#into-picks .hint"); !strings.Contains(got, "match") {
		t.Errorf("the picker's status says %q", got)
	}
	h.step("pick the item", chromedp.Click(chromedp.CSS(pick)))
	if code := h.ClickAndWait(`form#merge button[type="submit"]:not([name="find"])`); code != 200 || h.Path() != dup+"/merge" {
		t.Fatalf("Merge… landed on %s with %d: %s", h.Path(), code, h.TextOr("main", ""))
	}
	if got := h.Text("section.confirm"); !strings.Contains(got, "into #"+targetID) {
		t.Fatalf("the confirm step says %q", got)
	}
	if code := h.ClickAndWait(`section.confirm button[type="submit"]`); code != 200 || h.Path() != target {
		t.Fatalf("confirming landed on %s with %d: %s", h.Path(), code, h.TextOr("main", ""))
	}
	if got := h.Text(".flash"); !strings.Contains(got, "is merged into #"+targetID) {
		t.Errorf("after merging the flash says %q", got)
	}
}
