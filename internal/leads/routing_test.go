package leads_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"tandem/internal/campaigns"
	"tandem/internal/leads"
	"tandem/internal/routing"
	"tandem/internal/users"
)

// routingFixture is the lead fixture with the routing store and more reps.
type routingFixture struct {
	fixture
	routes *routing.Store
	reps   []users.User // rep, rep2 and four more
}

func newRoutingFixture(t testing.TB) routingFixture {
	t.Helper()
	f := newFixture(t)
	us := users.NewStore(f.pool)
	reps := []users.User{f.rep, f.rep2}
	for i := 3; i <= 6; i++ {
		u, err := us.Create(context.Background(), users.Actor{}, users.NewUser{Email: fmt.Sprintf("r%d@example.com", i),
			Name: fmt.Sprintf("Rep %d", i), Team: users.Sales, Role: users.Member}, "")
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, u)
	}
	return routingFixture{fixture: f, routes: routing.NewStore(f.pool), reps: reps}
}

func ids(us ...users.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = strconv.FormatInt(u.ID, 10)
	}
	return out
}

func (f routingFixture) rule(t testing.TB, in routing.RuleInput) routing.Rule {
	t.Helper()
	r, err := f.routes.Create(context.Background(), users.Actor{UserID: f.salesM.ID}, in)
	if err != nil {
		t.Fatalf("rule %q: %v", in.Name, err)
	}
	return r
}

// mql creates a marketing-qualified lead with the given country and score.
func (f routingFixture) mql(t testing.TB, email, country string, score int) leads.Lead {
	t.Helper()
	ctx := context.Background()
	l, err := f.store.Create(ctx, f.marketer, leads.NewLead{Company: "Co " + email, ContactName: "Ann", Email: email, Country: country, Score: score})
	if err != nil {
		t.Fatal(err)
	}
	if l, err = f.store.Apply(ctx, f.marketer, l.ID, l.Version, leads.Move{To: leads.MQL}); err != nil {
		t.Fatal(err)
	}
	return l
}

// route hands the lead off to the routing rules and returns its owner (0:
// none).
func (f routingFixture) route(t testing.TB, l leads.Lead) int64 {
	t.Helper()
	l, err := f.store.Apply(context.Background(), f.marketer, l.ID, l.Version, leads.Move{To: leads.HandedOff, Route: true, Note: "asked for a demo"})
	if err != nil {
		t.Fatal(err)
	}
	if l.OwnerID == nil {
		return 0
	}
	return *l.OwnerID
}

func TestRoutingFirstMatchingRuleWins(t *testing.T) {
	t.Parallel()
	f := newRoutingFixture(t)
	dach := f.rule(t, routing.RuleInput{Name: "DACH hot", Countries: "dach", ScoreMin: "70", Method: "named", NamedRep: ids(f.reps[0])[0]})
	f.rule(t, routing.RuleInput{Name: "DACH", Countries: "DE, AT, CH", Method: "named", NamedRep: ids(f.reps[1])[0]})
	f.rule(t, routing.RuleInput{Name: "Everyone else", Method: "queue"})
	if dach.Countries == nil || fmt.Sprint(dach.Countries) != "[DE AT CH]" || dach.Conditions() != "country DE, AT, CH; score ≥ 70" {
		t.Errorf("rule as stored: %v / %q", dach.Countries, dach.Conditions())
	}
	for _, tc := range []struct {
		country string
		score   int
		want    int64
	}{
		{"at", 80, f.reps[0].ID}, // both DACH rules match; the first wins
		{"DE", 50, f.reps[1].ID}, // below the first rule's score
		{"FR", 90, 0},            // only the queue rule matches
	} {
		l := f.mql(t, tc.country+strconv.Itoa(tc.score)+"@x.example", tc.country, tc.score)
		if got := f.route(t, l); got != tc.want {
			t.Errorf("%s score %d → owner %d, want %d", tc.country, tc.score, got, tc.want)
		}
	}
	// The rule's name and the choice are on the timeline; the rep was told.
	l := f.mql(t, "timeline@x.example", "CH", 99)
	f.route(t, l)
	events, err := f.store.Timeline(context.Background(), l.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	if want := "Routed to " + f.reps[0].Name + " by rule “DACH hot” (a named rep)."; last.Kind != "route" || last.Note != want {
		t.Errorf("timeline ends with %s %q, want route %q", last.Kind, last.Note, want)
	}
	var title string
	if err := f.pool.QueryRow(context.Background(), `SELECT title FROM notifications WHERE user_id = $1 AND link = $2`,
		f.reps[0].ID, leads.Link(l.ID)).Scan(&title); err != nil {
		t.Fatal(err)
	}
	if want := "m@example.com handed Co timeline@x.example to you (routing rule “DACH hot”)"; title != want {
		t.Errorf("notification %q, want %q", title, want)
	}
	var rule *int64
	if err := f.pool.QueryRow(context.Background(), `SELECT rule_id FROM lead_events WHERE lead_id = $1 AND kind = 'route'`, l.ID).Scan(&rule); err != nil || rule == nil || *rule != dach.ID {
		t.Errorf("route event's rule %v (%v), want %d", rule, err, dach.ID)
	}
}

// Fifty handoffs at once through two round-robin pools: within each pool
// no rep gets two more than another, and every lead got a rep.
func TestRoundRobinIsFairUnderConcurrentHandoffs(t *testing.T) {
	t.Parallel()
	f := newRoutingFixture(t)
	f.rule(t, routing.RuleInput{Name: "Germany", Countries: "DE", Method: "round_robin", Reps: ids(f.reps[0], f.reps[1], f.reps[2])})
	f.rule(t, routing.RuleInput{Name: "France", Countries: "FR", Method: "round_robin", Reps: ids(f.reps[3], f.reps[4])})
	var ls []leads.Lead
	for i := range 50 {
		country := []string{"DE", "FR"}[i%2]
		ls = append(ls, f.mql(t, fmt.Sprintf("c%d@x.example", i), country, 50))
	}
	owners := make([]int64, len(ls))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, l := range ls {
		wg.Go(func() {
			<-start
			l, err := f.store.Apply(context.Background(), f.marketer, l.ID, l.Version, leads.Move{To: leads.HandedOff, Route: true, Note: "n"})
			if err != nil || l.OwnerID == nil {
				t.Errorf("handoff %d: %v, owner %v", i, err, l.OwnerID)
				return
			}
			owners[i] = *l.OwnerID
		})
	}
	close(start)
	wg.Wait()
	count := map[int64]int{}
	for _, o := range owners {
		count[o]++
	}
	for _, pool := range [][]users.User{f.reps[:3], f.reps[3:5]} {
		lo, hi := 1<<30, 0
		for _, r := range pool {
			lo, hi = min(lo, count[r.ID]), max(hi, count[r.ID])
		}
		if hi-lo > 1 {
			t.Errorf("pool %v: counts %v differ by %d", ids(pool...), count, hi-lo)
		}
	}
	if count[0] != 0 || count[f.reps[5].ID] != 0 || count[f.reps[0].ID]+count[f.reps[1].ID]+count[f.reps[2].ID] != 25 {
		t.Errorf("counts %v: every lead to a rep of its country's pool", count)
	}
	// The pool's counters say the same.
	rules, err := f.routes.Rules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		for _, p := range r.Pool {
			if p.Routed != count[p.UserID] {
				t.Errorf("%s: %s routed %d, owns %d", r.Name, p.Name, p.Routed, count[p.UserID])
			}
		}
	}
}

func TestWeightedAndLeastLoaded(t *testing.T) {
	t.Parallel()
	f := newRoutingFixture(t)
	heavy, light := f.reps[0], f.reps[1]
	f.rule(t, routing.RuleInput{Name: "Weighted", Countries: "DE", Method: "weighted", Reps: ids(heavy, light),
		Weights: map[string]string{ids(heavy)[0]: "3", ids(light)[0]: "1"}})
	count := map[int64]int{}
	for i := range 12 {
		count[f.route(t, f.mql(t, fmt.Sprintf("w%d@x.example", i), "DE", 1))]++
	}
	if count[heavy.ID] != 9 || count[light.ID] != 3 {
		t.Errorf("weights 3:1 over 12 leads gave %d:%d", count[heavy.ID], count[light.ID])
	}

	// Least loaded: a rep already holding two open leads waits until the
	// others have as many.
	busy, a, b := f.reps[2], f.reps[3], f.reps[4]
	for i := range 2 {
		l := f.mql(t, fmt.Sprintf("busy%d@x.example", i), "SE", 1)
		if _, err := f.store.Apply(context.Background(), f.marketer, l.ID, l.Version,
			leads.Move{To: leads.HandedOff, OwnerID: busy.ID, Note: "n"}); err != nil {
			t.Fatal(err)
		}
	}
	f.rule(t, routing.RuleInput{Name: "Least loaded", Countries: "SE", Method: "least_loaded", Reps: ids(busy, a, b)})
	var got []int64
	for i := range 5 {
		got = append(got, f.route(t, f.mql(t, fmt.Sprintf("ll%d@x.example", i), "SE", 1)))
	}
	if got[0] == busy.ID || got[1] == busy.ID || got[2] == busy.ID || got[3] == busy.ID || got[0] == got[1] {
		t.Errorf("least loaded picked %v (busy %d, a %d, b %d)", got, busy.ID, a.ID, b.ID)
	}
}

func TestRoutingSkipsAwayFullAndDeactivatedReps(t *testing.T) {
	t.Parallel()
	f := newRoutingFixture(t)
	ctx := context.Background()
	away, full, gone, free := f.reps[0], f.reps[1], f.reps[2], f.reps[3]
	today := time.Now().UTC()
	if err := f.routes.SetAway(ctx, users.Actor{UserID: away.ID}, away.ID,
		today.AddDate(0, 0, -1).Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly), today); err != nil {
		t.Fatal(err)
	}
	if err := f.routes.SetCapacities(ctx, users.Actor{UserID: f.salesM.ID}, map[int64]string{full.ID: "1", free.ID: ""}); err != nil {
		t.Fatal(err)
	}
	f.rule(t, routing.RuleInput{Name: "Pool", Method: "round_robin", Reps: ids(away, full, gone, free)})
	if _, err := f.pool.Exec(ctx, `UPDATE users SET active = false WHERE id = $1`, gone.ID); err != nil {
		t.Fatal(err)
	}
	first := f.route(t, f.mql(t, "s1@x.example", "DE", 1))
	second := f.route(t, f.mql(t, "s2@x.example", "DE", 1))
	third := f.route(t, f.mql(t, "s3@x.example", "DE", 1))
	// full takes its one place, then only free is left.
	if first != full.ID || second != free.ID || third != free.ID {
		t.Errorf("owners %d, %d, %d; want full %d then free %d twice", first, second, third, full.ID, free.ID)
	}

	// Nobody free: the lead waits for a sales manager, who is told why.
	if _, err := f.pool.Exec(ctx, `UPDATE users SET active = false WHERE id = $1`, free.ID); err != nil {
		t.Fatal(err)
	}
	l := f.mql(t, "none@x.example", "DE", 1)
	if got := f.route(t, l); got != 0 {
		t.Fatalf("owner %d, want none", got)
	}
	var title string
	if err := f.pool.QueryRow(ctx, `SELECT title FROM notifications WHERE user_id = $1 AND link = $2 AND kind = $3`,
		f.salesM.ID, leads.Link(l.ID), leads.KindAwaitingRep).Scan(&title); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("Co none@x.example waits for a rep: Rule “Pool” (round-robin) found nobody free: %s away, %s at capacity, %s deactivated, %s deactivated. It waits for a sales manager to assign it.",
		away.Name, full.Name, gone.Name, free.Name)
	if title != want {
		t.Errorf("manager told\n%q\nwant\n%q", title, want)
	}

	// Back from holiday: the away rep rejoins at the current turn.
	if err := f.routes.SetAway(ctx, users.Actor{UserID: away.ID}, away.ID, "", "", today); err != nil {
		t.Fatal(err)
	}
	if got := f.route(t, f.mql(t, "back@x.example", "DE", 1)); got != away.ID {
		t.Errorf("owner %d, want the rep back from holiday %d", got, away.ID)
	}
}

func TestNoRuleLeavesTheLeadForAManager(t *testing.T) {
	t.Parallel()
	f := newRoutingFixture(t)
	f.rule(t, routing.RuleInput{Name: "Nordics", Countries: "Nordics", Method: "round_robin", Reps: ids(f.reps[0])})
	l := f.mql(t, "us@x.example", "US", 1)
	if got := f.route(t, l); got != 0 {
		t.Fatalf("owner %d, want none", got)
	}
	events, err := f.store.Timeline(context.Background(), l.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if last := events[len(events)-1]; last.Kind != "route" || last.Note != "No routing rule matches this lead; it waits for a sales manager to assign it." {
		t.Errorf("timeline ends with %s %q", last.Kind, last.Note)
	}
}

func TestChannelsAreTheCampaignChannels(t *testing.T) {
	t.Parallel()
	var want []string
	for _, c := range campaigns.Channels {
		want = append(want, string(c))
	}
	if !slices.Equal(routing.Channels, want) {
		t.Errorf("routing channels %v, campaigns %v", routing.Channels, want)
	}
}

// Two pools share a capped rep; handoffs through both at once never give
// the rep more than the cap, and never deadlock.
func TestCapHoldsAcrossPoolsUnderConcurrentHandoffs(t *testing.T) {
	t.Parallel()
	f := newRoutingFixture(t)
	ctx := context.Background()
	shared, a, b := f.reps[0], f.reps[1], f.reps[2]
	if err := f.routes.SetCapacities(ctx, users.Actor{}, map[int64]string{shared.ID: "3"}); err != nil {
		t.Fatal(err)
	}
	f.rule(t, routing.RuleInput{Name: "Germany", Countries: "DE", Method: "least_loaded", Reps: ids(shared, a)})
	f.rule(t, routing.RuleInput{Name: "France", Countries: "FR", Method: "least_loaded", Reps: ids(shared, b)})
	var ls []leads.Lead
	for i := range 30 {
		ls = append(ls, f.mql(t, fmt.Sprintf("cap%d@x.example", i), []string{"DE", "FR"}[i%2], 1))
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, l := range ls {
		wg.Go(func() {
			<-start
			if _, err := f.store.Apply(ctx, f.marketer, l.ID, l.Version, leads.Move{To: leads.HandedOff, Route: true, Note: "n"}); err != nil {
				t.Errorf("handoff %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	var held, unowned int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE owner_id = $1), count(*) FILTER (WHERE owner_id IS NULL)
		FROM leads WHERE stage = 'handed_off'`, shared.ID).Scan(&held, &unowned); err != nil {
		t.Fatal(err)
	}
	if held != 3 || unowned != 0 {
		t.Errorf("the capped rep holds %d (cap 3), %d leads without a rep", held, unowned)
	}
}
