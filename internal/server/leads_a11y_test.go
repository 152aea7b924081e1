package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"tandem/internal/leads"
)

// control is one form control of a page, as assistive technology sees it.
type control struct {
	tag, id, name string
	attrs         map[string]string
	form          *html.Node // the enclosing form, nil outside one
}

func (c control) String() string { return c.tag + `[name="` + c.name + `"]#` + c.id }

// pageForms is what wantAccessibleForms checks on one page.
type pageForms struct {
	ids      map[string]int          // element id → how many elements carry it
	labels   map[string][]*html.Node // for= id → the labels' enclosing forms
	controls []control
	text     map[string]string // element id → its text
}

func parseForms(t *testing.T, body string) pageForms {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	p := pageForms{ids: map[string]int{}, labels: map[string][]*html.Node{}, text: map[string]string{}}
	var walk func(n *html.Node, form *html.Node)
	walk = func(n *html.Node, form *html.Node) {
		if n.Type == html.ElementNode {
			attrs := map[string]string{}
			for _, a := range n.Attr {
				attrs[a.Key] = a.Val
			}
			if id, ok := attrs["id"]; ok {
				p.ids[id]++
				p.text[id] = strings.TrimSpace(textOf(n))
			}
			switch n.Data {
			case "form":
				form = n
			case "label":
				if f, ok := attrs["for"]; ok {
					p.labels[f] = append(p.labels[f], form)
				}
			case "input", "select", "textarea":
				switch attrs["type"] {
				case "hidden", "submit", "button", "reset", "image":
				default:
					p.controls = append(p.controls, control{tag: n.Data, id: attrs["id"], name: attrs["name"], attrs: attrs, form: form})
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, form)
		}
	}
	walk(doc, nil)
	return p
}

func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c))
	}
	return b.String()
}

// wantAccessibleForms fails unless every element id on the page is unique
// and every visible form control has exactly one label, in its own form
// (or an aria-labelledby naming elements that exist), and every id that
// aria-describedby names exists. It returns the page's controls by id.
func wantAccessibleForms(t *testing.T, what, body string) map[string]control {
	t.Helper()
	p := parseForms(t, body)
	for id, n := range p.ids {
		if n > 1 {
			t.Errorf("%s: id %q is on %d elements", what, id, n)
		}
	}
	byID := map[string]control{}
	for _, c := range p.controls {
		byID[c.id] = c
		if c.id == "" {
			t.Errorf("%s: %s has no id, so no label can point to it", what, c)
			continue
		}
		if ref, ok := c.attrs["aria-labelledby"]; ok {
			for _, id := range strings.Fields(ref) {
				if p.ids[id] == 0 {
					t.Errorf("%s: %s is labelled by %q, which is not on the page", what, c, id)
				}
			}
		} else if forms := p.labels[c.id]; len(forms) != 1 {
			t.Errorf("%s: %s has %d labels, want 1", what, c, len(forms))
		} else if forms[0] != c.form {
			t.Errorf("%s: the label of %s is in another form", what, c)
		}
		for _, id := range strings.Fields(c.attrs["aria-describedby"]) {
			if p.ids[id] == 0 {
				t.Errorf("%s: %s is described by %q, which is not on the page", what, c, id)
			}
		}
	}
	for id := range p.labels {
		if p.ids[id] == 0 {
			t.Errorf("%s: a label points to id %q, which is not on the page", what, id)
		}
	}
	// Keep the error texts for wantFieldError.
	for id, c := range byID {
		c.attrs["described-text"] = ""
		for _, d := range strings.Fields(c.attrs["aria-describedby"]) {
			c.attrs["described-text"] += p.text[d] + " "
		}
		byID[id] = c
	}
	return byID
}

// wantFieldError fails unless the control with id is marked invalid and
// described by msg, and no control of the page other than those in
// invalid is marked invalid.
func wantFieldErrors(t *testing.T, what string, controls map[string]control, invalid map[string]string) {
	t.Helper()
	for id, c := range controls {
		msg, want := invalid[id]
		got := c.attrs["aria-invalid"] == "true"
		switch {
		case want && !got:
			t.Errorf("%s: %s is not marked invalid", what, c)
		case !want && got:
			t.Errorf("%s: %s is marked invalid, but its form was not the one refused", what, c)
		case want && !strings.Contains(c.attrs["described-text"], msg):
			t.Errorf("%s: %s is described by %q, want the message %q", what, c, c.attrs["described-text"], msg)
		}
	}
	for id := range invalid {
		if _, ok := controls[id]; !ok {
			t.Errorf("%s: no control with id %q", what, id)
		}
	}
}

// The lead page in every stage, as an admin (who sees every form: the
// marketing moves, the sales moves, touch, assign, comment), has unique ids
// and one label per control. QA found f-rating twice and f-note three
// times on a handed-off lead: the Reject card's "Lead quality" label
// focused the Accept card's select.
func TestLeadPageFormsAreLabelledInEveryStage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	want := map[leads.Stage][]string{ // control ids that must be on the page
		leads.New:         {"f-comment"},
		leads.MQL:         {"f-handoff_owner", "f-handoff_note", "f-comment"},
		leads.HandedOff:   {"f-accept_rating", "f-accept_note", "f-reject_reason", "f-reject_rating", "f-reject_note", "f-touch_kind", "f-touch_note", "f-assign_owner"},
		leads.Accepted:    {"f-lost", "f-touch_kind", "f-touch_note", "f-assign_owner"},
		leads.Opportunity: {"f-value", "f-lost", "f-touch_kind", "f-assign_owner"},
		leads.Rejected:    {"f-comment"},
		leads.Recycled:    {"f-comment"},
		leads.Won:         {"f-comment"},
		leads.Lost:        {"f-comment"},
	}
	for _, st := range leads.Stages {
		id := e.count(`SELECT coalesce(min(id), 0) FROM leads WHERE stage = $1`, st)
		if id == 0 {
			t.Errorf("the demo company has no %s lead", st)
			continue
		}
		path := leadPath(id, "")
		res := admin.get(path)
		wantStatus(t, res, http.StatusOK)
		controls := wantAccessibleForms(t, string(st)+" lead "+path, res.Body)
		for _, cid := range want[st] {
			if _, ok := controls[cid]; !ok {
				t.Errorf("%s lead %s: no control %s", st, path, cid)
			}
		}
		edit := admin.get(path + "/edit")
		wantStatus(t, edit, http.StatusOK)
		wantAccessibleForms(t, string(st)+" lead edit form", edit.Body)
	}
	wantAccessibleForms(t, "new lead form", admin.get("/leads/new").Body)
}

// A refused form's messages are tied to its own controls: the Reject
// card's rating error marks the Reject card's select, not the Accept
// card's, and every problem of the form is shown at once.
func TestRefusedLeadFormsMarkTheirOwnFields(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	manager := e.client()
	manager.login("sales.manager@example.com")
	handed := e.count(`SELECT min(id) FROM leads WHERE stage = 'handed_off'`)
	opportunity := e.count(`SELECT min(id) FROM leads WHERE stage = 'opportunity'`)
	accepted := e.count(`SELECT min(id) FROM leads WHERE stage = 'accepted'`)
	version := func(id int) string { return e.leadVersion(strconv.Itoa(id)) }
	manager.get(leadPath(handed, ""))

	for _, tc := range []struct {
		what    string
		lead    int
		action  string
		form    url.Values
		invalid map[string]string
	}{
		{"reject: Other, no note, rating 9", handed, "/reject", url.Values{"reason": {"other"}, "rating": {"9"}, "note": {" "}},
			map[string]string{"f-reject_rating": "Rate the lead's quality", "f-reject_note": "Say why"}},
		{"reject: nothing chosen", handed, "/reject", url.Values{},
			map[string]string{"f-reject_reason": "Choose a rejection reason.", "f-reject_rating": "Rate the lead's quality"}},
		{"accept: no rating", handed, "/accept", url.Values{"note": {"keen"}},
			map[string]string{"f-accept_rating": "Rate the lead's quality"}},
		{"touch: unknown kind", handed, "/touch", url.Values{"kind": {"fax"}, "note": {"sent a fax"}},
			map[string]string{"f-touch_kind": "Choose how you followed up"}},
		{"assign: no rep", handed, "/assign", url.Values{"owner": {""}},
			map[string]string{"f-assign_owner": "Choose a rep."}},
		{"assign: not a rep", handed, "/assign", url.Values{"owner": {e.idOf("marketer@example.com")}},
			map[string]string{"f-assign_owner": "Choose an active sales rep."}},
		{"won: no value", opportunity, "/win", url.Values{"value": {"lots"}},
			map[string]string{"f-value": "Enter the won deal's value"}},
		{"lost: no reason", accepted, "/lose", url.Values{"lost": {" "}},
			map[string]string{"f-lost": "Say why the deal was lost."}},
		{"comment: empty", accepted, "/comments", url.Values{"comment": {" "}},
			map[string]string{"f-comment": "Write a comment first."}},
	} {
		if tc.action != "/touch" && tc.action != "/comments" {
			tc.form.Set("version", version(tc.lead))
		}
		res := manager.post(leadPath(tc.lead, tc.action), tc.form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.what, res.StatusCode)
			continue
		}
		controls := wantAccessibleForms(t, tc.what, res.Body)
		wantFieldErrors(t, tc.what, controls, tc.invalid)
		// What was typed is shown back in the refused form.
		for k, v := range tc.form {
			if k != "version" && k != "to" && strings.TrimSpace(v[0]) != "" && !strings.Contains(res.Body, html.EscapeString(v[0])) &&
				!slices.Contains([]string{"owner", "rating", "kind"}, k) {
				t.Errorf("%s: the typed %s %q is not shown back", tc.what, k, v[0])
			}
		}
	}

	// The marketer's handoff: no note and a user who is no rep, both at once.
	marketer := e.client()
	marketer.login("marketer@example.com")
	mql := e.count(`SELECT min(id) FROM leads WHERE stage = 'mql'`)
	marketer.get(leadPath(mql, ""))
	res := marketer.post(leadPath(mql, "/hand-off"), url.Values{"owner": {e.idOf("agent@example.com")},
		"note": {""}, "version": {version(mql)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantFieldErrors(t, "handoff: no note, not a rep", wantAccessibleForms(t, "handoff", res.Body),
		map[string]string{"f-handoff_note": "Write a handoff note", "f-handoff_owner": "Choose an active sales rep."})
}
