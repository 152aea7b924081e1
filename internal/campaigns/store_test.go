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

func TestCampaignKeyIsAUniqueLowercaseSlug(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, b := f.campaign("2026-06-15"), f.campaign("2026-07-01")
	form := campaigns.FormOf(a)
	form.Key = "  Spring-Webinar_2026 "
	a, err := f.store.Update(f.ctx, f.owner.ID, a.ID, a.Version, form)
	if err != nil || a.Key != "spring-webinar_2026" {
		t.Fatalf("key %q, %v; want it trimmed and lowercased", a.Key, err)
	}
	other := campaigns.FormOf(b)
	other.Key = "SPRING-WEBINAR_2026"
	var fe campaigns.FieldErrors
	if _, err := f.store.Update(f.ctx, f.owner.ID, b.ID, b.Version, other); !errors.As(err, &fe) || fe["key"] == "" {
		t.Errorf("a key another campaign has: %v, want a field error", err)
	}
	other.Key = "spring webinar"
	if _, err := f.store.Update(f.ctx, f.owner.ID, b.ID, b.Version, other); !errors.As(err, &fe) || fe["key"] == "" {
		t.Errorf("a key with a space: %v, want a field error", err)
	}
	other.Key = ""
	if b, err = f.store.Update(f.ctx, f.owner.ID, b.ID, b.Version, other); err != nil || b.Key != "" {
		t.Errorf("no key: %q, %v", b.Key, err)
	}
}
