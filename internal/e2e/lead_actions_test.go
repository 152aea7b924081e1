package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The "What next" cards of a lead differ in what they ask, but the
// buttons of one row line up at the cards' foot.
func TestWhatNextButtonsLineUp(t *testing.T) {
	t.Parallel()
	h := startFor(t, time.Minute, nil)
	h.Login("sales.manager@example.com")
	h.Open("/leads?stage=accepted")
	lead := h.AttrOr(`main table a[href^="/leads/"]`, "href")
	if lead == "" {
		t.Fatal("no accepted lead in the demo data")
	}
	h.step("desktop viewport", chromedp.EmulateViewport(desktopWidth, desktopHeight))
	h.Open(lead)
	// Per row of cards (same top), the distinct bottoms of their last button.
	js := `(() => {
		const rows = {};
		for (const card of document.querySelectorAll('.actions .grid > .card')) {
			const buttons = card.querySelectorAll('button');
			if (!buttons.length) continue;
			const top = Math.round(card.getBoundingClientRect().top);
			const bottom = Math.round(buttons[buttons.length - 1].getBoundingClientRect().bottom);
			(rows[top] = rows[top] || new Set()).add(bottom);
		}
		return Object.values(rows).map(s => [...s]);
	})()`
	rows := get(h, "measure the buttons", chromedp.Evaluate[[][]int](js))
	if len(rows) == 0 {
		t.Fatalf("%s has no What next cards with buttons", lead)
	}
	for _, bottoms := range rows {
		if len(bottoms) != 1 {
			t.Errorf("%s: the buttons of one row of What next cards end at different heights: %v", lead, bottoms)
		}
	}
}
