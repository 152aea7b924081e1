package leads

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"tandem/internal/refusal"
	"tandem/internal/sla"
	"tandem/internal/users"
)

const ownerID = 10

var (
	marketer         = users.User{ID: 1, Team: users.Marketing, Role: users.Member}
	marketingManager = users.User{ID: 2, Team: users.Marketing, Role: users.Manager}
	owner            = users.User{ID: ownerID, Team: users.Sales, Role: users.Member}
	otherRep         = users.User{ID: 11, Team: users.Sales, Role: users.Member}
	salesManager     = users.User{ID: 12, Team: users.Sales, Role: users.Manager}
	agent            = users.User{ID: 20, Team: users.Service, Role: users.Member}
	serviceManager   = users.User{ID: 21, Team: users.Service, Role: users.Manager}
	admin            = users.User{ID: 30, Team: users.Marketing, Role: users.Admin}
)

// legalMoves is the lifecycle of PRODUCT.md with who may make each move:
// "marketing" (marketing team and admins) or "sales" (the assigned rep, a
// sales manager, an admin).
var legalMoves = map[[2]Stage]string{
	{New, MQL}:              "marketing",
	{MQL, HandedOff}:        "marketing",
	{HandedOff, Accepted}:   "sales",
	{HandedOff, Rejected}:   "sales",
	{Accepted, Opportunity}: "sales",
	{Accepted, Lost}:        "sales", // an accepted lead that went cold
	{Opportunity, Won}:      "sales",
	{Opportunity, Lost}:     "sales",
	{Rejected, Recycled}:    "marketing",
	{Recycled, MQL}:         "marketing",
}

var mayMove = map[string][]users.User{
	"marketing": {marketer, marketingManager, admin},
	"sales":     {owner, salesManager, admin},
}

func complete(to Stage) Move {
	return Move{To: to, Rating: 4, Reason: "not_icp", Note: "note", Value: 1000, Lost: "price"}
}

// Every (from, to) pair for every persona: legal moves succeed for exactly
// the people allowed, everyone else is forbidden, and illegal moves are
// refused for everyone with a message.
func TestEveryTransitionForEveryRole(t *testing.T) {
	t.Parallel()
	personas := []users.User{marketer, marketingManager, owner, otherRep, salesManager, agent, serviceManager, admin}
	for _, from := range Stages {
		for _, to := range Stages {
			l := Lead{Stage: from, OwnerID: ptr(int64(ownerID))}
			group, legal := legalMoves[[2]Stage{from, to}]
			for _, who := range personas {
				err := l.Check(complete(to), who)
				var rule *refusal.Error
				switch {
				case !legal:
					if !errors.As(err, &rule) || rule.Kind == refusal.Forbidden || rule.Message == "" {
						t.Errorf("%s → %s by %s/%s: %v, want an illegal-move refusal", from, to, who.Team, who.Role, err)
					}
				case allowed(group, who):
					if err != nil {
						t.Errorf("%s → %s by %s/%s (id %d): %v, want allowed", from, to, who.Team, who.Role, who.ID, err)
					}
				default:
					if !errors.As(err, &rule) || rule.Kind != refusal.Forbidden {
						t.Errorf("%s → %s by %s/%s (id %d): %v, want forbidden", from, to, who.Team, who.Role, who.ID, err)
					}
				}
			}
		}
	}
}

func allowed(group string, u users.User) bool {
	for _, x := range mayMove[group] {
		if x.ID == u.ID {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }

func TestMovesNeedWhatTheyNeed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		from  Stage
		move  Move
		field string
	}{
		{MQL, Move{To: HandedOff, Note: "  "}, "note"},
		{HandedOff, Move{To: Accepted}, "rating"},
		{HandedOff, Move{To: Accepted, Rating: 6}, "rating"},
		{HandedOff, Move{To: Rejected, Rating: 2}, "reason"},
		{HandedOff, Move{To: Rejected, Reason: "made_up", Rating: 2}, "reason"},
		{HandedOff, Move{To: Rejected, Reason: "no_budget"}, "rating"},
		{HandedOff, Move{To: Rejected, Reason: "other", Rating: 2}, "note"},
		{Opportunity, Move{To: Won}, "value"},
		{Opportunity, Move{To: Won, Value: -5}, "value"},
		{Opportunity, Move{To: Won, Value: math.NaN()}, "value"},
		{Opportunity, Move{To: Won, Value: math.Inf(1)}, "value"},
		{Opportunity, Move{To: Won, Value: 1e20}, "value"},
		{Opportunity, Move{To: Won, Value: 0.001}, "value"},
		{Accepted, Move{To: Lost, Lost: " "}, "lost"},
		{Opportunity, Move{To: Lost, Lost: " "}, "lost"},
	}
	for _, tc := range cases {
		l := Lead{Stage: tc.from, OwnerID: ptr(int64(ownerID))}
		err := l.Check(tc.move, admin)
		var fe FieldErrors
		if !errors.As(err, &fe) || fe[tc.field] == "" {
			t.Errorf("%s → %s %+v: %v, want a refusal on %q", tc.from, tc.move.To, tc.move, err, tc.field)
		}
	}
	// Complete moves pass.
	l := Lead{Stage: HandedOff, OwnerID: ptr(int64(ownerID))}
	if err := l.Check(Move{To: Rejected, Reason: "other", Rating: 1, Note: "student project"}, owner); err != nil {
		t.Errorf("complete rejection: %v", err)
	}
}

func TestUnassignedLeadWaitsForASalesManager(t *testing.T) {
	t.Parallel()
	l := Lead{Stage: HandedOff}
	var rule *refusal.Error
	if err := l.Check(complete(Accepted), owner); !errors.As(err, &rule) || rule.Kind != refusal.Forbidden {
		t.Errorf("rep accepting an unassigned lead: %v", err)
	}
	if err := l.Check(complete(Accepted), salesManager); err != nil {
		t.Errorf("sales manager: %v", err)
	}
	if err := l.CanAssign(owner); err == nil {
		t.Error("a rep may not assign")
	}
	if err := l.CanAssign(salesManager); err != nil {
		t.Errorf("sales manager assigning: %v", err)
	}
	if err := (Lead{Stage: New}).CanAssign(salesManager); err == nil {
		t.Error("a new lead has no rep to assign")
	}
}

func TestTouchRules(t *testing.T) {
	t.Parallel()
	l := Lead{Stage: HandedOff, OwnerID: ptr(int64(ownerID))}
	if err := l.CanTouch(owner); err != nil {
		t.Errorf("owner: %v", err)
	}
	if err := l.CanTouch(otherRep); err == nil {
		t.Error("another rep touched the lead")
	}
	if err := l.CanTouch(marketer); err == nil {
		t.Error("marketing touched the lead")
	}
	if err := (Lead{Stage: Won, OwnerID: ptr(int64(ownerID))}).CanTouch(owner); err == nil {
		t.Error("touch on a won lead")
	}
}

// SLA hours are elapsed hours: across a DST change the deadline is 24 real
// hours after the handoff, and the viewer's timezone changes nothing but
// the display.
func TestSLAAcrossTimezonesAndDST(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	newYork, _ := time.LoadLocation("America/New_York")
	// Saturday noon in Berlin (CEST, UTC+2); clocks go back at 03:00 on Sunday.
	handoff := time.Date(2026, 10, 24, 12, 0, 0, 0, berlin)
	due := sla.Policy{Hours: 24, Calendar: sla.DefaultCalendar()}.Due(handoff)
	l := Lead{Stage: HandedOff, HandedOffAt: &handoff, SLADueAt: &due}
	s := l.SLAState(handoff)
	if want := time.Date(2026, 10, 25, 10, 0, 0, 0, time.UTC); !s.Deadline.Equal(want) {
		t.Fatalf("deadline %v, want %v", s.Deadline, want)
	}
	// On the wall in Berlin that is 11:00 CET, not noon.
	if got := s.Deadline.In(berlin).Format("15:04 MST"); got != "11:00 CET" {
		t.Errorf("Berlin wall clock %s", got)
	}
	// Same instant seen from New York (still on EDT until 1 November).
	if got := s.Deadline.In(newYork).Format("2006-01-02 15:04 MST"); got != "2026-10-25 06:00 EDT" {
		t.Errorf("New York wall clock %s", got)
	}
	for _, tc := range []struct {
		now      time.Time
		breached bool
	}{
		{s.Deadline.Add(-time.Second), false},
		{s.Deadline, false},
		{s.Deadline.Add(time.Second), true},
	} {
		if got := l.SLAState(tc.now); !got.Open || got.Breached != tc.breached {
			t.Errorf("at %v: %+v, want breached=%v", tc.now, got, tc.breached)
		}
	}
	// A touch stops the clock: late touches stay breached, timely ones met.
	late := s.Deadline.Add(time.Minute)
	l.FirstTouchAt = &late
	if got := l.SLAState(late.Add(time.Hour)); got.Open || !got.Breached {
		t.Errorf("late touch: %+v", got)
	}
	early := handoff.Add(time.Hour)
	l.FirstTouchAt = &early
	if got := l.SLAState(late); got.Open || got.Breached {
		t.Errorf("timely touch: %+v", got)
	}
	if got := (Lead{Stage: Rejected, HandedOffAt: &handoff, SLADueAt: &due}).SLAState(late); got.Applies {
		t.Errorf("rejected without a touch: %+v", got)
	}
	if got := (Lead{Stage: New}).SLAState(late); got.Applies {
		t.Errorf("lead never handed off: %+v", got)
	}
}

func TestNewLeadValidation(t *testing.T) {
	t.Parallel()
	n := NewLead{Company: "  ", ContactName: "", Email: "nope", Fit: "great", Score: 101}
	n.Normalize()
	errs := n.Validate()
	for _, f := range []string{"company", "contact_name", "email", "fit", "score"} {
		if errs[f] == "" {
			t.Errorf("no error for %s: %v", f, errs)
		}
	}
	ok := NewLead{Company: "Acme", ContactName: "Ann", Email: " Ann@Acme.Example ", Fit: "Strong", Score: 50}
	ok.Normalize()
	if errs := ok.Validate(); errs != nil || ok.Email != "ann@acme.example" || ok.Fit != "strong" {
		t.Errorf("valid lead: %v %+v", errs, ok)
	}
}

func TestParseDealValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw  string
		want float64
		ok   bool
	}{
		{"12500", 12500, true},
		{" 12,500.50 ", 12500.5, true},
		{"0.01", 0.01, true},
		{"999999999999.99", MaxDealValue, true},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"-Inf", 0, false},
		{"1e20", 0, false},
		{"1e3", 0, false},
		{"-5", 0, false},
		{"0", 0, false},
		{"0.001", 0, false},
		{"1000000000000", 0, false},
		{"", 0, false},
		{"twelve", 0, false},
		{"12.500,50", 0, false}, // a decimal comma read as thousands gave 12.50
		{"1,2,3", 0, false},
		{"1.239", 0, false}, // more than cents: stored rounded without a word
		{"1,239.5", 1239.5, true},
	} {
		got, msg := ParseDealValue(tc.raw)
		if (msg == "") != tc.ok || got != tc.want {
			t.Errorf("ParseDealValue(%q) = %v, %q; want %v, ok %v", tc.raw, got, msg, tc.want, tc.ok)
		}
	}
}

func TestParseScore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw  string
		want int
		ok   bool
	}{
		{"", 0, true},
		{"0", 0, true},
		{" 55 ", 55, true},
		{"100", 100, true},
		{"101", 0, false},
		{"-1", 0, false},
		{"55.5", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"1e2", 0, false},
		{"abc", 0, false},
	} {
		got, msg := ParseScore(tc.raw)
		if (msg == "") != tc.ok || got != tc.want {
			t.Errorf("ParseScore(%q) = %v, %q; want %v, ok %v", tc.raw, got, msg, tc.want, tc.ok)
		}
	}
}

// A form with several problems hears of all of them in one answer, not one
// per submit: rejecting with "Other", no note and no rating names both.
func TestMoveReportsEveryMissingFieldAtOnce(t *testing.T) {
	t.Parallel()
	l := Lead{Stage: HandedOff, OwnerID: ptr(int64(ownerID))}
	err := l.Check(Move{To: Rejected, Reason: "other", Rating: 9, Note: " "}, owner)
	var fe FieldErrors
	if !errors.As(err, &fe) || len(fe) != 2 || fe["rating"] == "" || fe["note"] == "" {
		t.Errorf("reject with Other, no note, rating 9: %v, want rating and note refused", err)
	}
	err = l.Check(Move{To: Rejected}, owner)
	if !errors.As(err, &fe) || len(fe) != 2 || fe["reason"] == "" || fe["rating"] == "" {
		t.Errorf("empty rejection: %v, want reason and rating refused", err)
	}
}

// Refusals name stages the way people read them: acronyms as written.
func TestRefusalsNameStagesAsPeopleReadThem(t *testing.T) {
	t.Parallel()
	cases := []struct {
		lead Lead
		err  error
		want string
	}{
		{Lead{Stage: MQL}, Lead{Stage: MQL}.MayMove(Won, admin), "A lead that is MQL cannot become won."},
		{Lead{Stage: HandedOff}, Lead{Stage: HandedOff}.MayMove(Recycled, admin), "A lead that is handed off cannot become recycled."},
		{Lead{Stage: Won}, Lead{Stage: Won}.MayMove(Lost, admin), "This lead is won; it cannot move any further."},
		{Lead{Stage: MQL}, Lead{Stage: MQL}.CanTouch(admin), "Touches are logged on handed-off, accepted and opportunity leads; this one is MQL."},
		{Lead{Stage: MQL}, Lead{Stage: MQL}.CanAssign(admin), "Only handed-off, accepted and opportunity leads have a rep; this one is MQL."},
	}
	for _, tc := range cases {
		got := ""
		if r, _, ok := refusal.As(tc.err); ok {
			got = r.Message // the user's text, without the kind
		}
		if got != tc.want {
			t.Errorf("lead %s: %q, want %q", tc.lead.Stage, got, tc.want)
		}
	}
	for _, s := range Stages {
		if s != MQL && s.InSentence() != strings.ToLower(s.Label()) {
			t.Errorf("%s reads %q in a sentence", s, s.InSentence())
		}
	}
}
