// Package htmltest parses rendered HTML in tests and checks its structure
// as assistive technology meets it: every control labelled in its own
// form, ids unique, errors tied to their fields, summaries announced, table
// headers scoped. Page and component tests use it instead of looking for
// substrings.
package htmltest

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Parse parses a page or a fragment.
func Parse(t testing.TB, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// Attr is n's attribute key, "" when absent.
func Attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// HasAttr reports whether n carries the attribute key.
func HasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// Text is the text of n and everything inside it, white space folded.
func Text(n *html.Node) string {
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

// All returns the elements under n, in document order, that match.
func All(n *html.Node, match func(*html.Node) bool) []*html.Node {
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

// Tag matches elements by tag name.
func Tag(name string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == name }
}

// ByID finds the element with id, nil when there is none.
func ByID(n *html.Node, id string) *html.Node {
	if found := All(n, func(n *html.Node) bool { return Attr(n, "id") == id }); len(found) > 0 {
		return found[0]
	}
	return nil
}

// Control is one form control as assistive technology sees it.
type Control struct {
	Tag, ID, Name string
	Attrs         map[string]string
	Form          *html.Node // the enclosing form, nil outside one
	// Described is the text of the elements its aria-describedby names.
	Described string
}

func (c Control) String() string { return c.Tag + `[name="` + c.Name + `"]#` + c.ID }

// Forms checks every form control of body: ids unique on the page; every
// visible control has exactly one label, in its own form (or an
// aria-labelledby naming elements that exist); every id aria-describedby
// names exists; no label points nowhere. It returns the controls by id.
func Forms(t testing.TB, what, body string) map[string]Control {
	t.Helper()
	doc := Parse(t, body)
	ids := map[string]int{}
	text := map[string]string{}
	labels := map[string][]*html.Node{} // for= id → the labels' enclosing forms
	var controls []Control
	var walk func(n, form *html.Node)
	walk = func(n, form *html.Node) {
		if n.Type == html.ElementNode {
			if id := Attr(n, "id"); id != "" {
				ids[id]++
				text[id] = Text(n)
			}
			switch n.Data {
			case "form":
				form = n
			case "label":
				if HasAttr(n, "for") {
					labels[Attr(n, "for")] = append(labels[Attr(n, "for")], form)
				}
			case "input", "select", "textarea":
				switch Attr(n, "type") {
				case "hidden", "submit", "button", "reset", "image":
				default:
					attrs := map[string]string{}
					for _, a := range n.Attr {
						attrs[a.Key] = a.Val
					}
					controls = append(controls, Control{Tag: n.Data, ID: attrs["id"], Name: attrs["name"], Attrs: attrs, Form: form})
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, form)
		}
	}
	walk(doc, nil)
	for id, n := range ids {
		if n > 1 {
			t.Errorf("%s: id %q is on %d elements", what, id, n)
		}
	}
	byID := map[string]Control{}
	for _, c := range controls {
		if c.ID == "" {
			t.Errorf("%s: %s has no id, so no label can point to it", what, c)
			continue
		}
		if ref, ok := c.Attrs["aria-labelledby"]; ok {
			for _, id := range strings.Fields(ref) {
				if ids[id] == 0 {
					t.Errorf("%s: %s is labelled by %q, which is not on the page", what, c, id)
				}
			}
		} else if forms := labels[c.ID]; len(forms) != 1 {
			t.Errorf("%s: %s has %d labels, want 1", what, c, len(forms))
		} else if forms[0] != c.Form {
			t.Errorf("%s: the label of %s is in another form", what, c)
		}
		var described []string
		for _, id := range strings.Fields(c.Attrs["aria-describedby"]) {
			if ids[id] == 0 {
				t.Errorf("%s: %s is described by %q, which is not on the page", what, c, id)
			}
			described = append(described, text[id])
		}
		c.Described = strings.Join(described, " ")
		byID[c.ID] = c
	}
	for id := range labels {
		if ids[id] == 0 {
			t.Errorf("%s: a label points to id %q, which is not on the page", what, id)
		}
	}
	return byID
}

// FieldErrors fails unless exactly the controls in invalid (id → message)
// are marked aria-invalid, each described by its message.
func FieldErrors(t testing.TB, what string, controls map[string]Control, invalid map[string]string) {
	t.Helper()
	for id, c := range controls {
		msg, want := invalid[id]
		got := c.Attrs["aria-invalid"] == "true"
		switch {
		case want && !got:
			t.Errorf("%s: %s is not marked invalid", what, c)
		case !want && got:
			t.Errorf("%s: %s is marked invalid, but its form was not the one refused", what, c)
		case want && !strings.Contains(c.Described, msg):
			t.Errorf("%s: %s is described by %q, want the message %q", what, c, c.Described, msg)
		}
	}
	for id := range invalid {
		if _, ok := controls[id]; !ok {
			t.Errorf("%s: no control with id %q", what, id)
		}
	}
}

// ErrorSummary fails unless body has one announced summary (role="alert")
// that lists every message; it returns the summary's items.
func ErrorSummary(t testing.TB, what, body string, messages ...string) []string {
	t.Helper()
	alerts := All(Parse(t, body), func(n *html.Node) bool { return Attr(n, "role") == "alert" })
	if len(alerts) != 1 {
		t.Fatalf("%s: %d elements with role=alert, want one error summary", what, len(alerts))
	}
	var items []string
	for _, li := range All(alerts[0], Tag("li")) {
		items = append(items, Text(li))
	}
	for _, m := range messages {
		found := false
		for _, it := range items {
			found = found || strings.Contains(it, m)
		}
		if !found {
			t.Errorf("%s: the error summary %q does not list %q", what, items, m)
		}
	}
	return items
}

// TableHeaders fails unless body has a table whose every header cell has
// a scope, and returns the column headers' texts of each table.
func TableHeaders(t testing.TB, what, body string) [][]string {
	t.Helper()
	tables := All(Parse(t, body), Tag("table"))
	if len(tables) == 0 {
		t.Fatalf("%s: no table", what)
	}
	var out [][]string
	for _, tb := range tables {
		var cols []string
		for _, th := range All(tb, Tag("th")) {
			switch Attr(th, "scope") {
			case "col":
				cols = append(cols, Text(th))
			case "row", "colgroup", "rowgroup":
			default:
				t.Errorf("%s: header %q has no scope", what, Text(th))
			}
		}
		out = append(out, cols)
	}
	return out
}
