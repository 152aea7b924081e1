package e2e

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, vendored (see testdata/README.md). It is run with
// CDP Runtime.evaluate, which the page's Content-Security-Policy does not
// govern, so the CSP stays strict.
//
//go:embed testdata/axe.min.js
var axeSource string

// The widths every page is checked at: a laptop and a phone (390 × 844).
const (
	desktopWidth, desktopHeight = 1280, 900
	phoneWidth, phoneHeight     = 390, 844
)

var demoPersonas = []string{"admin@example.com", "sales.manager@example.com", "marketing.manager@example.com",
	"service.manager@example.com", "rep@example.com", "marketer@example.com", "agent@example.com"}

// crawlPages are the pages of the walk plus the forms and pages only some
// roles open. The crawl adds the newest digest week it finds on /digests.
var crawlPages = append(append([]string{}, walkPages...),
	"/leads/import", "/feedback/new", "/feedback/board", "/campaigns/new", "/campaigns/1/edit", "/alerts/new",
	"/alerts/1", "/admin/users", "/admin/users/new", "/admin/users/1", "/admin/audit", "/admin/themes",
	"/kpis/revenue", "/kpis/conversion", "/leads/intake", "/leads/intake/new",
	// The confirm steps: a draft campaign's announcement, a rep's
	// deactivation, a merge of two live items.
	"/campaigns/16/announce", "/admin/users/5/deactivate", "/feedback/1/merge?into=2",
	"/account/tokens", "/admin/tokens", "/api/docs", "/leads/routing", "/leads/routing/1", "/admin/business-hours",
	"/sla?kind=quarter&show=breached")

// axeViolation is what the crawl keeps of one axe-core result.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// Every role opens every page of the crawl; each page must have no serious
// or critical axe-core violation at 1280 px (the whole navigation shown) or
// at 390 × 844, no chart label cut off, and no horizontal overflow at 390.
func TestEveryPageFitsAPhoneAndPassesAxe(t *testing.T) {
	t.Parallel()
	for _, email := range demoPersonas {
		role := strings.TrimSuffix(email, "@example.com")
		t.Run(role, func(t *testing.T) {
			t.Parallel()
			h := startFor(t, 6*time.Minute, nil)
			h.Login(email)
			crawled, refused := 0, 0
			var axeFails, overflows, clipped []string
			pages := append([]string{}, crawlPages...)
			for i := 0; i < len(pages); i++ {
				p := pages[i]
				h.step("desktop viewport", chromedp.EmulateViewport(desktopWidth, desktopHeight))
				code := h.Open(p)
				switch code {
				case http.StatusOK:
				case http.StatusForbidden, http.StatusNotFound:
					h.ExpectRefused(p)
					refused++
				default:
					t.Errorf("%s as %s: status %d", p, role, code)
					continue
				}
				crawled++
				if p == "/digests" && code == http.StatusOK {
					if week := h.AttrOr(`main a[href^="/digests/2"]`, "href"); week != "" {
						pages = append(pages, week)
					}
				}
				for _, c := range h.ClippedChartText() {
					clipped = append(clipped, p+": "+c)
				}
				for _, v := range h.Axe() {
					axeFails = append(axeFails, fmt.Sprintf("%s: %s (%s) %s at %s", p, v.ID, v.Impact, v.Help,
						strings.Join(v.Targets, ", ")))
				}
				if wide := h.OverflowAt(phoneWidth, phoneHeight); wide != "" {
					overflows = append(overflows, p+": "+wide)
				}
				// Again at phone width: the navigation is a menu there and
				// tables are cards, other markup to hold to the same rules.
				for _, v := range h.Axe() {
					axeFails = append(axeFails, fmt.Sprintf("%s at %d px: %s (%s) %s at %s", p, phoneWidth, v.ID, v.Impact, v.Help,
						strings.Join(v.Targets, ", ")))
				}
			}
			for _, f := range axeFails {
				t.Errorf("axe as %s: %s", role, f)
			}
			for _, c := range clipped {
				t.Errorf("chart text cut off as %s: %s", role, c)
			}
			for _, o := range overflows {
				t.Errorf("overflow at %d px as %s: %s", phoneWidth, role, o)
			}
			t.Logf("%s: %d pages crawled (%d refused pages among them); axe: %d serious/critical violations; overflow at %d px: %d pages",
				role, crawled, refused, len(axeFails), phoneWidth, len(overflows))
		})
	}
}

// AttrOr is the attribute of the first element matching the selector now,
// or "" when there is none.
func (h *harness) AttrOr(sel, name string) string {
	h.t.Helper()
	q, _ := json.Marshal(sel)
	n, _ := json.Marshal(name)
	return get(h, "read "+name+" of "+sel, chromedp.Evaluate[string](fmt.Sprintf(
		"(document.querySelector(%s) || {getAttribute: () => ''}).getAttribute(%s) || ''", q, n)))
}

// Axe runs axe-core on the current page and returns its serious and
// critical violations.
func (h *harness) Axe() []axeViolation {
	h.t.Helper()
	if !get(h, "look for axe", chromedp.Evaluate[bool]("typeof window.axe === 'object'")) {
		get(h, "inject axe-core", chromedp.Evaluate[bool](axeSource+";true"))
	}
	js := `axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations
		.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))`
	out := getWithin(h, "run axe-core", analysisTimeout, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		h.t.Fatalf("axe result %q: %v", out, err)
	}
	return vs
}

// OverflowAt sets the viewport to width × height and reports the page
// wider than the window: "" when it fits, otherwise the widths and the
// elements that stick out the furthest.
func (h *harness) OverflowAt(width, height int64) string {
	h.t.Helper()
	h.step("phone viewport", chromedp.EmulateViewport(width, height))
	js := `(() => {
		const de = document.documentElement;
		if (de.scrollWidth <= innerWidth) return "";
		const wide = [...document.body.querySelectorAll('*')]
			.map(e => [e, e.getBoundingClientRect().right])
			.filter(([e, r]) => r > innerWidth + 0.5)
			.sort((a, b) => b[1] - a[1]).slice(0, 4)
			.map(([e, r]) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
				(e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') + ' to ' + Math.round(r));
		return 'scrollWidth ' + de.scrollWidth + ' > innerWidth ' + innerWidth + ': ' + wide.join('; ');
	})()`
	return get(h, "measure the width", chromedp.Evaluate[string](js))
}
