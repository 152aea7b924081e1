package leads_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/leads"
	"tandem/internal/refusal"
	"tandem/internal/testdb"
	"tandem/internal/users"
)

type fixture struct {
	pool                        *pgxpool.Pool
	store                       *leads.Store
	marketer, rep, rep2, salesM users.User
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	pool := testdb.New(t)
	us := users.NewStore(pool)
	mk := func(email string, team users.Team, role users.Role) users.User {
		u, err := us.Create(context.Background(), users.Actor{}, users.NewUser{Email: email, Name: email, Team: team, Role: role}, "")
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	return fixture{pool: pool, store: leads.NewStore(pool),
		marketer: mk("m@example.com", users.Marketing, users.Member),
		rep:      mk("r@example.com", users.Sales, users.Member),
		rep2:     mk("r2@example.com", users.Sales, users.Member),
		salesM:   mk("sm@example.com", users.Sales, users.Manager)}
}

// handedOff creates a lead and hands it to the rep.
func (f fixture) handedOff(t *testing.T, email string) leads.Lead {
	t.Helper()
	ctx := context.Background()
	l, err := f.store.Create(ctx, f.marketer, leads.NewLead{Company: "Acme " + email, ContactName: "Ann", Email: email})
	if err != nil {
		t.Fatal(err)
	}
	if l, err = f.store.Apply(ctx, f.marketer, l.ID, l.Version, leads.Move{To: leads.MQL}); err != nil {
		t.Fatal(err)
	}
	if l, err = f.store.Apply(ctx, f.marketer, l.ID, l.Version, leads.Move{To: leads.HandedOff, OwnerID: f.rep.ID, Note: "asked for a demo"}); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestMovesWriteTimelineInTheSameTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	l := f.handedOff(t, "a@acme.example")
	if l.Stage != leads.HandedOff || l.HandedOffAt == nil || l.OwnerID == nil || *l.OwnerID != f.rep.ID || l.Version != 3 {
		t.Fatalf("after handoff: %+v", l)
	}
	l, err := f.store.Apply(ctx, f.rep, l.ID, l.Version, leads.Move{To: leads.Accepted, Rating: 4})
	if err != nil {
		t.Fatal(err)
	}
	if l.AcceptedAt == nil || l.QualityRating == nil || *l.QualityRating != 4 {
		t.Errorf("accepted: %+v", l)
	}
	events, err := f.store.Timeline(ctx, l.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		s := e.Kind
		if e.To != nil {
			s += ":" + string(*e.To)
		}
		got = append(got, s)
	}
	if want := "created:new stage:mql stage:handed_off stage:accepted"; strings.Join(got, " ") != want {
		t.Errorf("timeline %q, want %q", strings.Join(got, " "), want)
	}
	if events[3].ActorName != "r@example.com" || events[3].Note != "quality 4/5" {
		t.Errorf("accept event %+v", events[3])
	}

	// A refused move changes nothing, not even the timeline.
	if _, err := f.store.Apply(ctx, f.rep2, l.ID, l.Version, leads.Move{To: leads.Opportunity}); err == nil {
		t.Fatal("another rep converted the lead")
	}
	after, _ := f.store.Timeline(ctx, l.ID, 0)
	if len(after) != len(events) {
		t.Errorf("refused move wrote %d events", len(after)-len(events))
	}
}

// Two reps (or accept and reject) at the same moment on the same version:
// exactly one wins, the other gets a conflict that carries the lead as it
// is now.
func TestConcurrentMovesExactlyOneWins(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for round := 0; round < 5; round++ {
		l := f.handedOff(t, fmt.Sprintf("race%d@acme.example", round))
		moves := []struct {
			by users.User
			m  leads.Move
		}{
			{f.rep, leads.Move{To: leads.Accepted, Rating: 5}},
			{f.salesM, leads.Move{To: leads.Rejected, Reason: "no_budget", Rating: 2}},
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, len(moves))
		for i, mv := range moves {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = f.store.Apply(ctx, mv.by, l.ID, l.Version, mv.m)
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			var conflict *leads.ConflictError
			switch {
			case err == nil:
				wins++
			case errors.As(err, &conflict):
				if !errors.Is(err, db.ErrConflict) || conflict.Current.Version != l.Version+1 {
					t.Errorf("conflict %+v", conflict)
				}
			default:
				t.Errorf("unexpected: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d winners", round, wins)
		}
		final, _ := f.store.Get(ctx, l.ID)
		events, _ := f.store.Timeline(ctx, l.ID, l.Version)
		if len(events) != 1 || events[0].To == nil || *events[0].To != final.Stage {
			t.Errorf("round %d: final %s, changes since %d: %+v", round, final.Stage, l.Version, events)
		}
	}
}

func TestTouchStopsTheClockOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	l := f.handedOff(t, "t@acme.example")
	if err := f.store.Touch(ctx, f.rep, l.ID, "call", "left a voicemail"); err != nil {
		t.Fatal(err)
	}
	first, _ := f.store.Get(ctx, l.ID)
	time.Sleep(10 * time.Millisecond)
	if err := f.store.Touch(ctx, f.rep, l.ID, "email", ""); err != nil {
		t.Fatal(err)
	}
	second, _ := f.store.Get(ctx, l.ID)
	if first.FirstTouchAt == nil || !first.FirstTouchAt.Equal(*second.FirstTouchAt) {
		t.Errorf("first touch moved: %v → %v", first.FirstTouchAt, second.FirstTouchAt)
	}
	var rule *refusal.Error
	if err := f.store.Touch(ctx, f.rep, l.ID, "fax", ""); !errors.As(err, &rule) {
		t.Errorf("unknown touch kind: %v", err)
	}
	if err := f.store.Touch(ctx, f.rep2, l.ID, "call", ""); !errors.As(err, &rule) || rule.Kind != refusal.Forbidden {
		t.Errorf("other rep's touch: %v", err)
	}
}

// The SQL filters and the Go rule agree on which leads are breached.
func TestSLAFilterAgreesWithTheRule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ages := map[string]time.Duration{"fresh": 2 * time.Hour, "edge": 23*time.Hour + 50*time.Minute, "late": 25 * time.Hour, "old": 72 * time.Hour}
	for name, age := range ages {
		l := f.handedOff(t, name+"@acme.example")
		if _, err := f.pool.Exec(ctx, `UPDATE leads SET handed_off_at = now() - $2::interval WHERE id = $1`, l.ID, age); err != nil {
			t.Fatal(err)
		}
	}
	touched := f.handedOff(t, "touched@acme.example")
	if _, err := f.pool.Exec(ctx, `UPDATE leads SET handed_off_at = now() - interval '30 hours',
		first_touch_at = now() - interval '2 hours' WHERE id = $1`, touched.ID); err != nil {
		t.Fatal(err)
	}
	count := func(sla string) map[string]bool {
		p, err := f.store.List(ctx, leads.Filter{SLA: sla})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, l := range p.Leads {
			got[strings.SplitN(l.Email, "@", 2)[0]] = true
			if st := l.SLAState(time.Now()); sla == leads.SLABreached && !(st.Open && st.Breached) {
				t.Errorf("SQL says %s is breached, Go says %+v", l.Email, st)
			}
		}
		return got
	}
	if got := count(leads.SLABreached); len(got) != 2 || !got["late"] || !got["old"] {
		t.Errorf("breached: %v", got)
	}
	if got := count(leads.SLAOpen); len(got) != 2 || !got["fresh"] || !got["edge"] {
		t.Errorf("open: %v", got)
	}
	if got := count(leads.SLAMissed); len(got) != 1 || !got["touched"] {
		t.Errorf("missed: %v", got)
	}
}

func TestListFiltersAndKeysetPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for i := 0; i < 7; i++ {
		if _, err := f.store.Create(ctx, f.marketer, leads.NewLead{Company: fmt.Sprintf("Zeta %d", i), ContactName: "Zed", Email: fmt.Sprintf("z%d@zeta.example", i)}); err != nil {
			t.Fatal(err)
		}
	}
	f.handedOff(t, "h@acme.example")
	seen := map[int64]bool{}
	var after string
	pages := 0
	for {
		p, err := f.store.List(ctx, leads.Filter{Query: "zeta", Limit: 3, After: after, Sort: leads.SortCompany})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, l := range p.Leads {
			if seen[l.ID] || !strings.HasPrefix(l.Company, "Zeta") {
				t.Errorf("page %d: %s (seen %v)", pages, l.Company, seen[l.ID])
			}
			seen[l.ID] = true
		}
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if len(seen) != 7 || pages != 3 {
		t.Errorf("%d leads over %d pages", len(seen), pages)
	}
	counts, err := f.store.CountByStage(ctx, leads.Filter{Stage: leads.New})
	if err != nil || counts.ByStage[leads.New] != 7 || counts.ByStage[leads.HandedOff] != 1 || counts.Capped {
		t.Errorf("counts %v %v", counts, err)
	}
	if _, err := f.store.List(ctx, leads.Filter{After: "garbage!"}); !errors.Is(err, leads.ErrBadCursor) {
		t.Errorf("bad cursor: %v", err)
	}
	// LIKE wildcards in the search are literal.
	if p, _ := f.store.List(ctx, leads.Filter{Query: "%"}); len(p.Leads) != 0 {
		t.Errorf("%% matched %d leads", len(p.Leads))
	}
	var n int
	if err := f.store.Export(ctx, leads.Filter{Query: "zeta"}, func(leads.Lead) error { n++; return nil }); err != nil || n != 7 {
		t.Errorf("export of the filtered list: %d rows, %v", n, err)
	}
}

func TestCreateRefusesDuplicateEmail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.store.Create(ctx, f.marketer, leads.NewLead{Company: "A", ContactName: "B", Email: "dup@x.example"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.store.Create(ctx, f.marketer, leads.NewLead{Company: "A", ContactName: "B", Email: "DUP@x.example"})
	var fe leads.FieldErrors
	if !errors.As(err, &fe) || fe["email"] == "" {
		t.Errorf("duplicate: %v", err)
	}
	// Stored with capitals (an old import): the check, like the unique
	// index, ignores case, so the answer names it with the other problems.
	if _, err := f.pool.Exec(ctx, `INSERT INTO leads (company, contact_name, email) VALUES ('C', 'D', 'Mixed@Case.example')`); err != nil {
		t.Fatal(err)
	}
	_, err = f.store.Create(ctx, f.marketer, leads.NewLead{Company: "", ContactName: "B", Email: "mixed@case.example"})
	if fe = nil; !errors.As(err, &fe) || fe["email"] == "" || fe["company"] == "" {
		t.Errorf("a duplicate in other case with a missing company: %v, want both named", err)
	}
}

// The per-stage totals the trigger keeps match a real count after single
// moves, bulk imports and deletes; broad filtered counts stop at the cap.
func TestStageCountsStayExact(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	l := f.handedOff(t, "count@acme.example")
	if _, err := f.store.Apply(ctx, f.rep, l.ID, l.Version, leads.Move{To: leads.Rejected, Reason: "duplicate", Rating: 1}); err != nil {
		t.Fatal(err)
	}
	content := importCSV(leads.CountCap+500, "cap-")
	table, _ := leads.ParseCSV(content)
	v, err := f.store.Validate(ctx, table, leads.GuessMapping(table.Header))
	if err != nil {
		t.Fatal(err)
	}
	up, _ := f.store.SaveUpload(ctx, f.marketer, "cap.csv", content)
	if err := f.store.Import(ctx, f.marketer, up, v, table.Header); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, `DELETE FROM leads WHERE email LIKE 'cap-7__@%'`); err != nil {
		t.Fatal(err)
	}
	var mismatches int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM lead_stage_counts c
		WHERE c.n <> (SELECT count(*) FROM leads l WHERE l.stage = c.stage)`).Scan(&mismatches); err != nil || mismatches != 0 {
		t.Fatalf("%d stages off (%v)", mismatches, err)
	}
	all, err := f.store.CountByStage(ctx, leads.Filter{})
	var total int
	_ = f.pool.QueryRow(ctx, `SELECT count(*) FROM leads`).Scan(&total)
	if err != nil || all.Capped || all.ByStage[leads.New]+all.ByStage[leads.Rejected] != total || all.ByStage[leads.Rejected] != 1 {
		t.Errorf("unfiltered counts %+v (total %d, %v)", all, total, err)
	}
	broad, err := f.store.CountByStage(ctx, leads.Filter{Query: "bench.example"})
	if err != nil || !broad.Capped {
		t.Errorf("a filter matching more than %d leads: %+v %v", leads.CountCap, broad, err)
	}
	narrow, _ := f.store.CountByStage(ctx, leads.Filter{Query: "count@acme"})
	if narrow.Capped || narrow.ByStage[leads.Rejected] != 1 {
		t.Errorf("narrow filter: %+v", narrow)
	}
}
