package calendar_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/calendar"
	"tandem/internal/refusal"
	"tandem/internal/testdb"
	"tandem/internal/users"
)

// The world of the store tests: Thursday 3 December 2026, 10:00 UTC, a
// Berlin business with a 48-hour SLA, 10 days' notice and the digest on
// Wednesdays at 09:30.
var now = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

type world struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	store *calendar.Store
	n     int

	mk, mkM, rep, rep2, salesM, agent users.User
	// Campaigns: announced (c1 ahead, c5 running, c4 long over) and drafts
	// (c2 of mk, c3 of mkM).
	c1, c2, c3, c4, c5 int64
	// Leads: l1 rep's open clock, l2 rep2's breached one, l3 rep's touched,
	// l4 waiting for assignment, l5 rep's won.
	l1, l2, l3, l4, l5 int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	pool := testdb.New(t)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, ctx: context.Background(), pool: pool,
		store: calendar.NewStore(pool, "https://tandem.example/", berlin)}
	w.exec(`INSERT INTO settings (key, value) VALUES ('sla_hours', '48'), ('notice_days', '10'),
		('digest_weekday', '3'), ('digest_time', '09:30')`)
	w.mk = w.user(users.Marketing, users.Member)
	w.mkM = w.user(users.Marketing, users.Manager)
	w.rep = w.user(users.Sales, users.Member)
	w.rep2 = w.user(users.Sales, users.Member)
	w.salesM = w.user(users.Sales, users.Manager)
	w.agent = w.user(users.Service, users.Member)

	w.c1 = w.campaign(summary200(), "2026-12-10", "2026-12-20", w.mk.ID, true)
	w.c2 = w.campaign("Winter webinar", "2026-12-20", "2026-12-27", w.mk.ID, false)
	w.c3 = w.campaign("January push", "2027-01-15", "2027-01-31", w.mkM.ID, false)
	w.c4 = w.campaign("Old news", "2025-12-01", "2026-01-01", w.mk.ID, true)
	w.c5 = w.campaign("Advent, offers; more", "2026-12-01", "2026-12-31", w.mkM.ID, true)
	w.exec(`INSERT INTO acknowledgements (campaign_id, user_id, revision) VALUES ($1, $2, 1)`, w.c1, w.rep.ID)

	w.l1 = w.lead("Rep One GmbH", "handed_off", &w.rep.ID, "2026-12-02T12:00:00Z", false)
	w.l2 = w.lead("Rep Two, Inc.", "accepted", &w.rep2.ID, "2026-12-01T08:00:00Z", false)
	w.l3 = w.lead("Touched AG", "accepted", &w.rep.ID, "2026-12-02T09:00:00Z", true)
	w.l4 = w.lead("Nobody's Ltd", "handed_off", nil, "2026-12-03T06:00:00Z", false)
	w.l5 = w.lead("Won SA", "won", &w.rep.ID, "2026-11-20T09:00:00Z", false)
	return w
}

func (w *world) exec(sql string, args ...any) {
	w.t.Helper()
	if _, err := w.pool.Exec(w.ctx, sql, args...); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) user(team users.Team, role users.Role) users.User {
	w.t.Helper()
	w.n++
	u := users.User{Name: "Person " + strconv.Itoa(w.n), Team: team, Role: role, Active: true}
	err := w.pool.QueryRow(w.ctx, `INSERT INTO users (email, name, team, role) VALUES ($1, $2, $3, $4) RETURNING id`,
		"p"+strconv.Itoa(w.n)+"@example.com", u.Name, team, role).Scan(&u.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return u
}

func (w *world) campaign(name, launch, end string, owner int64, announced bool) int64 {
	w.t.Helper()
	var id int64
	err := w.pool.QueryRow(w.ctx, `INSERT INTO campaigns (name, channel, audience, offer, launch_on, end_on, owner_id,
			status, announced_at, notice_lead, notice_days, revision)
		VALUES ($1, 'webinar', 'CFOs', '10 % off', $2, $3, $4,
			CASE WHEN $5 THEN 'announced' ELSE 'draft' END, CASE WHEN $5 THEN $6::timestamptz END,
			CASE WHEN $5 THEN interval '10 days' END, CASE WHEN $5 THEN 10 END, CASE WHEN $5 THEN 1 ELSE 0 END)
		RETURNING id`, name, launch, end, owner, announced, now.AddDate(0, 0, -20)).Scan(&id)
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *world) lead(company, stage string, owner *int64, handedOff string, touched bool) int64 {
	w.t.Helper()
	at, err := time.Parse(time.RFC3339, handedOff)
	if err != nil {
		w.t.Fatal(err)
	}
	var touch *time.Time
	if touched {
		t := at.Add(time.Hour)
		touch = &t
	}
	var id int64
	err = w.pool.QueryRow(w.ctx, `INSERT INTO leads (company, contact_name, email, stage, owner_id, handed_off_at, first_touch_at)
		VALUES ($1, 'Ann Contact', $2, $3, $4, $5, $6) RETURNING id`,
		company, strings.ToLower(strings.Fields(company)[0])+strconv.Itoa(w.n)+"@lead.example", stage, owner, at, touch).Scan(&id)
	w.n++
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *world) generate(u users.User, scope calendar.Scope) string {
	w.t.Helper()
	tok, err := w.store.Generate(w.ctx, u.ID, scope)
	if err != nil {
		w.t.Fatalf("generate %s feed of %s: %v", scope, u.Name, err)
	}
	return tok
}

// feed is a parsed feed: the calendar, its raw text and its events by UID.
type feed struct {
	cal    *ics.Calendar
	raw    string
	events map[string]*ics.VEvent
}

func (w *world) feed(tok string) feed {
	w.t.Helper()
	b, err := w.store.FeedAt(w.ctx, tok, now)
	if err != nil {
		w.t.Fatalf("feed: %v", err)
	}
	checkLines(w.t, b)
	cal := parse(w.t, b)
	f := feed{cal: cal, raw: string(b), events: map[string]*ics.VEvent{}}
	for _, e := range cal.Events() {
		if f.events[e.Id()] != nil {
			w.t.Errorf("UID %s twice", e.Id())
		}
		f.events[e.Id()] = e
		if got, err := e.GetDtStampTime(); err != nil || !got.Equal(now) {
			w.t.Errorf("%s: DTSTAMP %v (%v), want %v", e.Id(), got, err, now)
		}
		if u := e.GetProperty(ics.ComponentPropertyUrl); u == nil || !strings.HasPrefix(u.Value, "https://tandem.example/") {
			w.t.Errorf("%s: URL %v", e.Id(), u)
		}
	}
	return f
}

func uid(kind string, id int64, what string) string {
	return kind + "-" + strconv.FormatInt(id, 10) + "-" + what + "@tandem.example"
}

func slaUID(id int64, handedOff string) string {
	at, _ := time.Parse(time.RFC3339, handedOff)
	return uid("lead", id, "sla-"+strconv.FormatInt(at.Unix(), 10))
}

// has checks the feed has exactly the UIDs in want among those starting
// with prefix.
func (f feed) has(t *testing.T, prefix string, want ...string) {
	t.Helper()
	got := map[string]bool{}
	for id := range f.events {
		if strings.HasPrefix(id, prefix) {
			got[id] = true
		}
	}
	for _, id := range want {
		if !got[id] {
			t.Errorf("no event %s", id)
		}
		delete(got, id)
	}
	for id := range got {
		t.Errorf("unexpected event %s", id)
	}
}

func (f feed) value(t *testing.T, uid string, p ics.ComponentProperty) string {
	t.Helper()
	e := f.events[uid]
	if e == nil {
		t.Fatalf("no event %s", uid)
	}
	v := e.GetProperty(p)
	if v == nil {
		t.Fatalf("%s has no %s", uid, p)
	}
	return v.Value
}

func TestPersonalFeedHoldsOnlyItsOwnersData(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tok := w.generate(w.rep, calendar.Personal)
	if !strings.HasPrefix(tok, calendar.TokenPrefix) || len(tok) < 40 {
		t.Fatalf("token %q", tok)
	}
	if got, want := w.store.URL(tok), "https://tandem.example/calendar/"+tok+".ics"; got != want {
		t.Errorf("URL %q, want %q", got, want)
	}
	f := w.feed(tok)

	if got, _ := calProp(f.cal, "X-WR-CALNAME"); got != "Tandem: "+w.rep.Name {
		t.Errorf("calendar name %q", got)
	}
	// Announced campaigns in the window, not drafts nor last year's.
	f.has(t, "campaign-", uid("campaign", w.c1, "launch"), uid("campaign", w.c1, "end"),
		uid("campaign", w.c5, "launch"), uid("campaign", w.c5, "end"))
	launch := uid("campaign", w.c1, "launch")
	if got := f.value(t, launch, ics.ComponentPropertySummary); got != "Launch: "+summary200() {
		t.Errorf("launch summary %q", got)
	}
	if s, e := f.value(t, launch, ics.ComponentPropertyDtStart), f.value(t, launch, ics.ComponentPropertyDtEnd); s != "20261210" || e != "20261211" {
		t.Errorf("launch day %s–%s, want 20261210–20261211", s, e)
	}
	if s, e := f.value(t, uid("campaign", w.c1, "end"), ics.ComponentPropertyDtStart), f.value(t, uid("campaign", w.c1, "end"), ics.ComponentPropertyDtEnd); s != "20261220" || e != "20261221" {
		t.Errorf("end day %s–%s, want 20261220–20261221", s, e)
	}
	if got := f.value(t, launch, ics.ComponentPropertyUrl); got != "https://tandem.example/campaigns/"+strconv.FormatInt(w.c1, 10) {
		t.Errorf("launch URL %q", got)
	}
	if got := f.value(t, uid("campaign", w.c5, "launch"), ics.ComponentPropertySummary); got != "Launch: Advent, offers; more" {
		t.Errorf("escaped summary parsed back as %q", got)
	}
	desc := f.value(t, launch, ics.ComponentPropertyDescription)
	if !strings.Contains(desc, "Webinar campaign, Thu 10 Dec 2026 to Sun 20 Dec 2026.\nAudience: CFOs\nOffer: 10 % off\nOwner: "+w.mk.Name) {
		t.Errorf("launch description %q", desc)
	}

	// rep acknowledged c1; c5 launched already: no acknowledgement due.
	f.has(t, "campaign-"+strconv.FormatInt(w.c1, 10)+"-ack")
	// Their own open clock only: not rep2's, not the touched, won or
	// unassigned ones.
	f.has(t, "lead-", slaUID(w.l1, "2026-12-02T12:00:00Z"))
	sla := slaUID(w.l1, "2026-12-02T12:00:00Z")
	if got := f.value(t, sla, ics.ComponentPropertyDtStart); got != "20261204T120000Z" {
		t.Errorf("SLA deadline %s, want handoff + 48 h = 20261204T120000Z", got)
	}
	if got := f.value(t, sla, ics.ComponentPropertySummary); got != "Follow-up due: Rep One GmbH" {
		t.Errorf("SLA summary %q", got)
	}
	if got := f.value(t, sla, ics.ComponentPropertyUrl); got != "https://tandem.example/leads/"+strconv.FormatInt(w.l1, 10) {
		t.Errorf("SLA URL %q", got)
	}
	for _, leak := range []string{"Rep Two", "Nobody", "Touched", "Won SA", "Winter webinar", "January push", "Old news"} {
		if strings.Contains(f.raw, leak) {
			t.Errorf("rep's feed mentions %q", leak)
		}
	}

	// Digest days: the next eight Wednesdays at 09:30 Berlin.
	var digests []string
	for id, e := range f.events {
		if strings.HasPrefix(id, "digest-") {
			s, err := e.GetStartAt()
			if err != nil {
				t.Fatal(err)
			}
			digests = append(digests, s.Format(time.RFC3339))
		}
	}
	if len(digests) != calendar.DigestDays {
		t.Fatalf("%d digest days, want %d", len(digests), calendar.DigestDays)
	}
	for _, want := range []string{"2026-12-09T08:30:00Z", "2026-12-16T08:30:00Z", "2027-01-27T08:30:00Z"} {
		found := false
		for _, d := range digests {
			found = found || d == want
		}
		if !found {
			t.Errorf("no digest at %s in %v", want, digests)
		}
	}
	if got := f.value(t, "digest-2026-W49@tandem.example", ics.ComponentPropertyDtStart); got != "20261209T083000Z" {
		t.Errorf("digest of week 49 at %s", got)
	}
	if got := f.value(t, "digest-2026-W49@tandem.example", ics.ComponentPropertyUrl); got != "https://tandem.example/digests/2026-W49" {
		t.Errorf("digest URL %q", got)
	}

	// Stable: the same UIDs on the next fetch.
	again := w.feed(tok)
	if len(again.events) != len(f.events) {
		t.Errorf("second fetch has %d events, first %d", len(again.events), len(f.events))
	}
	for id := range f.events {
		if again.events[id] == nil {
			t.Errorf("UID %s gone on the second fetch", id)
		}
	}

	// Feed (now) serves the same token.
	b, err := w.store.Feed(w.ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(parse(t, b).Events()); n < calendar.DigestDays {
		t.Errorf("Feed as of now has %d events", n)
	}
}

func TestAckDeadlinesAndOtherPeoplesClocks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	f := w.feed(w.generate(w.rep2, calendar.Personal))
	// rep2 has not acknowledged c1: due at launch, 00:00 Berlin.
	f.has(t, "campaign-"+strconv.FormatInt(w.c1, 10)+"-ack", uid("campaign", w.c1, "ack"))
	if got := f.value(t, uid("campaign", w.c1, "ack"), ics.ComponentPropertyDtStart); got != "20261209T230000Z" {
		t.Errorf("acknowledgement deadline %s, want 20261209T230000Z", got)
	}
	// A breached clock stays until touched.
	f.has(t, "lead-", slaUID(w.l2, "2026-12-01T08:00:00Z"))
	if got := f.value(t, slaUID(w.l2, "2026-12-01T08:00:00Z"), ics.ComponentPropertySummary); got != "Follow-up due: Rep Two, Inc." {
		t.Errorf("summary %q", got)
	}

	// A service agent acknowledges too, and owns no leads.
	g := w.feed(w.generate(w.agent, calendar.Personal))
	g.has(t, "campaign-"+strconv.FormatInt(w.c1, 10)+"-ack", uid("campaign", w.c1, "ack"))
	g.has(t, "lead-")

	// A marketer gets no acknowledgement to do, but the notice deadline of
	// their own drafts: 00:00 Berlin ten days before launch.
	m := w.feed(w.generate(w.mk, calendar.Personal))
	m.has(t, "campaign-"+strconv.FormatInt(w.c1, 10)+"-ack")
	m.has(t, "campaign-"+strconv.FormatInt(w.c2, 10), uid("campaign", w.c2, "notice"))
	m.has(t, "campaign-"+strconv.FormatInt(w.c3, 10))
	if got := m.value(t, uid("campaign", w.c2, "notice"), ics.ComponentPropertyDtStart); got != "20261209T230000Z" {
		t.Errorf("notice deadline %s, want 20261209T230000Z", got)
	}
	if got := m.value(t, uid("campaign", w.c2, "notice"), ics.ComponentPropertySummary); got != "Announce by: Winter webinar" {
		t.Errorf("notice summary %q", got)
	}
}

func TestTeamFeedIsForManagersAndHoldsTheTeamsClocks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if _, err := w.store.Generate(w.ctx, w.rep.ID, calendar.Team); !errors.Is(err, calendar.ErrNotManager) ||
		refusal.KindOf(err) != refusal.Forbidden {
		t.Fatalf("a member's team feed: %v, want ErrNotManager (forbidden)", err)
	}
	if _, err := w.store.Generate(w.ctx, w.rep.ID, "everyone"); refusal.KindOf(err) != refusal.Invalid {
		t.Errorf("unknown scope: %v", err)
	}

	tok := w.generate(w.salesM, calendar.Team)
	f := w.feed(tok)
	if got, _ := calProp(f.cal, "X-WR-CALNAME"); got != "Tandem: Sales team" {
		t.Errorf("calendar name %q", got)
	}
	f.has(t, "lead-", slaUID(w.l1, "2026-12-02T12:00:00Z"), slaUID(w.l2, "2026-12-01T08:00:00Z"),
		slaUID(w.l4, "2026-12-03T06:00:00Z"))
	if got := f.value(t, slaUID(w.l2, "2026-12-01T08:00:00Z"), ics.ComponentPropertySummary); got != "Follow-up due: Rep Two, Inc. ("+w.rep2.Name+")" {
		t.Errorf("team SLA summary %q", got)
	}
	if got := f.value(t, slaUID(w.l4, "2026-12-03T06:00:00Z"), ics.ComponentPropertySummary); got != "Follow-up due: Nobody's Ltd (waiting for assignment)" {
		t.Errorf("unassigned SLA summary %q", got)
	}
	f.has(t, "campaign-"+strconv.FormatInt(w.c1, 10), uid("campaign", w.c1, "launch"), uid("campaign", w.c1, "end"))

	// The personal feed of the same manager is another token, holding
	// their own (no) leads.
	p := w.feed(w.generate(w.salesM, calendar.Personal))
	p.has(t, "lead-")
	infos, err := w.store.Feeds(w.ctx, w.salesM.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 || infos[0].Scope != calendar.Personal || infos[1].Scope != calendar.Team || infos[0].CreatedAt.IsZero() {
		t.Errorf("feeds %+v, want personal then team", infos)
	}

	// A marketing manager's team feed: every marketer's draft deadlines.
	m := w.feed(w.generate(w.mkM, calendar.Team))
	m.has(t, "campaign-"+strconv.FormatInt(w.c2, 10), uid("campaign", w.c2, "notice"))
	m.has(t, "campaign-"+strconv.FormatInt(w.c3, 10), uid("campaign", w.c3, "notice"))
	m.has(t, "lead-")

	// Demoted, the team feed closes; the personal one stays.
	w.exec(`UPDATE users SET role = 'member' WHERE id = $1`, w.salesM.ID)
	if _, err := w.store.FeedAt(w.ctx, tok, now); !errors.Is(err, calendar.ErrNotFound) {
		t.Errorf("team feed of a former manager: %v, want ErrNotFound", err)
	}
	if _, err := w.store.Generate(w.ctx, w.salesM.ID, calendar.Team); !errors.Is(err, calendar.ErrNotManager) {
		t.Errorf("former manager regenerates a team feed: %v", err)
	}
}

func TestRegenerateReplacesTheTokenAndOnlyItsHashIsKept(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	old := w.generate(w.rep, calendar.Personal)
	w.feed(old)
	fresh := w.generate(w.rep, calendar.Personal)
	if fresh == old {
		t.Fatal("regenerate returned the same token")
	}
	if _, err := w.store.FeedAt(w.ctx, old, now); !errors.Is(err, calendar.ErrNotFound) {
		t.Errorf("old token after regenerate: %v, want ErrNotFound", err)
	}
	w.feed(fresh)

	var rows, matching int
	sum := sha256.Sum256([]byte(fresh))
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*), count(*) FILTER (WHERE token_hash = $2)
		FROM calendar_feeds WHERE user_id = $1`, w.rep.ID, sum[:]).Scan(&rows, &matching); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || matching != 1 {
		t.Errorf("%d rows, %d with the token's SHA-256; want 1 and 1", rows, matching)
	}
	var plain int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM calendar_feeds c WHERE c::text LIKE '%' || $1 || '%'`,
		strings.TrimPrefix(fresh, calendar.TokenPrefix)[:20]).Scan(&plain); err != nil {
		t.Fatal(err)
	}
	if plain != 0 {
		t.Error("the token is stored in the clear")
	}

	for _, bad := range []string{"", "cal_", "cal_unknown", "nope", old, fresh[:len(fresh)-1], strings.Repeat("cal_x", 50)} {
		if _, err := w.store.FeedAt(w.ctx, bad, now); !errors.Is(err, calendar.ErrNotFound) {
			t.Errorf("token %q: %v, want ErrNotFound", bad, err)
		}
	}

	// A deactivated account's feed stops, and it cannot make another.
	w.exec(`UPDATE users SET active = false WHERE id = $1`, w.rep.ID)
	if _, err := w.store.FeedAt(w.ctx, fresh, now); !errors.Is(err, calendar.ErrNotFound) {
		t.Errorf("feed of a deactivated user: %v, want ErrNotFound", err)
	}
	if _, err := w.store.Generate(w.ctx, w.rep.ID, calendar.Personal); refusal.KindOf(err) != refusal.Forbidden {
		t.Errorf("deactivated user generates: %v, want forbidden", err)
	}
	if got, err := w.store.Feeds(w.ctx, w.rep2.ID); err != nil || len(got) != 0 {
		t.Errorf("feeds of someone without any: %v, %v", got, err)
	}
}
