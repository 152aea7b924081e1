package e2e

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tandem/internal/leads"
)

// checkRep ticks the rep's box in the rule form's pool.
func (h *harness) checkRep(name string) {
	h.t.Helper()
	js := `(() => { const box = Array.from(document.querySelectorAll('input[name="reps"]')).find(b => b.parentElement.textContent.trim() === ` +
		jsString(name) + `); box.click(); return box.checked })()`
	if !get(h, "tick "+name, chromedp.Evaluate[bool](js)) {
		h.t.Fatalf("the box of %s is not ticked", name)
	}
}

// A sales manager adds a round-robin rule over three reps; a marketer hands
// off three leads to the rules; each rep gets one, is notified, and each
// lead's timeline names the rule. One lead stays untouched past its SLA and
// escalates to the manager, who finds it on the two-sided SLA page.
func TestRoutingRuleJourney(t *testing.T) {
	t.Parallel()
	h := startFor(t, 2*testTimeout, nil)
	reps := []string{"Riley Chen", "Jordan Blake", "Priya Nair"}
	logins := map[string]string{"Riley Chen": "rep@example.com", "Jordan Blake": "jordan.blake@example.com", "Priya Nair": "priya.nair@example.com"}

	h.Login("sales.manager@example.com")
	h.Open("/leads")
	h.ClickAndWait(`nav a[href="/leads/routing"]`)
	h.fill("the rule's name and countries", map[string]string{"#f-name": "France round-robin", "#f-countries": "FR"})
	for _, r := range reps {
		h.checkRep(r)
	}
	h.Screenshot("routing-new-rule.png")
	if code := h.ClickAndWait(`form[action="/leads/routing"] button[type="submit"]`); code != 200 {
		t.Fatalf("adding the rule answered %d: %s", code, h.TextOr("main", ""))
	}
	if row := h.Text("main table"); !strings.Contains(row, "France round-robin") || !strings.Contains(row, "country FR") || !strings.Contains(row, "Round-robin") {
		t.Fatalf("the rules after adding: %q", row)
	}
	h.Screenshot("routing-rules.png")
	h.logout()

	h.Login("marketer@example.com")
	owners := map[string]string{}
	for _, company := range []string{"Paris Optique", "Lyon Textiles", "Nantes Navale"} {
		h.newLead(map[string]string{"#f-company": company, "#f-contact_name": "Camille", "#f-email": "camille@" + strings.ToLower(strings.Fields(company)[0]) + ".example", "#f-country": "FR"})
		h.ClickAndWait(`form[action$="/qualify"] button`)
		form := `form[action$="/hand-off"]`
		if chosen := get(h, "the preselected owner", chromedp.Evaluate[string](`document.querySelector('`+form+` select[name="owner"]').selectedOptions[0].text`)); chosen != "The routing rules choose" {
			t.Errorf("the handoff form preselects %q", chosen)
		}
		h.fill("handoff note", map[string]string{form + ` textarea[name="note"]`: "Asked for a quote."})
		h.ClickAndWait(form + ` button[type="submit"]`)
		tl := h.Text(".timeline")
		var owner string
		for _, r := range reps {
			if strings.Contains(tl, "Routed to "+r+" by rule “France round-robin” (round-robin).") {
				owner = r
			}
		}
		if owner == "" {
			t.Fatalf("%s: the timeline names no rep of the rule: %q", company, tl)
		}
		if facts := h.Text("#deal-h + dl"); !strings.Contains(facts, owner) {
			t.Errorf("%s: owner facts %q, want %s", company, facts, owner)
		}
		if _, taken := owners[owner]; taken {
			t.Errorf("%s went to %s, who already had %s", company, owner, owners[owner])
		}
		owners[owner] = company
	}
	h.Screenshot("routing-lead-timeline.png")
	h.logout()

	for rep, company := range owners {
		h.Login(logins[rep])
		h.Open("/notifications")
		if list := h.Text(".notification-list"); !strings.Contains(list, "Mia Novak handed "+company+" to you (routing rule “France round-robin”)") {
			t.Errorf("%s's notifications: %q", rep, list)
		}
		if rep == "Riley Chen" {
			h.Screenshot("routing-rep-notification.png")
		}
		h.logout()
	}

	// Nantes Navale stays untouched: a day and an hour later its deadline
	// has passed, and the ladder (run here as its catch-up job runs it)
	// tells the sales managers.
	ctx := context.Background()
	if _, err := h.pool.Exec(ctx, `UPDATE leads SET handed_off_at = handed_off_at - interval '25 hours'
		WHERE company = 'Nantes Navale'`); err != nil {
		t.Fatal(err)
	}
	if n, err := leads.NewLadder(h.pool, slog.New(slog.DiscardHandler)).CatchUp(ctx, time.Now()); err != nil || n < 1 {
		t.Fatalf("the ladder fired %d steps: %v", n, err)
	}
	h.Login("sales.manager@example.com")
	h.Open("/notifications")
	if list := h.Text(".notification-list"); !strings.Contains(list, "Nantes Navale: follow-up SLA breached") ||
		strings.Contains(list, "Paris Optique: follow-up SLA breached") || strings.Contains(list, "Lyon Textiles: follow-up SLA breached") {
		t.Errorf("the manager's notifications: %q", list)
	}
	h.Screenshot("routing-escalated-to-manager.png")
	h.Open("/")
	h.ClickAndWait(`a[aria-label="Both sides of the SLA, from Speed to lead"]`)
	if got := h.Text("h1"); got != "The two-sided SLA" {
		t.Fatalf("the speed-to-lead tile led to %q", got)
	}
	h.ClickAndWait(`#fig-escalations a`)
	if drill := h.Text("#drill"); !strings.Contains(drill, "Nantes Navale") || !strings.Contains(drill, "100 %: notify managers") {
		t.Errorf("the escalations behind the number: %q", drill)
	}
	h.Screenshot("sla-escalations.png")
	h.logout()

	// Riley will be away next week: the account page keeps the dates, and
	// the routing page shows them to the manager.
	h.Login("rep@example.com")
	h.Open("/account")
	from, to := time.Now().AddDate(0, 0, 7).Format(time.DateOnly), time.Now().AddDate(0, 0, 11).Format(time.DateOnly)
	h.step("the away dates", chromedp.SetValue(chromedp.CSS("#f-away_from"), from), chromedp.SetValue(chromedp.CSS("#f-away_to"), to))
	h.ClickAndWait(`form[action="/account/away"] button[type="submit"]`)
	if got := h.Text(".flash"); !strings.Contains(got, "Out of office saved") {
		t.Errorf("after saving the away dates: %q", got)
	}
	h.Screenshot("routing-account-away.png")
	h.logout()
	h.Login("sales.manager@example.com")
	h.Open("/leads/routing")
	if caps := h.Text(`section[aria-labelledby="caps-h"]`); !strings.Contains(caps, "Riley Chen") || strings.Count(caps, " – ") < 2 {
		t.Errorf("the reps today: %q", caps)
	}
}
