package leads

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"tandem/internal/refusal"
)

// Whether a move may be made does not depend on its input, and whether its
// input is complete does not depend on who makes it.
func TestMayMoveIgnoresInputAndValidateIgnoresTheUser(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		lead Lead
		to   Stage
		want refusal.Kind
	}{
		{"illegal move", Lead{Stage: New}, Won, refusal.Invalid},
		{"no move left", Lead{Stage: Won}, Lost, refusal.Invalid},
		{"marketing move by a rep", Lead{Stage: New}, MQL, refusal.Forbidden},
		{"another rep's lead", Lead{Stage: HandedOff, OwnerID: ptr(int64(99))}, Accepted, refusal.Forbidden},
		{"unassigned lead", Lead{Stage: HandedOff}, Rejected, refusal.Forbidden},
		{"own lead, empty form", Lead{Stage: HandedOff, OwnerID: ptr(int64(ownerID))}, Accepted, refusal.Unknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := refusal.KindOf(tc.lead.MayMove(tc.to, owner)); got != tc.want {
				t.Errorf("MayMove: %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMoveValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		move Move
		want map[string]string // field → a word of its message; nil: valid
	}{
		{"qualify needs nothing", Move{To: MQL}, nil},
		{"convert needs nothing", Move{To: Opportunity}, nil},
		{"hand-off without a note", Move{To: HandedOff, Note: " "}, map[string]string{"note": "handoff note"}},
		{"hand-off with an unreadable owner", Move{To: HandedOff, Note: "x", Unread: FieldErrors{"owner": NotARep}},
			map[string]string{"owner": NotARep}},
		{"accept without a rating", Move{To: Accepted}, map[string]string{"rating": ratingMessage}},
		{"reject: every problem at once", Move{To: Rejected, Reason: "made_up", Rating: 9},
			map[string]string{"reason": "rejection reason", "rating": ratingMessage}},
		{"reject: Other needs a note", Move{To: Rejected, Reason: "other", Rating: 2}, map[string]string{"note": "Other"}},
		{"win: the parser's message wins", Move{To: Won, Unread: FieldErrors{"value": "whole cents"}},
			map[string]string{"value": "whole cents"}},
		{"win with a value", Move{To: Won, Value: 12500.5}, nil},
		{"lose without a reason", Move{To: Lost, Lost: ""}, map[string]string{"lost": "lost"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.move.Validate()
			if tc.want == nil {
				if got != nil {
					t.Fatalf("refused: %v", got)
				}
				return
			}
			if len(got) != len(tc.want) {
				t.Fatalf("errors %v, want fields %v", got, tc.want)
			}
			for field, word := range tc.want {
				if got[field] == "" || !strings.Contains(got[field], word) {
					t.Errorf("%s: %q, want a message with %q", field, got[field], word)
				}
			}
		})
	}
}

func TestParseFilter(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, tc := range []struct {
		name  string
		query string
		bad   []string
		check func(Filter) bool
	}{
		{"empty", "", nil, func(f Filter) bool { return f == Filter{} }},
		{"mine", "owner=me", nil, func(f Filter) bool { return f.OwnerID == 5 }},
		{"unassigned", "owner=none", nil, func(f Filter) bool { return f.Unassigned }},
		{"a stage and a reason", "stage=rejected&reason=no_budget", nil, func(f Filter) bool { return f.Stage == Rejected && f.Reason == "no_budget" }},
		{"the to day is inclusive", "created_to=2026-03-01", nil,
			func(f Filter) bool { return f.CreatedTo.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, berlin)) }},
		{"everything wrong", "stage=x&owner=x&sla=x&campaign=-1&reason=x&sort=x&created_from=1.3.2026&handed_to=x", []string{
			"stage", "owner", "sla", "campaign", "reason", "sort", "created_from", "handed_to"}, func(f Filter) bool { return f.Sort == "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, _ := url.ParseQuery(tc.query)
			f, _, errs := ParseFilter(q, 5, berlin)
			if len(errs) != len(tc.bad) {
				t.Errorf("errors %v, want on %v", errs, tc.bad)
			}
			for _, k := range tc.bad {
				if errs[k] == "" {
					t.Errorf("no error on %s", k)
				}
			}
			if !tc.check(f) {
				t.Errorf("filter %+v", f)
			}
		})
	}
}
