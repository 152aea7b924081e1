package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// walkPages are the pages every role opens in a day's work. Each answers
// 200, or 403 for a role the page is not for; never anything else, never a
// console error (the harness checks), never a 5xx or error log (the guard).
var walkPages = []string{
	"/", "/leads", "/leads/queue", "/leads/rejected", "/leads/new", "/leads/1", "/leads/1/edit",
	"/campaigns", "/campaigns/1", "/campaigns/calendar", "/alerts", "/feedback", "/feedback/1", "/feedback/themes",
	"/kpis", "/kpis/speed", "/kpis/mql", "/kpis/targets", "/sla", "/digests", "/notifications", "/account",
	"/admin/settings",
}

// Every demo persona walks the core pages in Chromium; the overview and a
// lead page of each are kept as screenshots to look at.
func TestEveryRoleWalksThePages(t *testing.T) {
	t.Parallel()
	for _, email := range []string{"admin@example.com", "sales.manager@example.com", "marketing.manager@example.com",
		"service.manager@example.com", "rep@example.com", "marketer@example.com", "agent@example.com"} {
		t.Run(strings.TrimSuffix(email, "@example.com"), func(t *testing.T) {
			t.Parallel()
			h := start(t)
			h.Login(email)
			role := strings.TrimSuffix(email, "@example.com")
			allowed := 0
			for _, p := range walkPages {
				switch code := h.Open(p); code {
				case http.StatusOK:
					allowed++
				case http.StatusForbidden:
					h.ExpectRefused(p)
				default:
					t.Errorf("%s as %s: status %d", p, role, code)
				}
				switch p {
				case "/":
					h.Screenshot("walk-" + role + "-overview.png")
				case "/leads/1":
					h.Screenshot("walk-" + role + "-lead.png")
				case "/kpis/mql", "/admin/settings":
					if role == "admin" {
						h.Screenshot("walk-admin-" + strings.ReplaceAll(strings.Trim(p, "/"), "/", "-") + ".png")
					}
				}
			}
			// Everyone reads the shared view; no role is locked out of most of it.
			if allowed < len(walkPages)/2 {
				t.Errorf("%s could open only %d of %d pages", role, allowed, len(walkPages))
			}
		})
	}
}
