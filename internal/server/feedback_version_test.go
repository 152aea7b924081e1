package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// A triage form without the version it was loaded at cannot be checked
// for a concurrent change: it is refused (422) and changes nothing.
func TestFeedbackWritesWithoutVersionAreRefused(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	agent := e.clientAs("agent@example.com")
	a := logFeedback(t, agent, feedbackForm(e))
	b := logFeedback(t, agent, feedbackForm(e, func(f url.Values) { f.Set("customer", "Quagga Foods") }))
	id := itemIDFrom(b)
	state := func() string {
		return strconv.Itoa(e.count(`SELECT version FROM feedback_items WHERE id = $1`, id)) + "/" +
			strconv.Itoa(e.count(`SELECT count(*) FROM feedback_events WHERE item_id = $1`, id)) + "/" +
			strconv.Itoa(e.count(`SELECT coalesce(merged_into, 0) FROM feedback_items WHERE id = $1`, id))
	}
	before := state()
	marketer := e.clientAs("marketer@example.com")
	marketer.get(b)
	owner := strconv.FormatInt(e.userID("marketer@example.com"), 10)
	for _, tc := range []struct {
		name, path string
		form       url.Values
	}{
		{"status", b + "/status", url.Values{"status": {"acknowledged"}, "response": {"Seen."}}},
		{"owner", b + "/owner", url.Values{"owner": {owner}}},
		{"merge", b + "/merge", url.Values{"into": {itemIDFrom(a)}, "confirm": {"yes"}}},
		{"malformed version", b + "/status", url.Values{"status": {"acknowledged"}, "response": {"Seen."}, "version": {"one"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := marketer.post(tc.path, tc.form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			if !strings.Contains(res.Body, "The form is missing its version") {
				t.Errorf("refusal does not explain itself:\n%s", res.Body)
			}
			if got := state(); got != before {
				t.Errorf("item changed: version/events/merged %s, was %s", got, before)
			}
		})
	}
}
