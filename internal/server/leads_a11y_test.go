package server

import (
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tandem/internal/htmltest"
	"tandem/internal/leads"
)

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
		controls := htmltest.Forms(t, string(st)+" lead "+path, res.Body)
		for _, cid := range want[st] {
			if _, ok := controls[cid]; !ok {
				t.Errorf("%s lead %s: no control %s", st, path, cid)
			}
		}
		edit := admin.get(path + "/edit")
		wantStatus(t, edit, http.StatusOK)
		htmltest.Forms(t, string(st)+" lead edit form", edit.Body)
	}
	htmltest.Forms(t, "new lead form", admin.get("/leads/new").Body)
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
		controls := htmltest.Forms(t, tc.what, res.Body)
		htmltest.FieldErrors(t, tc.what, controls, tc.invalid)
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
	htmltest.FieldErrors(t, "handoff: no note, not a rep", htmltest.Forms(t, "handoff", res.Body),
		map[string]string{"f-handoff_note": "Write a handoff note", "f-handoff_owner": "Choose an active sales rep."})
}
