package components

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"golang.org/x/net/html"

	"tandem/internal/htmltest"
)

func render(t *testing.T, c templ.Component) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// inForm renders the components inside one form, as pages use them.
func inForm(cs ...templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if _, err := w.Write([]byte(`<form method="post" action="/x">`)); err != nil {
			return err
		}
		for _, c := range cs {
			if err := c.Render(ctx, w); err != nil {
				return err
			}
		}
		_, err := w.Write([]byte(`</form>`))
		return err
	})
}

func TestFieldsAreLabelledAndCarryTheirErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fields  []templ.Component
		invalid map[string]string
	}{
		{"valid input with a hint", []templ.Component{Input(Field{Name: "email", Label: "Email", Type: "email", Hint: "Work address"})}, nil},
		{"input refused", []templ.Component{Input(Field{Name: "email", Label: "Email", Value: "nope", Error: "Enter an email like name@example.com."})},
			map[string]string{"f-email": "Enter an email like name@example.com."}},
		{"textarea refused with a hint", []templ.Component{TextArea(Field{Name: "note", Label: "Note", Hint: "Why", Error: "Say why."})},
			map[string]string{"f-note": "Say why."}},
		{"select refused", []templ.Component{Select(Field{Name: "team", Label: "Team", Error: "Pick a team."}, []Option{{"sales", "Sales"}, {"service", "Service"}})},
			map[string]string{"f-team": "Pick a team."}},
		{"two forms' fields of one name stay apart", []templ.Component{
			TextArea(Field{Name: "note", ID: "accept-note", Label: "Note"}),
			TextArea(Field{Name: "note", ID: "reject-note", Label: "Why not", Error: "Say why."}),
		}, map[string]string{"f-reject-note": "Say why."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := render(t, inForm(tc.fields...))
			controls := htmltest.Forms(t, tc.name, body)
			if len(controls) != len(tc.fields) {
				t.Fatalf("%d labelled controls, want %d:\n%s", len(controls), len(tc.fields), body)
			}
			htmltest.FieldErrors(t, tc.name, controls, tc.invalid)
		})
	}
}

func TestSelectKeepsTheChosenOption(t *testing.T) {
	body := render(t, Select(Field{Name: "team", Label: "Team", Value: "service"}, []Option{{"sales", "Sales"}, {"service", "Service"}}))
	selected := htmltest.All(htmltest.Parse(t, body), func(n *html.Node) bool { return n.Data == "option" && htmltest.HasAttr(n, "selected") })
	if len(selected) != 1 || htmltest.Attr(selected[0], "value") != "service" {
		t.Fatalf("selected options %v, want only service:\n%s", selected, body)
	}
}

func TestErrorSummaryIsAnnouncedAndListsEveryProblem(t *testing.T) {
	body := render(t, ErrorSummary(map[string]string{"rating": "Pick a rating from 1 to 5.", "": "The lead was accepted meanwhile."}))
	items := htmltest.ErrorSummary(t, "summary", body, "Pick a rating from 1 to 5.", "The lead was accepted meanwhile.")
	if len(items) != 2 {
		t.Errorf("summary items %q, want 2", items)
	}
	if got := render(t, ErrorSummary(nil)); strings.TrimSpace(got) != "" {
		t.Errorf("an empty summary renders %q, want nothing", got)
	}
}

func TestPagerLinksAreNamedAndRelated(t *testing.T) {
	for _, tc := range []struct {
		name, prev, next string
		rels             []string
	}{
		{"first page", "", "/leads?page=2", []string{"next"}},
		{"middle", "/leads?page=1", "/leads?page=3", []string{"prev", "next"}},
		{"last page", "/leads?page=2", "", []string{"prev"}},
		{"only page", "", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := htmltest.Parse(t, render(t, Pager(tc.prev, tc.next)))
			navs := htmltest.All(doc, htmltest.Tag("nav"))
			if tc.rels == nil {
				if len(navs) != 0 {
					t.Fatalf("a single page renders a pager")
				}
				return
			}
			if len(navs) != 1 || htmltest.Attr(navs[0], "aria-label") == "" {
				t.Fatalf("want one named nav landmark, got %d", len(navs))
			}
			var rels []string
			for _, a := range htmltest.All(navs[0], htmltest.Tag("a")) {
				rels = append(rels, htmltest.Attr(a, "rel"))
			}
			if strings.Join(rels, ",") != strings.Join(tc.rels, ",") {
				t.Errorf("links rel=%v, want %v", rels, tc.rels)
			}
		})
	}
}

func TestLayoutLandmarks(t *testing.T) {
	p := Page{Title: "Leads", Nav: "leads", CSRF: "tok", User: &User{Name: "Riley Chen", Team: "Sales", Role: "Member"},
		Flash: &Flash{Kind: "success", Message: "Lead accepted."}}
	doc := htmltest.Parse(t, render(t, Layout(p)))
	if htmltest.Attr(htmltest.All(doc, htmltest.Tag("html"))[0], "lang") == "" {
		t.Error("the page has no language")
	}
	skip := htmltest.All(doc, func(n *html.Node) bool { return n.Data == "a" && htmltest.Attr(n, "class") == "skip-link" })
	if len(skip) != 1 || htmltest.ByID(doc, strings.TrimPrefix(htmltest.Attr(skip[0], "href"), "#")) == nil {
		t.Error("the skip link does not lead to an element of the page")
	}
	if mains := htmltest.All(doc, htmltest.Tag("main")); len(mains) != 1 {
		t.Errorf("%d main landmarks, want 1", len(mains))
	}
	current := htmltest.All(doc, func(n *html.Node) bool { return htmltest.Attr(n, "aria-current") == "page" })
	if len(current) != 1 || htmltest.Text(current[0]) != "Leads" {
		t.Errorf("aria-current marks %d links, want the Leads entry", len(current))
	}
	status := htmltest.All(doc, func(n *html.Node) bool { return htmltest.Attr(n, "role") == "status" })
	if len(status) != 1 || htmltest.Text(status[0]) != "Lead accepted." {
		t.Errorf("the flash is not announced as a status")
	}
	signOut := htmltest.All(doc, func(n *html.Node) bool { return n.Data == "form" && htmltest.Attr(n, "action") == "/logout" })
	if len(signOut) != 1 || htmltest.Attr(signOut[0], "method") != "post" {
		t.Fatal("sign-out is not a POST form")
	}
	tokens := htmltest.All(signOut[0], func(n *html.Node) bool { return htmltest.Attr(n, "name") == "csrf_token" })
	if len(tokens) != 1 || htmltest.Attr(tokens[0], "value") != "tok" {
		t.Error("the sign-out form carries no CSRF token")
	}
}

func TestRequiredFieldsSayTheyAreRequired(t *testing.T) {
	for _, tc := range []struct {
		name  string
		c     templ.Component
		label string
	}{
		{"required input", Input(Field{Name: "email", Label: "Email", Required: true}), "Email (required)"},
		{"optional input", Input(Field{Name: "phone", Label: "Phone"}), "Phone"},
		{"required select", Select(Field{Name: "team", Label: "Team", Required: true}, nil), "Team (required)"},
		{"required textarea", TextArea(Field{Name: "note", Label: "Note", Required: true}), "Note (required)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := htmltest.Parse(t, render(t, tc.c))
			labels := htmltest.All(doc, htmltest.Tag("label"))
			if len(labels) != 1 || htmltest.Text(labels[0]) != tc.label {
				t.Fatalf("label %q, want %q", htmltest.Text(labels[0]), tc.label)
			}
			controls := htmltest.All(doc, func(n *html.Node) bool { return n.Data == "input" || n.Data == "select" || n.Data == "textarea" })
			if got := htmltest.HasAttr(controls[0], "required"); got != strings.HasSuffix(tc.label, "(required)") {
				t.Errorf("required attribute %v for label %q", got, tc.label)
			}
		})
	}
}

func TestErrorSummaryFollowsTheFormsOrder(t *testing.T) {
	errs := map[string]string{"email": "Enter an email.", "name": "Enter a name.", "zeta": "Odd field.", "": "The form expired."}
	items := htmltest.ErrorSummary(t, "summary", render(t, ErrorSummary(errs, "name", "email")))
	want := []string{"The form expired.", "Enter a name.", "Enter an email.", "Odd field."}
	if strings.Join(items, "|") != strings.Join(want, "|") {
		t.Errorf("summary order %q, want %q", items, want)
	}
}
