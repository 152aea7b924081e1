package campaigns

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"golang.org/x/net/html"

	"tandem/internal/campaigns"
	"tandem/internal/users"
	"tandem/web/components"
)

// render renders c and parses it as an HTML document.
func render(t *testing.T, c templ.Component) *html.Node {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := html.Parse(&buf)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// all returns the elements under n for which match holds, in document order.
func all(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func tag(name string) func(*html.Node) bool { return func(n *html.Node) bool { return n.Data == name } }

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// formControls are the inputs people fill in: not hidden fields or buttons.
func formControls(doc *html.Node) []*html.Node {
	return all(doc, func(n *html.Node) bool {
		switch n.Data {
		case "select", "textarea":
			return true
		case "input":
			typ, _ := attr(n, "type")
			return typ != "hidden" && typ != "submit"
		}
		return false
	})
}

// checkLabelled asserts every form control has an id named by a label's for.
func checkLabelled(t *testing.T, doc *html.Node) {
	t.Helper()
	labels := map[string]string{}
	for _, l := range all(doc, tag("label")) {
		if f, ok := attr(l, "for"); ok {
			labels[f] = text(l)
		}
	}
	controls := formControls(doc)
	if len(controls) == 0 {
		t.Fatal("no form controls rendered")
	}
	for _, c := range controls {
		id, _ := attr(c, "id")
		name, _ := attr(c, "name")
		if id == "" || labels[id] == "" {
			t.Errorf("%s %q: no label tied to it (id %q)", c.Data, name, id)
		}
	}
}

func TestFormPageLabelsAndErrorSummary(t *testing.T) {
	t.Parallel()
	owners := []users.User{{ID: 7, Name: "Mia Marketer"}}
	edited := campaigns.Campaign{ID: 3, Version: 2, Announced: true, OwnerName: "Old Owner",
		Details: campaigns.Details{Name: "Spring webinar", OwnerID: 9}}
	for _, tc := range []struct {
		name      string
		c         campaigns.Campaign
		f         campaigns.Form
		errs      map[string]string
		wantTitle string
		// wantOwners are the owner options' labels.
		wantOwners []string
	}{
		{name: "new, clean", f: campaigns.Form{Channel: "email", OwnerID: "7"}, wantTitle: "New campaign",
			wantOwners: []string{"Choose an owner", "Mia Marketer"}},
		{name: "new, refused", f: campaigns.Form{Name: "", Budget: "12.500,50"}, wantTitle: "New campaign",
			errs:       map[string]string{"name": "Enter the campaign's name.", "budget": "Enter the budget as an amount, e.g. 12500 or 12500.50."},
			wantOwners: []string{"Choose an owner", "Mia Marketer"}},
		{name: "edit keeps a deactivated owner", c: edited, f: campaigns.FormOf(edited), wantTitle: "Edit Spring webinar",
			wantOwners: []string{"Choose an owner", "Mia Marketer", "Old Owner (deactivated)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := FormOf(components.Page{Title: FormTitle(tc.c)}, tc.c, tc.f, tc.errs, owners)
			if v.Title != tc.wantTitle {
				t.Errorf("title %q, want %q", v.Title, tc.wantTitle)
			}
			doc := render(t, FormPage(v))
			checkLabelled(t, doc)

			alerts := all(doc, func(n *html.Node) bool { r, _ := attr(n, "role"); return r == "alert" })
			if len(tc.errs) == 0 && len(alerts) != 0 {
				t.Errorf("an error summary without errors: %q", text(alerts[0]))
			}
			if len(tc.errs) > 0 {
				if len(alerts) != 1 {
					t.Fatalf("%d error summaries, want 1", len(alerts))
				}
				for field, msg := range tc.errs {
					if !strings.Contains(text(alerts[0]), msg) {
						t.Errorf("summary lacks %q", msg)
					}
					invalid := all(doc, func(n *html.Node) bool {
						name, _ := attr(n, "name")
						inv, _ := attr(n, "aria-invalid")
						return name == field && inv == "true"
					})
					if len(invalid) != 1 {
						t.Errorf("field %s not marked aria-invalid", field)
					}
				}
			}

			var sel *html.Node
			for _, s := range all(doc, tag("select")) {
				if name, _ := attr(s, "name"); name == "owner_id" {
					sel = s
				}
			}
			if sel == nil {
				t.Fatal("no owner select")
			}
			var got []string
			for _, o := range all(sel, tag("option")) {
				got = append(got, text(o))
			}
			if strings.Join(got, "|") != strings.Join(tc.wantOwners, "|") {
				t.Errorf("owner options %q, want %q", got, tc.wantOwners)
			}
		})
	}
}

func TestDetailPageSections(t *testing.T) {
	t.Parallel()
	launch := time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
	c := campaigns.Campaign{ID: 5, Announced: true, Revision: 1, NoticeDays: 7,
		Details: campaigns.Details{Name: "Summer launch", Channel: campaigns.Email, LaunchOn: launch, EndOn: launch.AddDate(0, 0, 20),
			BudgetCents: 1250050, TalkingPoints: "Say **hello**."}}
	in := DetailInput{Campaign: c, Today: launch.AddDate(0, 0, -3), ViewerAcks: true, IsManager: true,
		Readiness: campaigns.ReadinessReport{Total: campaigns.Readiness{Eligible: 9, Ready: 6},
			Teams: []campaigns.TeamReadiness{{Team: users.Sales, Readiness: campaigns.Readiness{Eligible: 6, Ready: 4}},
				{Team: users.Service, Readiness: campaigns.Readiness{Eligible: 3, Ready: 2}}}},
		Results:       campaigns.Results{CampaignID: 5, Sourced: 4, HandedOff: 2, Won: 1, AcceptedBy: [4]int{0, 0, 1, 0}, WonValueCents: 500000, BudgetCents: 1250050},
		Comments:      []campaigns.Comment{{ID: 11, AuthorName: "Sam", AuthorTeam: users.Sales, Body: "When?"}},
		CommentErrors: map[int64]string{11: "Write your answer first."},
	}
	v := DetailOf(components.Page{Title: c.Name}, in)
	if v.Budget != "12,500.50" {
		t.Errorf("budget %q, want 12,500.50", v.Budget)
	}
	if v.Readiness.Figure != "6 of 9 (67 %)" {
		t.Errorf("readiness %q", v.Readiness.Figure)
	}
	doc := render(t, DetailPage(v))
	checkLabelled(t, doc)

	// Every section is named by its heading.
	ids := map[string]bool{}
	for _, n := range all(doc, func(n *html.Node) bool { _, ok := attr(n, "id"); return ok }) {
		id, _ := attr(n, "id")
		ids[id] = true
	}
	sections := all(doc, tag("section"))
	if len(sections) < 6 {
		t.Errorf("%d sections, want at least 6 (campaign, notice, readiness, not ready, talking points, results, questions)", len(sections))
	}
	for _, s := range sections {
		by, ok := attr(s, "aria-labelledby")
		if !ok || !ids[by] {
			t.Errorf("section %q is not labelled by a heading on the page", by)
		}
	}
	// Table headers say what they head.
	for _, th := range all(doc, tag("th")) {
		if scope, _ := attr(th, "scope"); scope != "row" && scope != "col" {
			t.Errorf("th %q without scope", text(th))
		}
	}
	// The refused reply is open and marked.
	for _, ta := range all(doc, tag("textarea")) {
		if id, _ := attr(ta, "id"); id == "comment-body-11" {
			if inv, _ := attr(ta, "aria-invalid"); inv != "true" {
				t.Error("the refused reply is not aria-invalid")
			}
			return
		}
	}
	t.Error("no reply form for question 11")
}

func TestReadinessOf(t *testing.T) {
	t.Parallel()
	launch := time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
	draft := campaigns.Campaign{Details: campaigns.Details{LaunchOn: launch}}
	announced := draft
	announced.Announced = true
	seven := campaigns.ReadinessReport{Total: campaigns.Readiness{Eligible: 7, Ready: 6},
		Teams: []campaigns.TeamReadiness{{Team: users.Sales, Readiness: campaigns.Readiness{Eligible: 7, Ready: 6}},
			{Team: users.Service}}}
	for _, tc := range []struct {
		name       string
		c          campaigns.Campaign
		today      time.Time
		r          campaigns.ReadinessReport
		wantFigure string
		wantTeams  []string
		wantNote   string
	}{
		{"draft", draft, launch.AddDate(0, 0, -5), seven, "—", nil, "Measured once the notice is announced"},
		{"upcoming rounds half away", announced, launch.AddDate(0, 0, -5), seven, "6 of 7 (86 %)",
			[]string{"Sales: 6 of 7 (86 %)", "Service: nobody measured"}, "launch is on Wed 10 Jun 2026."},
		{"launched", announced, launch, seven, "6 of 7 (86 %)", []string{"Sales: 6 of 7 (86 %)", "Service: nobody measured"},
			"people who joined later are not counted"},
		{"nobody yet", announced, launch.AddDate(0, 0, -1), campaigns.ReadinessReport{}, "—", nil, "Nobody is measured yet"},
		{"nobody at launch", announced, launch, campaigns.ReadinessReport{}, "—", nil, "Nobody was measured"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := ReadinessOf(tc.c, tc.today, tc.r)
			if v.Figure != tc.wantFigure {
				t.Errorf("figure %q, want %q", v.Figure, tc.wantFigure)
			}
			var teams []string
			for _, l := range v.Teams {
				teams = append(teams, l.Team+": "+l.Figure)
			}
			if strings.Join(teams, "|") != strings.Join(tc.wantTeams, "|") {
				t.Errorf("teams %q, want %q", teams, tc.wantTeams)
			}
			if !strings.Contains(v.Note, tc.wantNote) {
				t.Errorf("note %q lacks %q", v.Note, tc.wantNote)
			}
		})
	}
}

func TestAnnounceNote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		lead      time.Duration
		late      bool
		days      int
		hasPoints bool
		want      string
	}{
		{"on time", 9 * 24 * time.Hour, false, 7, true,
			"Announcing now gives 9 days before launch of notice; 7 days are required. That is on time."},
		{"late, no points", 5 * time.Hour, true, 1, false,
			"Announcing now gives 5 hours before launch of notice; 1 day are required. It will be marked as a late notice everywhere it is shown, with your reason. Add talking points first: they are what sales and service read."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := announceNote(tc.lead, tc.late, tc.days, tc.hasPoints); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
