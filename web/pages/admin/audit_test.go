package admin

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"tandem/internal/htmltest"
	"tandem/internal/users"
	"tandem/web/components"
)

func TestAuditPageShowsEventsInTheViewersWords(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	p := components.Page{Title: "Audit log", User: &components.User{Name: "Alex", Admin: true, Location: berlin}}
	at := time.Date(2026, 11, 30, 13, 5, 0, 0, time.UTC)
	events := []users.AuditEvent{
		{ID: 42, At: at, ActorName: "Alex Morgan", Action: "setting.changed", Detail: "sla_hours: 24 → 12"},
		{ID: 41, At: at, Action: "user.signin_failed", TargetEmail: "ghost@example.com", IP: "203.0.113.9"},
	}
	for _, tc := range []struct {
		name     string
		more     bool
		wantNext string
	}{
		{"more to come", true, "/admin/audit?before=41"},
		{"last page", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := AuditOf(p, events, tc.more)
			if v.NextURL != tc.wantNext {
				t.Errorf("NextURL = %q, want %q", v.NextURL, tc.wantNext)
			}
			var b bytes.Buffer
			if err := AuditPage(v).Render(context.Background(), &b); err != nil {
				t.Fatal(err)
			}
			body := b.String()
			cols := htmltest.TableHeaders(t, "audit", body)
			if len(cols) != 1 || len(cols[0]) < 4 {
				t.Fatalf("column headers %q", cols)
			}
			doc := htmltest.Parse(t, body)
			rows := htmltest.All(doc, func(n *html.Node) bool { return n.Data == "tr" && len(htmltest.All(n, htmltest.Tag("td"))) > 0 })
			if len(rows) != 2 {
				t.Fatalf("%d rows, want 2", len(rows))
			}
			first, second := htmltest.Text(rows[0]), htmltest.Text(rows[1])
			for _, want := range []string{"Alex Morgan", "Follow-up SLA (hours): 24 → 12", "14:05 CET"} {
				if !strings.Contains(first, want) {
					t.Errorf("row 1 %q lacks %q", first, want)
				}
			}
			for _, want := range []string{"—", "ghost@example.com", "203.0.113.9"} {
				if !strings.Contains(second, want) {
					t.Errorf("row 2 %q lacks %q", second, want)
				}
			}
			next := htmltest.All(doc, func(n *html.Node) bool { return n.Data == "a" && htmltest.Attr(n, "rel") == "next" })
			if (len(next) == 1) != (tc.wantNext != "") {
				t.Errorf("%d next links, want one only when there are more", len(next))
			}
		})
	}
}
