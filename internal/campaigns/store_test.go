package campaigns_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/campaigns"
	"tandem/internal/db"
	"tandem/internal/testdb"
	"tandem/internal/users"
)

// fixture is a fresh database with a store in the Berlin business timezone.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	store *campaigns.Store
	loc   *time.Location
	owner users.User
	n     int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := testdb.New(t)
	loc := mustLoad(t, "Europe/Berlin")
	f := &fixture{t: t, ctx: context.Background(), pool: pool, store: campaigns.NewStore(pool, loc), loc: loc}
	f.owner = f.user(users.Marketing, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), true)
	return f
}

// user adds a person of team who joined at joined.
func (f *fixture) user(team users.Team, joined time.Time, active bool) users.User {
	f.t.Helper()
	f.n++
	u := users.User{Email: "person" + strconv.Itoa(f.n) + "@example.com", Name: "Person " + strconv.Itoa(f.n),
		Team: team, Role: users.Member, Active: active}
	err := f.pool.QueryRow(f.ctx, `INSERT INTO users (email, name, team, role, active, created_at)
		VALUES ($1, $2, $3, 'member', $4, $5) RETURNING id`, u.Email, u.Name, team, active, joined).Scan(&u.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// campaign creates a draft launching on launch (YYYY-MM-DD) for two weeks.
func (f *fixture) campaign(launch string) campaigns.Campaign {
	f.t.Helper()
	end := day(launch).AddDate(0, 0, 13).Format("2006-01-02")
	c, err := f.store.Create(f.ctx, f.owner.ID, campaigns.Form{Name: "Campaign " + launch, Channel: "email",
		TalkingPoints: "- Say this.", LaunchOn: launch, EndOn: end, Budget: "9000", OwnerID: strconv.FormatInt(f.owner.ID, 10)})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) announce(c campaigns.Campaign, at time.Time, reason string) (campaigns.Campaign, error) {
	f.t.Helper()
	return f.store.Announce(f.ctx, f.owner.ID, c.ID, c.Version, reason, at)
}

func (f *fixture) ack(u users.User, c campaigns.Campaign, at time.Time) campaigns.AckResult {
	f.t.Helper()
	res, err := f.store.Acknowledge(f.ctx, u, c.ID, at)
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, sql, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func berlin(f *fixture, y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, f.loc)
}

// Announcing exactly notice_days (7, the default) before launch, in the
// business timezone, is on time; a second later needs a reason and marks
// the campaign late.
func TestAnnounceAtTheNoticeBoundary(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sales := f.user(users.Sales, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), true)

	onTime, err := f.announce(f.campaign("2026-06-15"), berlin(f, 2026, 6, 8, 0, 0, 0), "")
	if err != nil {
		t.Fatal(err)
	}
	if onTime.LateNotice || onTime.NoticeLead != 7*24*time.Hour || onTime.NoticeDays != 7 || onTime.Revision != 1 ||
		!onTime.AnnouncedAt.Equal(berlin(f, 2026, 6, 8, 0, 0, 0)) {
		t.Errorf("announced at the deadline: late=%v lead=%s days=%d revision=%d at=%s", onTime.LateNotice, onTime.NoticeLead,
			onTime.NoticeDays, onTime.Revision, onTime.AnnouncedAt)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'new_notice'`, sales.ID); n != 1 {
		t.Errorf("sales got %d new-notice notifications, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1`, f.owner.ID); n != 0 {
		t.Errorf("the announcing marketer got %d notifications", n)
	}

	draft := f.campaign("2026-06-15")
	_, err = f.announce(draft, berlin(f, 2026, 6, 8, 0, 0, 1), "  ")
	var fe campaigns.FieldErrors
	if !errors.As(err, &fe) || fe["late_reason"] == "" {
		t.Fatalf("a late notice without reason: %v, want a late_reason field error", err)
	}
	late, err := f.announce(draft, berlin(f, 2026, 6, 8, 0, 0, 1), "Budget came late.")
	if err != nil {
		t.Fatal(err)
	}
	if !late.LateNotice || late.LateReason != "Budget came late." || late.NoticeLead != 7*24*time.Hour-time.Second {
		t.Errorf("late: %v %q %s", late.LateNotice, late.LateReason, late.NoticeLead)
	}
	if _, err := f.announce(late, berlin(f, 2026, 6, 9, 0, 0, 0), ""); !errors.Is(err, campaigns.ErrAlreadyAnnounced) {
		t.Errorf("announcing twice: %v", err)
	}
	if _, err := f.announce(draft, berlin(f, 2026, 6, 9, 0, 0, 0), ""); !errors.Is(err, db.ErrConflict) {
		t.Errorf("announcing with a stale version: %v, want a conflict", err)
	}
	ended := f.campaign("2026-01-05")
	if _, err := f.announce(ended, berlin(f, 2026, 6, 1, 0, 0, 0), "x"); !errors.Is(err, campaigns.ErrEnded) {
		t.Errorf("announcing an ended campaign: %v", err)
	}
	var empty campaigns.Campaign
	empty, err = f.store.Create(f.ctx, f.owner.ID, campaigns.Form{Name: "No points", Channel: "email", LaunchOn: "2026-09-01",
		EndOn: "2026-09-30", OwnerID: strconv.FormatInt(f.owner.ID, 10)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.announce(empty, berlin(f, 2026, 6, 1, 0, 0, 0), ""); !errors.As(err, &fe) || fe["talking_points"] == "" {
		t.Errorf("announcing without talking points: %v", err)
	}

	// A new launch date is measured against the announce time: moving the
	// on-time campaign a day earlier makes it late and needs a reason.
	form := campaigns.FormOf(onTime)
	form.LaunchOn = "2026-06-14"
	if _, err := f.store.Update(f.ctx, f.owner.ID, onTime.ID, onTime.Version, form); !errors.As(err, &fe) || fe["late_reason"] == "" {
		t.Fatalf("moving launch earlier without reason: %v", err)
	}
	form.LateReason = "The fair moved."
	moved, err := f.store.Update(f.ctx, f.owner.ID, onTime.ID, onTime.Version, form)
	if err != nil {
		t.Fatal(err)
	}
	if !moved.LateNotice || moved.NoticeLead != 6*24*time.Hour || moved.Revision != 1 {
		t.Errorf("after moving launch: late=%v lead=%s revision=%d", moved.LateNotice, moved.NoticeLead, moved.Revision)
	}
}

// Changing the talking points after announcing makes a revision; everyone
// who acknowledged is notified and asked to acknowledge again.
func TestRevisionAsksForReacknowledgement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	joined := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	acked, other := f.user(users.Sales, joined, true), f.user(users.Service, joined, true)
	c, err := f.announce(f.campaign("2026-06-15"), berlin(f, 2026, 6, 1, 9, 0, 0), "")
	if err != nil {
		t.Fatal(err)
	}
	first := berlin(f, 2026, 6, 2, 10, 0, 0)
	if res := f.ack(acked, c, first); res != campaigns.AckNew {
		t.Fatalf("first acknowledgement: %v", res)
	}

	// Other edits leave the revision alone.
	form := campaigns.FormOf(c)
	form.Offer = "A new offer"
	c, err = f.store.Update(f.ctx, f.owner.ID, c.ID, c.Version, form)
	if err != nil || c.Revision != 1 {
		t.Fatalf("editing the offer: revision %d, %v", c.Revision, err)
	}

	form = campaigns.FormOf(c)
	form.TalkingPoints = "- Say this instead."
	c, err = f.store.Update(f.ctx, f.owner.ID, c.ID, c.Version, form)
	if err != nil {
		t.Fatal(err)
	}
	if c.Revision != 2 {
		t.Fatalf("revision after editing the talking points = %d, want 2", c.Revision)
	}
	revs, err := f.store.Revisions(f.ctx, c.ID)
	if err != nil || len(revs) != 2 || revs[0].Revision != 2 || revs[0].TalkingPoints != "- Say this instead." ||
		revs[1].TalkingPoints != "- Say this." {
		t.Errorf("revisions %+v, %v", revs, err)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'reacknowledge' AND link = $2`,
		acked.ID, "/campaigns/"+strconv.FormatInt(c.ID, 10)); n != 1 {
		t.Errorf("the person who acknowledged got %d re-acknowledge notifications, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'reacknowledge'`, other.ID); n != 0 {
		t.Errorf("someone who never acknowledged was asked to re-acknowledge")
	}
	today := day("2026-06-05")
	pending, err := f.store.Pending(f.ctx, acked.ID, today)
	if err != nil || len(pending) != 1 || pending[0].AckState() != campaigns.AckStale {
		t.Fatalf("pending after the revision: %+v, %v", pending, err)
	}
	if n, _ := f.store.PendingCount(f.ctx, acked.ID, today); n != 1 {
		t.Errorf("banner count %d, want 1", n)
	}

	if res := f.ack(acked, c, berlin(f, 2026, 6, 5, 10, 0, 0)); res != campaigns.AckRenewed {
		t.Errorf("acknowledging the new revision: %v, want renewed", res)
	}
	if res := f.ack(acked, c, berlin(f, 2026, 6, 5, 11, 0, 0)); res != campaigns.AckAlready {
		t.Errorf("acknowledging again: %v, want already", res)
	}
	rev, at, err := f.store.MyAck(f.ctx, c.ID, acked.ID)
	if err != nil || rev != 2 || !at.Equal(first) {
		t.Errorf("acknowledgement: revision %d first at %s (%v); want 2 and %s", rev, at, err, first)
	}
	if n, _ := f.store.PendingCount(f.ctx, acked.ID, today); n != 0 {
		t.Errorf("banner count %d after re-acknowledging, want 0", n)
	}
}

// Readiness counts active sales and service people who joined before
// launch, and of them those who acknowledged before launch the talking
// points in force at launch.
func TestReadiness(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	launch := berlin(f, 2026, 6, 15, 0, 0, 0)
	before, after := launch.Add(-10*24*time.Hour), launch.Add(2*24*time.Hour)
	salesReady := f.user(users.Sales, before, true)
	salesLate := f.user(users.Sales, before, true)     // acknowledges after launch
	serviceNone := f.user(users.Service, before, true) // never acknowledges
	serviceReady := f.user(users.Service, before, true)
	joinedLater := f.user(users.Sales, after, true)   // joined after launch: not counted
	gone := f.user(users.Service, before, false)      // deactivated: not counted
	marketer := f.user(users.Marketing, before, true) // not in the audience
	justBefore := f.user(users.Sales, launch.Add(-time.Minute), true)

	c, err := f.announce(f.campaign("2026-06-15"), launch.Add(-8*24*time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	f.ack(salesReady, c, launch.Add(-3*24*time.Hour))
	f.ack(serviceReady, c, launch.Add(-time.Second))
	f.ack(salesLate, c, launch) // at the launch instant: not before it
	f.ack(joinedLater, c, after.Add(time.Hour))
	f.ack(gone, c, launch.Add(-5*24*time.Hour))
	if _, err := f.store.Acknowledge(f.ctx, marketer, c.ID, launch); !errors.Is(err, campaigns.ErrNotAudience) {
		t.Errorf("a marketer acknowledging: %v, want ErrNotAudience", err)
	}

	rep, err := f.store.ReadinessAt(f.ctx, c.ID, after)
	if err != nil {
		t.Fatal(err)
	}
	// Eligible: salesReady, salesLate, justBefore (sales); serviceNone, serviceReady (service).
	if rep.Total != (campaigns.Readiness{Eligible: 5, Ready: 2}) {
		t.Errorf("total readiness %+v, want 2 of 5", rep.Total)
	}
	want := []campaigns.TeamReadiness{
		{Team: users.Sales, Readiness: campaigns.Readiness{Eligible: 3, Ready: 1}},
		{Team: users.Service, Readiness: campaigns.Readiness{Eligible: 2, Ready: 1}},
	}
	for i := range want {
		if rep.Teams[i] != want[i] {
			t.Errorf("team %d: %+v, want %+v", i, rep.Teams[i], want[i])
		}
	}
	if p, _ := rep.Total.Percent(); p != 40 {
		t.Errorf("percent %d, want 40", p)
	}

	// The list computes the same figure.
	rows, _, err := f.store.List(f.ctx, salesReady.ID, campaigns.ViewAll, day("2026-06-20"), 1)
	if err != nil || len(rows) != 1 || rows[0].Readiness != rep.Total || rows[0].AckState() != campaigns.AckCurrent {
		t.Errorf("list row %+v, %v", rows, err)
	}

	people := rep.NotReady
	got := map[int64]campaigns.Person{}
	for _, p := range people {
		got[p.ID] = p
	}
	if len(people) != 3 || got[salesLate.ID].Why != campaigns.AcknowledgedLate || got[serviceNone.ID].Why != campaigns.NeverAcknowledged ||
		got[justBefore.ID].Why != campaigns.NeverAcknowledged {
		t.Errorf("not ready: %+v", people)
	}
	if people[0].Team != users.Sales || people[len(people)-1].Team != users.Service {
		t.Errorf("not ready is not grouped sales first: %+v", people)
	}

	// As of an instant before launch, only who had joined and what was
	// acknowledged by then counts: a digest frozen at that instant must
	// not see later acknowledgements (justBefore had not joined yet).
	early, err := f.store.ReadinessAt(f.ctx, c.ID, launch.Add(-4*24*time.Hour))
	if err != nil || early.Total != (campaigns.Readiness{Eligible: 4, Ready: 0}) || len(early.NotReady) != 4 {
		t.Errorf("readiness four days before launch: %+v, %v; want 0 of 4", early, err)
	}
}

// A revision of the talking points before launch makes an earlier
// acknowledgement stale: the person is listed as not ready and not counted
// (issue 12, item 7: the count said 1 of 7 while all 7 were listed). A
// revision after launch asks again but leaves readiness at launch alone.
func TestReadinessFollowsTheRevisionInForce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	launch := berlin(f, 2026, 6, 15, 0, 0, 0)
	joined := launch.Add(-30 * 24 * time.Hour)
	stale := f.user(users.Sales, joined, true)
	renewed := f.user(users.Sales, joined, true)
	c, err := f.announce(f.campaign("2026-06-15"), launch.Add(-10*24*time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	f.ack(stale, c, launch.Add(-9*24*time.Hour))
	f.ack(renewed, c, launch.Add(-9*24*time.Hour))
	c = f.revise(c, "- Say this instead.", launch.Add(-5*24*time.Hour))
	f.ack(renewed, c, launch.Add(-2*24*time.Hour))

	check := func(when string, at time.Time, wantReady int, wantStale bool) {
		t.Helper()
		rep, err := f.store.ReadinessAt(f.ctx, c.ID, at)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Total.Ready != wantReady || rep.Total.Eligible != 2 || rep.Total.Ready+len(rep.NotReady) != rep.Total.Eligible {
			t.Errorf("%s: %+v with %d not ready; want %d of 2", when, rep.Total, len(rep.NotReady), wantReady)
		}
		if wantStale && (len(rep.NotReady) != 1 || rep.NotReady[0].ID != stale.ID || rep.NotReady[0].Why != campaigns.EarlierRevision) {
			t.Errorf("%s: not ready %+v, want the stale acknowledger", when, rep.NotReady)
		}
		rows, _, err := f.store.List(f.ctx, stale.ID, campaigns.ViewAll, at, 1)
		if err != nil || len(rows) != 1 || rows[0].Readiness != rep.Total {
			t.Errorf("%s: list row %+v (%v), want %+v", when, rows, err, rep.Total)
		}
	}
	check("before the revision", launch.Add(-6*24*time.Hour), 2, false)
	check("after the revision, before launch", launch.Add(-time.Hour), 1, true)
	check("after launch", launch.Add(24*time.Hour), 1, true)

	// Revised again after launch: both are asked to re-read, readiness at
	// launch stays 1 of 2.
	c = f.revise(c, "- And this.", launch.Add(2*24*time.Hour))
	check("after a revision after launch", launch.Add(3*24*time.Hour), 1, true)
	if c.Revision != 3 {
		t.Errorf("revision %d, want 3", c.Revision)
	}
}

// revise edits c's talking points and dates the new revision at, as if
// the edit had been made then.
func (f *fixture) revise(c campaigns.Campaign, points string, at time.Time) campaigns.Campaign {
	f.t.Helper()
	form := campaigns.FormOf(c)
	form.TalkingPoints = points
	c, err := f.store.Update(f.ctx, f.owner.ID, c.ID, c.Version, form)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE campaign_revisions SET created_at = $3 WHERE campaign_id = $1 AND revision = $2`,
		c.ID, c.Revision, at); err != nil {
		f.t.Fatal(err)
	}
	return c
}

// Two clicks at once (or two tabs) record one acknowledgement.
func TestConcurrentAcknowledgeIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep := f.user(users.Sales, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), true)
	c, err := f.announce(f.campaign("2026-06-15"), berlin(f, 2026, 6, 1, 9, 0, 0), "")
	if err != nil {
		t.Fatal(err)
	}
	const clicks = 8
	results := make([]campaigns.AckResult, clicks)
	errs := make([]error, clicks)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range clicks {
		wg.Go(func() {
			<-start
			results[i], errs[i] = f.store.Acknowledge(f.ctx, rep, c.ID, berlin(f, 2026, 6, 2, 9, 0, i))
		})
	}
	close(start)
	wg.Wait()
	news := 0
	for i := range clicks {
		if errs[i] != nil {
			t.Errorf("click %d: %v", i, errs[i])
		}
		if results[i] == campaigns.AckNew {
			news++
		} else if results[i] != campaigns.AckAlready {
			t.Errorf("click %d: %v", i, results[i])
		}
	}
	if news != 1 {
		t.Errorf("%d clicks recorded as new, want exactly 1", news)
	}
	if n := f.count(`SELECT count(*) FROM acknowledgements WHERE campaign_id = $1`, c.ID); n != 1 {
		t.Errorf("%d acknowledgement rows, want 1", n)
	}
}

func TestAcknowledgeRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep := f.user(users.Sales, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), true)
	draft := f.campaign("2026-06-15")
	if _, err := f.store.Acknowledge(f.ctx, rep, draft.ID, time.Now()); !errors.Is(err, campaigns.ErrNotAnnounced) {
		t.Errorf("acknowledging a draft: %v", err)
	}
	if _, err := f.store.Acknowledge(f.ctx, rep, draft.ID+1000, time.Now()); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("acknowledging a missing campaign: %v", err)
	}
	if _, err := f.store.Acknowledge(f.ctx, f.owner, draft.ID, time.Now()); !errors.Is(err, campaigns.ErrNotAudience) {
		t.Errorf("a marketer acknowledging: %v", err)
	}
}

// The closed-loop numbers equal a fixture computed by hand.
func TestClosedLoopResults(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.campaign("2026-03-02") // budget 9000
	other := f.campaign("2026-04-06")
	at := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	leads := []struct {
		campaign int64
		stage    string
		handed   bool
		accepted bool
		rejected bool
		reason   string
		value    float64
	}{
		{c.ID, "new", false, false, false, "", 0},
		{c.ID, "mql", false, false, false, "", 0},
		{c.ID, "handed_off", true, false, false, "", 0},
		{c.ID, "accepted", true, true, false, "", 0},
		{c.ID, "opportunity", true, true, false, "", 0},
		{c.ID, "won", true, true, false, "", 12000.50},
		{c.ID, "won", true, true, false, "", 7999.50},
		{c.ID, "won", true, true, false, "", 4000},
		{c.ID, "lost", true, true, false, "", 0},
		{c.ID, "rejected", true, false, true, "not_icp", 0},
		{c.ID, "rejected", true, false, true, "not_icp", 0},
		{c.ID, "rejected", true, false, true, "no_budget", 0},
		{c.ID, "recycled", true, false, true, "bad_timing", 0},
		// A recycled lead back in nurture: sourced, ever handed off and rejected.
		{c.ID, "mql", true, false, true, "bad_timing", 0},
		// Not this campaign's.
		{other.ID, "won", true, true, false, "", 99999},
		{0, "won", true, true, false, "", 50000},
	}
	for i, l := range leads {
		var campaign *int64
		if l.campaign != 0 {
			campaign = &l.campaign
		}
		var value *float64
		if l.value != 0 {
			value = &l.value
		}
		ts := func(ok bool) *time.Time {
			if ok {
				return &at
			}
			return nil
		}
		var reason *string
		if l.reason != "" {
			reason = &l.reason
		}
		_, err := f.pool.Exec(f.ctx, `INSERT INTO leads (company, contact_name, email, source_campaign_id, stage, deal_value,
				handed_off_at, accepted_at, rejected_at, rejection_reason, won_at)
			VALUES ('Acme', 'Ann', $1, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7::timestamptz, $8, CASE WHEN $3::text = 'won' THEN $5::timestamptz END)`,
			"lead"+strconv.Itoa(i)+"@example.com", campaign, l.stage, value, ts(l.handed), ts(l.accepted), ts(l.rejected), reason)
		if err != nil {
			t.Fatal(err)
		}
	}
	r, err := f.store.Results(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := campaigns.Results{
		CampaignID: c.ID, Sourced: 14, HandedOff: 12, Accepted: 6, AcceptedBy: [4]int{1, 1, 3, 1},
		Rejected: 5, Won: 3, WonValueCents: 2400000, BudgetCents: 900000,
		Rejections: []campaigns.ReasonCount{
			{Code: "not_icp", Label: "Not our customer profile", Count: 2},
			{Code: "no_budget", Label: "No budget or authority", Count: 1},
			{Code: "bad_timing", Label: "Bad timing", Count: 2},
		},
	}
	if r.Sourced != want.Sourced || r.HandedOff != want.HandedOff || r.Accepted != want.Accepted || r.AcceptedBy != want.AcceptedBy ||
		r.Rejected != want.Rejected || r.Won != want.Won || r.WonValueCents != want.WonValueCents || r.BudgetCents != want.BudgetCents {
		t.Errorf("results %+v\nwant %+v", r, want)
	}
	if len(r.Rejections) != len(want.Rejections) {
		t.Fatalf("rejections %+v, want %+v", r.Rejections, want.Rejections)
	}
	for i := range want.Rejections {
		if r.Rejections[i] != want.Rejections[i] {
			t.Errorf("rejection %d: %+v, want %+v", i, r.Rejections[i], want.Rejections[i])
		}
	}
	if conv, ok := r.Conversion(); !ok || conv != 0.25 {
		t.Errorf("conversion %v, want 3 ÷ 12 = 0.25", conv)
	}
	if cost, ok := r.CostPerWonCents(); !ok || cost != 300000 {
		t.Errorf("cost per won %d, want 9000 ÷ 3 = 3000.00", cost)
	}
	if got := r.URL("sort", "rejected", "reason", "not_icp"); got != "/leads?campaign="+strconv.FormatInt(c.ID, 10)+"&reason=not_icp&sort=rejected" {
		t.Errorf("URL = %s", got)
	}

	none, err := f.store.Results(f.ctx, other.ID+1000)
	if !errors.Is(err, db.ErrNotFound) {
		t.Errorf("results of a missing campaign: %+v, %v", none, err)
	}
	empty := f.campaign("2026-05-04")
	r, err = f.store.Results(f.ctx, empty.ID)
	if err != nil || r.Sourced != 0 || r.Rejections != nil {
		t.Errorf("results without leads: %+v, %v", r, err)
	}
	if _, ok := r.Conversion(); ok {
		t.Error("conversion without handoffs")
	}
	if _, ok := r.CostPerWonCents(); ok {
		t.Error("cost per won without wins")
	}
}

// Questions thread one level; answers notify the asker, questions the
// owner.
func TestCommentsThreadOneLevel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep := f.user(users.Sales, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), true)
	agent := f.user(users.Service, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), true)
	c := f.campaign("2026-06-15")
	other := f.campaign("2026-07-15")

	if _, err := f.store.AddComment(f.ctx, rep, c.ID, 0, "   "); err == nil {
		t.Error("an empty question was accepted")
	}
	q, err := f.store.AddComment(f.ctx, rep, c.ID, 0, "Does this apply to monthly plans?")
	if err != nil {
		t.Fatal(err)
	}
	reply, err := f.store.AddComment(f.ctx, f.owner, c.ID, q.ID, "No, annual only.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.AddComment(f.ctx, agent, c.ID, reply.ID, "A reply to a reply"); !errors.Is(err, campaigns.ErrBadParent) {
		t.Errorf("replying to a reply: %v", err)
	}
	if _, err := f.store.AddComment(f.ctx, agent, other.ID, q.ID, "Wrong campaign"); !errors.Is(err, campaigns.ErrBadParent) {
		t.Errorf("replying across campaigns: %v", err)
	}
	if _, err := f.store.AddComment(f.ctx, agent, c.ID+1000, 0, "Nowhere"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("asking on a missing campaign: %v", err)
	}
	threads, err := f.store.Comments(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(threads) != 1 || len(threads[0].Replies) != 1 || threads[0].AuthorTeam != users.Sales ||
		threads[0].Replies[0].AuthorTeam != users.Marketing || threads[0].Replies[0].Body != "No, annual only." {
		t.Errorf("threads %+v", threads)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'question_asked'`, f.owner.ID); n != 1 {
		t.Errorf("owner got %d question notifications, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'question_answered'`, rep.ID); n != 1 {
		t.Errorf("asker got %d answer notifications, want 1", n)
	}
}

func TestAlertsPinAndAcknowledge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	joined := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	agent := f.user(users.Service, joined, true)
	rep := f.user(users.Sales, joined, true)
	now := berlin(f, 2026, 6, 1, 9, 0, 0)
	today := campaigns.Day(now, f.loc)

	if _, err := f.store.CreateAlert(f.ctx, agent, campaigns.AlertForm{Severity: "urgent", UntilOn: "2026-05-01"}, now); err == nil {
		t.Fatal("an empty alert was accepted")
	} else {
		var fe campaigns.FieldErrors
		if !errors.As(err, &fe) || fe["headline"] == "" || fe["severity"] == "" || fe["until_on"] == "" || fe["guidance"] == "" {
			t.Errorf("field errors %v", err)
		}
	}
	post := func(severity, until string) campaigns.Alert {
		a, err := f.store.CreateAlert(f.ctx, agent, campaigns.AlertForm{Headline: "Batch fault", Product: "Sensor S2",
			Severity: severity, WhatHappened: "It reads low.", Guidance: "Stop quoting accuracy.", UntilOn: until}, now)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	critical := post("critical", "2026-06-10")
	post("warning", "")
	expiring := post("critical", "2026-06-01")

	pinned, err := f.store.PinnedAlerts(f.ctx, rep.ID, today)
	if err != nil || len(pinned) != 2 {
		t.Fatalf("pinned for the rep: %+v, %v", pinned, err)
	}
	if mine, _ := f.store.PinnedAlerts(f.ctx, agent.ID, today); len(mine) != 0 {
		t.Errorf("the author's own alerts are pinned for them: %+v", mine)
	}
	if later, _ := f.store.PinnedAlerts(f.ctx, rep.ID, today.AddDate(0, 0, 1)); len(later) != 1 || later[0].ID != critical.ID {
		t.Errorf("after the expiring alert's last day: %+v", later)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE kind = 'new_alert' AND user_id = $1`, rep.ID); n != 3 {
		t.Errorf("rep got %d alert notifications, want 3", n)
	}

	added, err := f.store.AcknowledgeAlert(f.ctx, rep.ID, critical.ID, now)
	if err != nil || !added {
		t.Fatalf("acknowledging: %v %v", added, err)
	}
	if again, err := f.store.AcknowledgeAlert(f.ctx, rep.ID, critical.ID, now); err != nil || again {
		t.Errorf("acknowledging twice: %v %v", again, err)
	}
	if _, err := f.store.AcknowledgeAlert(f.ctx, rep.ID, critical.ID+1000, now); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("acknowledging a missing alert: %v", err)
	}
	pinned, _ = f.store.PinnedAlerts(f.ctx, rep.ID, today)
	if len(pinned) != 1 || pinned[0].ID != expiring.ID {
		t.Errorf("still pinned after acknowledging: %+v", pinned)
	}
	a, err := f.store.GetAlert(f.ctx, critical.ID, rep.ID)
	if err != nil || a.AckedAt.IsZero() || !a.Active(today) || a.Active(day("2026-06-11")) {
		t.Errorf("alert as the rep sees it: %+v, %v", a, err)
	}
	reach, err := f.store.AlertReachByTeam(f.ctx, critical.ID)
	if err != nil || reach[0].Team != users.Sales || reach[0].Acked != 1 || reach[0].People != 1 ||
		reach[1].People != 1 || reach[1].Acked != 0 || len(reach[1].Missing) != 1 || reach[2].Acked != 1 {
		t.Errorf("reach %+v, %v", reach, err)
	}
	waiting, err := f.store.UnacknowledgedAlerts(f.ctx, rep.ID, today)
	if err != nil || len(waiting) != 2 || waiting[0].Severity != campaigns.Critical {
		t.Errorf("waiting for the rep: %+v, %v", waiting, err)
	}
}

func TestStaleEditIsAConflict(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.campaign("2026-06-15")
	form := campaigns.FormOf(c)
	if _, err := f.store.Update(f.ctx, f.owner.ID, c.ID, c.Version, form); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Update(f.ctx, f.owner.ID, c.ID, c.Version, form); !errors.Is(err, db.ErrConflict) {
		t.Errorf("second edit from the same version: %v, want a conflict", err)
	}
	form.OwnerID = strconv.FormatInt(f.user(users.Sales, time.Now(), true).ID, 10)
	var fe campaigns.FieldErrors
	if _, err := f.store.Update(f.ctx, f.owner.ID, c.ID, c.Version+1, form); !errors.As(err, &fe) || fe["owner_id"] == "" {
		t.Errorf("a sales owner: %v", err)
	}
}
