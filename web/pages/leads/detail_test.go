package leads

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"tandem/internal/leads"
	"tandem/internal/users"
	"tandem/web/components"
)

var (
	marketer     = users.User{ID: 1, Name: "Mara", Team: users.Marketing, Role: users.Member}
	rep          = users.User{ID: 10, Name: "Riley", Team: users.Sales, Role: users.Member}
	salesManager = users.User{ID: 12, Name: "Sam", Team: users.Sales, Role: users.Manager}
)

// render renders the lead page of v and parses it.
func render(t *testing.T, v Detail) *html.Node {
	t.Helper()
	var buf bytes.Buffer
	if err := DetailPage(v).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	return slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == key })
}

// all returns the element nodes under n that match.
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

func isControl(n *html.Node) bool {
	switch n.Data {
	case "select", "textarea":
		return true
	case "input":
		return attr(n, "type") != "hidden"
	}
	return false
}

func text(n *html.Node) string {
	var b strings.Builder
	for _, t := range all(n, func(*html.Node) bool { return true }) {
		for c := t.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
			}
		}
	}
	return b.String()
}

func detail(me users.User, l leads.Lead, in DetailInput) Detail {
	in.Reps = []leads.Rep{{ID: rep.ID, Name: rep.Name}}
	return DetailOf(components.Page{Title: l.Company, CSRF: "token"}, me, l, in, time.Now())
}

func lead(stage leads.Stage) leads.Lead {
	owner := rep.ID
	handed := time.Now().Add(-time.Hour)
	return leads.Lead{ID: 7, Company: "Acme", ContactName: "Ann", Email: "ann@acme.example", Stage: stage, OwnerID: &owner,
		HandedOffAt: &handed, Version: 3}
}

// Each action the viewer may take has its own form posting to its own
// route, with plain field names, the lead's version and every visible
// control labelled by for/id.
func TestEveryLeadActionPostsToItsOwnRoute(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		stage leads.Stage
		me    users.User
		want  []string // the forms' actions after /leads/7/, in page order
	}{
		{leads.New, marketer, []string{"qualify", "comments"}},
		{leads.MQL, marketer, []string{"hand-off", "comments"}},
		{leads.Rejected, marketer, []string{"recycle", "comments"}},
		{leads.Recycled, marketer, []string{"qualify", "comments"}},
		{leads.HandedOff, rep, []string{"accept", "reject", "touch", "comments"}},
		{leads.HandedOff, salesManager, []string{"accept", "reject", "touch", "assign", "comments"}},
		{leads.Accepted, rep, []string{"convert", "lose", "touch", "comments"}},
		{leads.Opportunity, rep, []string{"win", "lose", "touch", "comments"}},
		{leads.Won, rep, []string{"comments"}},
		{leads.HandedOff, marketer, []string{"comments"}},
	} {
		t.Run(string(tc.stage)+" as "+string(tc.me.Team)+" "+string(tc.me.Role), func(t *testing.T) {
			t.Parallel()
			doc := render(t, detail(tc.me, lead(tc.stage), DetailInput{}))
			var got []string
			for _, f := range all(doc, tag("form")) {
				if attr(f, "method") != "post" {
					continue
				}
				action := attr(f, "action")
				if !strings.HasPrefix(action, "/leads/7/") {
					t.Errorf("form posts to %q", action)
					continue
				}
				got = append(got, strings.TrimPrefix(action, "/leads/7/"))
				for _, in := range all(f, tag("input")) {
					if name := attr(in, "name"); name == "to" || strings.Contains(name, "_") && name != "csrf_token" && name != "form_token" {
						t.Errorf("%s: field name %q; a form's fields have plain names", action, name)
					}
				}
				versions := all(f, func(n *html.Node) bool { return attr(n, "name") == "version" })
				if wantVersion := action != "/leads/7/touch" && action != "/leads/7/comments"; wantVersion &&
					(len(versions) != 1 || attr(versions[0], "value") != "3") {
					t.Errorf("%s: no version 3 field", action)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("forms %v, want %v", got, tc.want)
			}
			wantLabelled(t, doc)
		})
	}
}

// wantLabelled checks that every visible control has an id unique on the
// page and a label whose for names it.
func wantLabelled(t *testing.T, doc *html.Node) {
	t.Helper()
	labels := map[string]bool{}
	for _, l := range all(doc, tag("label")) {
		labels[attr(l, "for")] = true
	}
	ids := map[string]bool{}
	for _, c := range all(doc, isControl) {
		id := attr(c, "id")
		switch {
		case id == "":
			t.Errorf("<%s name=%q> has no id", c.Data, attr(c, "name"))
		case ids[id]:
			t.Errorf("id %q is used twice", id)
		case !labels[id]:
			t.Errorf("<%s id=%q> has no label", c.Data, id)
		}
		ids[id] = true
	}
}

// A refused form comes back filled in with its messages tied to its own
// controls and listed in an error summary announced as an alert; the other
// forms that share field names stay untouched.
func TestRefusedActionFormShowsItsErrors(t *testing.T) {
	t.Parallel()
	v := detail(rep, lead(leads.HandedOff), DetailInput{Posted: ActReject,
		Form:   map[string]string{"reason": "other", "rating": "9", "note": "typed note"},
		Errors: map[string]string{"rating": "Rate the lead's quality from 1 to 5.", "note": "Say why."}})
	doc := render(t, v)
	alerts := all(doc, func(n *html.Node) bool { return attr(n, "role") == "alert" })
	if len(alerts) != 1 || !strings.Contains(text(alerts[0]), "Rate the lead's quality") || !strings.Contains(text(alerts[0]), "Say why.") {
		t.Fatalf("want one error summary with both messages, got %d alerts", len(alerts))
	}
	byID := func(id string) *html.Node {
		got := all(doc, func(n *html.Node) bool { return attr(n, "id") == id })
		if len(got) != 1 {
			t.Fatalf("%d elements with id %q", len(got), id)
		}
		return got[0]
	}
	for id, msg := range map[string]string{"f-reject_rating": "Rate the lead's quality", "f-reject_note": "Say why."} {
		c := byID(id)
		if attr(c, "aria-invalid") != "true" {
			t.Errorf("%s is not marked invalid", id)
		}
		described := false
		for _, ref := range strings.Fields(attr(c, "aria-describedby")) {
			described = described || strings.Contains(text(byID(ref)), msg)
		}
		if !described {
			t.Errorf("%s is not described by its message %q", id, msg)
		}
	}
	if got := text(byID("f-reject_note")); got != "typed note" {
		t.Errorf("the reject note shows %q, want what was typed", got)
	}
	for _, id := range []string{"f-accept_rating", "f-accept_note"} {
		if c := byID(id); hasAttr(c, "aria-invalid") || text(c) == "typed note" {
			t.Errorf("%s carries the reject form's input or errors", id)
		}
	}
	wantLabelled(t, doc)
}

// A refusal of the whole action is shown at the top, not as a field error.
func TestWholeActionRefusalIsShownAtTheTop(t *testing.T) {
	t.Parallel()
	v := detail(marketer, lead(leads.HandedOff), DetailInput{Posted: ActAccept,
		Errors: map[string]string{"": "Only the assigned rep or a sales manager can work this lead."}})
	if v.Refusal == "" || len(v.Errors) != 0 {
		t.Fatalf("refusal %q, errors %v", v.Refusal, v.Errors)
	}
	alerts := all(render(t, v), func(n *html.Node) bool { return attr(n, "role") == "alert" })
	if len(alerts) != 1 || !strings.Contains(text(alerts[0]), "Only the assigned rep") {
		t.Errorf("want the refusal in one alert, got %d", len(alerts))
	}
}

// The sub-navigation offers "My queue" exactly when the view model says so.
func TestQueueLinkFollowsShowQueue(t *testing.T) {
	t.Parallel()
	for _, show := range []bool{true, false} {
		v := detail(rep, lead(leads.HandedOff), DetailInput{ShowQueue: show})
		links := all(render(t, v), func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/leads/queue" })
		if got := len(links) > 0; got != show {
			t.Errorf("ShowQueue %v: queue link shown %v", show, got)
		}
	}
}

func TestMoneyKeepsTheCents(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    float64
		want string
	}{{12500, "12,500"}, {12500.5, "12,500.50"}, {0.01, "0.01"}, {1234567.89, "1,234,567.89"}} {
		t.Run(tc.want, func(t *testing.T) {
			if got := money("", &tc.v); got != tc.want {
				t.Errorf("money(%v) = %q, want %q", tc.v, got, tc.want)
			}
		})
	}
	if got := money("EUR", &[]float64{12500.5}[0]); got != "EUR 12,500.50" {
		t.Errorf("with a currency: %q", got)
	}
	if got := money("EUR", nil); got != "—" {
		t.Errorf("no value: %q", got)
	}
}

// Handing off may leave the rep open; assigning may not, so its select
// starts on a "Choose a rep" that the required check refuses, never on
// "Leave for a sales manager".
func TestAssignSelectAsksForARep(t *testing.T) {
	t.Parallel()
	doc := render(t, detail(salesManager, lead(leads.HandedOff), DetailInput{}))
	sel := all(doc, func(n *html.Node) bool { return n.Data == "select" && attr(n, "id") == "f-assign_owner" })
	if len(sel) != 1 {
		t.Fatal("no assign select")
	}
	opts := all(sel[0], tag("option"))
	if len(opts) != 2 || text(opts[0]) != "Choose a rep" || attr(opts[0], "value") != "" || text(opts[1]) != rep.Name {
		t.Errorf("assign options %q", func() (out []string) {
			for _, o := range opts {
				out = append(out, text(o))
			}
			return
		}())
	}
	if !hasAttr(sel[0], "required") {
		t.Error("the assign select is not required")
	}
}
