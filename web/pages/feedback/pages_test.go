package feedback

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"golang.org/x/net/html"

	"tandem/internal/feedback"
	"tandem/internal/users"
	"tandem/web/components"
)

// page is a rendered page, parsed.
type page struct {
	doc *html.Node
}

func render(t *testing.T, c templ.Component) page {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return page{doc}
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

// all lists the elements for which keep is true, in document order.
func (p page) all(keep func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && keep(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(p.doc)
	return out
}

func tag(name string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == name }
}

func text(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(text(c))
	}
	return b.String()
}

// wantLabelledControls fails unless ids are unique and every control a
// person fills in has an id with exactly one <label for> naming it;
// invalid ones are described by their error. It returns the controls by
// name (the first of a radio group).
func wantLabelledControls(t *testing.T, p page) map[string]*html.Node {
	t.Helper()
	ids := map[string]*html.Node{}
	for _, n := range p.all(func(n *html.Node) bool { _, ok := attr(n, "id"); return ok }) {
		id, _ := attr(n, "id")
		if ids[id] != nil {
			t.Errorf("id %q is on more than one element", id)
		}
		ids[id] = n
	}
	labels := map[string]int{}
	for _, l := range p.all(tag("label")) {
		if f, ok := attr(l, "for"); ok {
			labels[f]++
			if ids[f] == nil {
				t.Errorf("label %q points to id %q, which is not on the page", strings.TrimSpace(text(l)), f)
			}
		}
	}
	controls := map[string]*html.Node{}
	for _, c := range p.all(func(n *html.Node) bool {
		switch n.Data {
		case "select", "textarea":
			return true
		case "input":
			typ, _ := attr(n, "type")
			return typ != "hidden" && typ != "submit"
		}
		return false
	}) {
		name, _ := attr(c, "name")
		id, _ := attr(c, "id")
		if controls[name] == nil {
			controls[name] = c
		}
		if id == "" {
			t.Errorf("%s[name=%q] has no id, so no label can point to it", c.Data, name)
			continue
		}
		if labels[id] != 1 {
			t.Errorf("%s#%s has %d labels, want 1", c.Data, id, labels[id])
		}
		if v, _ := attr(c, "aria-invalid"); v == "true" {
			// A radio button is described with its group, by the fieldset.
			d, _ := attr(c, "aria-describedby")
			for up := c.Parent; d == "" && up != nil; up = up.Parent {
				if up.Data == "fieldset" {
					d, _ = attr(up, "aria-describedby")
				}
			}
			described := false
			for _, ref := range strings.Fields(d) {
				if n := ids[ref]; n != nil && strings.TrimSpace(text(n)) != "" {
					described = true
				}
			}
			if !described {
				t.Errorf("%s#%s is invalid but not described by a message", c.Data, id)
			}
		}
	}
	return controls
}

// wantErrorSummary fails unless the page has one alert listing msgs.
func wantErrorSummary(t *testing.T, p page, msgs ...string) {
	t.Helper()
	alerts := p.all(func(n *html.Node) bool { r, _ := attr(n, "role"); return r == "alert" })
	if len(alerts) != 1 {
		t.Fatalf("%d elements with role=alert, want 1 error summary", len(alerts))
	}
	for _, m := range msgs {
		if !strings.Contains(text(alerts[0]), m) {
			t.Errorf("error summary %q lacks %q", text(alerts[0]), m)
		}
	}
}

var (
	cet  = time.FixedZone("CET", 3600)
	now  = time.Date(2026, 11, 2, 14, 5, 0, 0, cet)
	view = components.Page{Title: "t", User: &components.User{Name: "Mia Novak", Location: cet}, CSRF: "tok"}
)

func ptr[T any](v T) *T { return &v }

func item() feedback.Item {
	return feedback.Item{ID: 42, ReporterID: 7, ReporterName: "Ana Agent", ReporterTeam: users.Service,
		Customer: "Zebra Logistics", Product: "FleetLink", ThemeName: "Onboarding", Sentiment: feedback.Negative,
		ChainLink: feedback.Promise, CustomerWords: "The flyer promised zebra stripes.", Status: feedback.Acknowledged,
		StatusAt: now, OwnerID: ptr(int64(9)), OwnerName: "Mia Novak", Response: "Looking into it.",
		RespondedAt: ptr(now), AcknowledgedAt: ptr(now), AckDueAt: now.Add(48 * time.Hour),
		Rating: ptr(int16(4)), RatedAt: ptr(now), CreatedAt: now.Add(-time.Hour), Version: 3, Heard: 1, Customers: 2}
}

func TestItemPageFormsAreLabelled(t *testing.T) {
	heard := []feedback.Heard{{ID: 1, UserID: 8, UserName: "Rob Rep", UserTeam: users.Sales, Customer: "Okapi Freight", CreatedAt: now}}
	events := []feedback.Event{
		{At: now.Add(-time.Hour), ActorName: "Ana Agent", Kind: feedback.EventCreated},
		{At: now, ActorName: "Mia Novak", Kind: feedback.EventStatus, FromStatus: ptr(feedback.New),
			ToStatus: ptr(feedback.Acknowledged), Response: "Looking into it."},
		{At: now, Kind: feedback.EventMergedFrom, OtherItemID: ptr(int64(41))},
	}
	merged := []feedback.MergedItem{{ID: 41, Customer: "Quagga Foods", CustomerWords: "Same flyer.", ReporterName: "Rob Rep", MergedAt: now}}
	owners := []feedback.Person{{ID: 9, Name: "Mia Novak"}, {ID: 10, Name: "Max Marketer"}}
	marketer := users.User{ID: 9, Team: users.Marketing, Role: users.Member, Active: true}

	v := ItemOf(view, item(), heard, events, merged, owners, marketer, now).WithForm(ItemForm{}, nil)
	if !v.CanTriage || len(v.NextStatuses) == 0 || v.Form.Owner != "9" || v.Form.Rating != "4" {
		t.Errorf("triager's view: can triage %v, %d moves, owner %q, rating %q", v.CanTriage, len(v.NextStatuses), v.Form.Owner, v.Form.Rating)
	}
	if got := strings.Join(v.Customers, ", "); got != "Zebra Logistics, Okapi Freight" {
		t.Errorf("customers %q", got)
	}
	for i, want := range []string{"Ana Agent logged it.", "Mia Novak moved it from New to Acknowledged and responded:",
		"Someone merged the duplicate #41 into it."} {
		if v.History[i].Text != want {
			t.Errorf("history %d: %q, want %q", i, v.History[i].Text, want)
		}
	}
	p := render(t, ItemPage(v))
	controls := wantLabelledControls(t, p)
	for _, name := range []string{"status", "response", "owner", "into_q", "customer", "note"} { // into_q: the merge picker's search
		if controls[name] == nil {
			t.Errorf("the triager's item page has no %q control", name)
		}
	}
	if n := len(p.all(func(n *html.Node) bool { r, _ := attr(n, "role"); return r == "alert" })); n != 0 {
		t.Errorf("%d alerts on a page without errors", n)
	}

	// A refused +1 comes back with its message next to the field and in
	// the summary.
	refused := ItemOf(view, item(), heard, events, merged, owners, marketer, now).
		WithForm(ItemForm{Customer: "typed"}, map[string]string{"heard": feedback.ErrHeardBefore.Message})
	p = render(t, ItemPage(refused))
	wantLabelledControls(t, p)
	wantErrorSummary(t, p, "You added your +1 to this item already.")

	// The reporter, outside triage, sees no triage forms.
	agent := users.User{ID: 7, Team: users.Service, Role: users.Member, Active: true}
	v = ItemOf(view, item(), heard, events, merged, nil, agent, now).WithForm(ItemForm{}, nil)
	if v.CanTriage || v.Owners != nil || v.NextStatuses != nil || !v.IsReporter {
		t.Errorf("reporter's view: %+v", v)
	}
	controls = wantLabelledControls(t, render(t, ItemPage(v)))
	if controls["status"] != nil || controls["into"] != nil {
		t.Error("the reporter sees triage forms")
	}
}

func TestNewFormIsLabelledAndExplainsRefusals(t *testing.T) {
	themes := []feedback.Theme{{ID: 1, Name: "Onboarding", Description: "First weeks", Active: true},
		{ID: 2, Name: "Retired one", Active: false}}
	in := feedback.Input{Customer: "Zebra Logistics", Words: ""}
	errs := map[string]string{"words": "Write down what the customer said, in their own words.",
		"chain_link": "Choose the link of the chain: promise, expectation or experience."}
	v := NewOf(view, in, themes, []string{"FleetLink"}, errs)
	if len(v.Themes) != 2 || v.Themes[1].Label != "Onboarding" {
		t.Errorf("themes offered: %+v (retired ones must not be)", v.Themes)
	}
	p := render(t, NewPage(v))
	controls := wantLabelledControls(t, p)
	for _, name := range []string{"customer", "lead", "campaign", "product", "theme", "sentiment", "chain_link", "words", "note"} {
		if controls[name] == nil {
			t.Errorf("no %q control", name)
		}
	}
	if v, _ := attr(controls["customer"], "value"); v != "Zebra Logistics" {
		t.Errorf("customer as typed is lost: %q", v)
	}
	if v, _ := attr(controls["words"], "aria-invalid"); v != "true" {
		t.Error("the refused words are not marked invalid")
	}
	wantErrorSummary(t, p, errs["words"], errs["chain_link"])
}

func TestTrendsTablesHaveScopedHeaders(t *testing.T) {
	months := feedback.MonthStarts(now, feedback.TrendMonths, cet)
	counts := make([]int, feedback.TrendMonths)
	counts[0], counts[11] = 2, 5
	tr := feedback.Trends{Months: months[:feedback.TrendMonths], Max: 5,
		Themes: []feedback.ThemeTrend{{ThemeID: 3, Theme: "Onboarding", Counts: counts, Total: 7}},
		Links: []feedback.LinkSplit{{Link: feedback.Promise, Negative: 1, Neutral: 1, Positive: 1},
			{Link: feedback.Expectation, Negative: 3, Positive: 1}, {Link: feedback.Experience}}}
	v := TrendsOf(view, tr, cet)
	if v.Total != 7 || v.Period != "December 2025 to November 2026" {
		t.Errorf("total %d, period %q", v.Total, v.Period)
	}
	if want := "Customers are let down most at the expectation link (what sales set up): 75 % of its feedback is negative."; v.Summary != want {
		t.Errorf("summary %q, want %q", v.Summary, want)
	}
	if v.Links[0].NegShare != "33 %" || v.Links[2].NegShare != "—" {
		t.Errorf("shares %q, %q", v.Links[0].NegShare, v.Links[2].NegShare)
	}
	if c := v.Themes[0].Cells[11]; c.URL != "/feedback?from=2026-11-01&theme=3&to=2026-11-30" {
		t.Errorf("November's cell links to %q", c.URL)
	}
	if b := v.Themes[0].Chart.Bars[11]; b.H != 64 || b.Title != "Onboarding: 5 in November 2026" {
		t.Errorf("November's bar %+v", b)
	}

	p := render(t, TrendsPage(v))
	tables := p.all(tag("table"))
	if len(tables) != 2 {
		t.Fatalf("%d tables, want the chain and the themes", len(tables))
	}
	for _, table := range tables {
		sub := page{table}
		if len(sub.all(tag("caption"))) != 1 {
			t.Error("a table without a caption")
		}
		for _, th := range sub.all(tag("th")) {
			scope, _ := attr(th, "scope")
			inHead := th.Parent != nil && th.Parent.Parent != nil && th.Parent.Parent.Data == "thead"
			switch {
			case inHead && scope != "col":
				t.Errorf("column header %q has scope %q", strings.TrimSpace(text(th)), scope)
			case !inHead && scope != "row":
				t.Errorf("row header %q has scope %q", strings.TrimSpace(text(th)), scope)
			}
		}
	}
	for _, svg := range p.all(tag("svg")) {
		if r, _ := attr(svg, "role"); r != "img" {
			continue
		}
		ref, _ := attr(svg, "aria-labelledby")
		if len((page{svg}).all(func(n *html.Node) bool { id, _ := attr(n, "id"); return n.Data == "title" && id == ref })) != 1 {
			t.Errorf("chart labelled by %q has no such title", ref)
		}
	}
}

func TestEmptyTrendsSayNothingYet(t *testing.T) {
	months := feedback.MonthStarts(now, feedback.TrendMonths, cet)
	v := TrendsOf(view, feedback.Trends{Months: months[:feedback.TrendMonths],
		Links: []feedback.LinkSplit{{Link: feedback.Promise}, {Link: feedback.Expectation}, {Link: feedback.Experience}}}, cet)
	if v.Total != 0 || v.Summary != "" || len(v.Chain.Bars) != 0 {
		t.Errorf("empty trends: %+v", v)
	}
}
