package leads

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"tandem/internal/leads"
	"tandem/web/components"
)

func renderString(t *testing.T, c templ.Component) string {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// Queue rows are kept as HTML across requests: each viewer still gets
// their own CSRF token in every form, and whatever the row shows (owner's
// name, SLA state, what the viewer may do, a refused form) is never an
// earlier request's.
func TestKeptQueueRowsAreEachViewersAndFollowTheLead(t *testing.T) {
	l := lead(leads.HandedOff)
	l.ID, l.OwnerName = 9101, "Riley"
	row := func(csrf string, l leads.Lead, now time.Time) string {
		return renderString(t, QueueRow(components.Page{CSRF: csrf}, QueueItemOf(rep, l, now)))
	}
	now := time.Now()
	a, b := row("token-a", l, now), row("token-b", l, now)
	for token, body := range map[string]string{"token-a": a, "token-b": b} {
		if n := strings.Count(body, `name="csrf_token" value="`+token+`"`); n < 2 || strings.Count(body, `name="csrf_token"`) != n {
			t.Errorf("%s: %d forms carry the viewer's token, of %d:\n%s", token, n, strings.Count(body, `name="csrf_token"`), body)
		}
		if strings.Contains(body, components.Hole) {
			t.Errorf("%s: the hole went out:\n%s", token, body)
		}
	}
	if strings.ReplaceAll(a, "token-a", "token-b") != b {
		t.Errorf("two viewers' rows differ beyond the token:\n%s\n%s", a, b)
	}

	renamed := l
	renamed.OwnerName = "Riley Renamed"
	if got := row("t", renamed, now); !strings.Contains(got, "Riley Renamed") {
		t.Errorf("the owner's new name is not shown:\n%s", got)
	}
	due := now.Add(time.Hour)
	l.SLADueAt = &due
	onTime := row("t", l, now)
	late := row("t", l, now.Add(2*time.Hour))
	if !strings.Contains(onTime, "awaiting first touch") || !strings.Contains(late, "SLA breached") {
		t.Errorf("the SLA state does not follow the clock:\n%s\n%s", onTime, late)
	}
	refused := QueueItemOf(rep, l, now).WithRefused(ActReject, map[string]string{"note": "typed"}, map[string]string{"note": "Say why."})
	if got := renderString(t, QueueRow(components.Page{CSRF: "t"}, refused)); !strings.Contains(got, "Say why.") || !strings.Contains(got, "typed") {
		t.Errorf("a refused form is not shown with its message and what was typed:\n%s", got)
	}
	if got := row("t", l, now); strings.Contains(got, "Say why.") {
		t.Errorf("a refused form stayed in the kept row:\n%s", got)
	}
}
