package feedback

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/testdb"
	"tandem/internal/users"
)

// fixture is a fresh database with a few people and a store whose clock
// the test moves.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	loc   *time.Location
	now   time.Time
	store *Store
	theme int64
	users map[string]users.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), pool: testdb.New(t), loc: mustLoad(t, "Europe/Berlin"),
		users: map[string]users.User{}}
	f.now = time.Date(2026, 11, 4, 10, 0, 0, 0, f.loc) // a Wednesday
	f.store = NewStore(f.pool, f.loc).WithClock(func() time.Time { return f.now })
	people := []struct {
		key  string
		team users.Team
		role users.Role
	}{
		{"agent", users.Service, users.Member}, {"agent2", users.Service, users.Member},
		{"rep", users.Sales, users.Member}, {"rep2", users.Sales, users.Member},
		{"marketer", users.Marketing, users.Member}, {"marketer2", users.Marketing, users.Member},
		{"salesboss", users.Sales, users.Manager}, {"admin", users.Marketing, users.Admin},
	}
	for _, p := range people {
		u := users.User{Name: "Person " + p.key, Email: p.key + "@example.com", Team: p.team, Role: p.role, Active: true}
		f.must(f.pool.QueryRow(f.ctx, `INSERT INTO users (email, name, team, role) VALUES ($1, $2, $3, $4) RETURNING id`,
			u.Email, u.Name, u.Team, u.Role).Scan(&u.ID))
		f.users[p.key] = u
	}
	f.must(f.pool.QueryRow(f.ctx, `SELECT id FROM feedback_themes ORDER BY id LIMIT 1`).Scan(&f.theme))
	return f
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) u(key string) users.User { return f.users[key] }

func (f *fixture) input(edit ...func(*Input)) Input {
	in := Input{Customer: "Acme Logistics", Product: "Fleet Portal", Theme: strconv.FormatInt(f.theme, 10),
		Sentiment: "negative", ChainLink: "promise", Words: "The ad said setup takes a day; it took three weeks."}
	for _, e := range edit {
		e(&in)
	}
	return in
}

func (f *fixture) create(by string, edit ...func(*Input)) Item {
	f.t.Helper()
	it, err := f.store.Create(f.ctx, f.u(by), f.input(edit...))
	f.must(err)
	return it
}

func (f *fixture) get(id int64) Item {
	f.t.Helper()
	it, err := f.store.Get(f.ctx, id)
	f.must(err)
	return it
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	f.must(f.pool.QueryRow(f.ctx, sql, args...).Scan(&n))
	return n
}

func (f *fixture) notes(user string) int {
	return f.count(`SELECT count(*) FROM notifications WHERE user_id = $1`, f.u(user).ID)
}

func TestCreateStoresTheItemWithItsDeadline(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var lead int64
	f.must(f.pool.QueryRow(f.ctx, `INSERT INTO leads (company, contact_name, email) VALUES ('Acme Logistics', 'Ann', 'ann@acme.example')
		RETURNING id`).Scan(&lead))
	f.now = time.Date(2026, 10, 23, 16, 0, 0, 0, f.loc) // Friday before the DST change
	it := f.create("agent", func(in *Input) { in.Lead = strconv.FormatInt(lead, 10); in.Note = "  Second time this month.  " })

	if it.Status != New || it.ReporterTeam != users.Service || it.ReporterName != "Person agent" || it.LeadCompany != "Acme Logistics" {
		t.Errorf("created %+v", it)
	}
	if it.ReporterNote != "Second time this month." {
		t.Errorf("note %q not trimmed", it.ReporterNote)
	}
	if want := time.Date(2026, 10, 27, 16, 0, 0, 0, f.loc); !it.AckDueAt.Equal(want) {
		t.Errorf("ack due %s, want %s", it.AckDueAt.In(f.loc), want)
	}
	if it.Overdue(time.Date(2026, 10, 27, 15, 59, 0, 0, f.loc)) || !it.Overdue(time.Date(2026, 10, 27, 16, 1, 0, 0, f.loc)) {
		t.Error("overdue flag does not flip at the deadline")
	}
	if n := f.count(`SELECT count(*) FROM feedback_events WHERE item_id = $1 AND kind = 'created'`, it.ID); n != 1 {
		t.Errorf("%d created events", n)
	}
}

func TestCreateChecksReferences(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var retired int64
	f.must(f.pool.QueryRow(f.ctx, `INSERT INTO feedback_themes (name, active) VALUES ('Old theme', false) RETURNING id`).Scan(&retired))
	cases := []struct {
		name  string
		edit  func(*Input)
		field string
	}{
		{"unknown lead", func(in *Input) { in.Lead = "999999" }, "lead"},
		{"unknown campaign", func(in *Input) { in.Campaign = "999999" }, "campaign"},
		{"unknown theme", func(in *Input) { in.Theme = "999999" }, "theme"},
		{"retired theme", func(in *Input) { in.Theme = strconv.FormatInt(retired, 10) }, "theme"},
	}
	for _, tc := range cases {
		_, err := f.store.Create(f.ctx, f.u("rep"), f.input(tc.edit))
		var fe FieldErrors
		if !errors.As(err, &fe) || fe[tc.field] == "" {
			t.Errorf("%s: %v, want an error on %s", tc.name, err, tc.field)
		}
	}
	if n := f.count(`SELECT count(*) FROM feedback_items`); n != 0 {
		t.Errorf("%d items stored from refused forms", n)
	}
	var campaign int64
	f.must(f.pool.QueryRow(f.ctx, `INSERT INTO campaigns (name, channel, launch_on, end_on, owner_id)
		VALUES ('Spring webinar', 'webinar', '2026-03-01', '2026-03-31', $1) RETURNING id`, f.u("marketer").ID).Scan(&campaign))
	it := f.create("rep", func(in *Input) { in.Campaign = "#" + strconv.FormatInt(campaign, 10) })
	if it.CampaignID == nil || *it.CampaignID != campaign || it.CampaignName != "Spring webinar" {
		t.Errorf("campaign link %v %q", it.CampaignID, it.CampaignName)
	}
}

func TestStatusChangeNeedsAResponse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	it := f.create("agent")
	for _, response := range []string{"", "   \n\t"} {
		err := f.store.ChangeStatus(f.ctx, f.u("marketer"), it.ID, it.Version, Acknowledged, response)
		var fe FieldErrors
		if !errors.As(err, &fe) || fe["response"] == "" {
			t.Errorf("response %q: %v, want a response field error", response, err)
		}
	}
	got := f.get(it.ID)
	if got.Status != New || got.Version != it.Version || got.AcknowledgedAt != nil {
		t.Errorf("refused change applied: %+v", got)
	}
	if n := f.count(`SELECT count(*) FROM notifications`); n != 0 {
		t.Errorf("%d notifications for a refused change", n)
	}
}

func TestStatusChangeRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	it := f.create("agent")

	// People outside triage are refused by the store too, not only the router.
	if err := f.store.ChangeStatus(f.ctx, f.u("rep"), it.ID, it.Version, Acknowledged, "ok"); !errors.Is(err, ErrNotTriager) {
		t.Errorf("sales member: %v, want ErrNotTriager", err)
	}
	f.now = f.now.Add(3 * time.Hour)
	f.must(f.store.ChangeStatus(f.ctx, f.u("salesboss"), it.ID, it.Version, Planned, "On the roadmap for Q1."))
	got := f.get(it.ID)
	if got.Status != Planned || got.Response != "On the roadmap for Q1." || got.RespondedName != "Person salesboss" ||
		got.AcknowledgedAt == nil || !got.AcknowledgedAt.Equal(f.now) || got.Version != it.Version+1 {
		t.Errorf("after planning: %+v", got)
	}
	// A stale form is a conflict, not a lost update.
	if err := f.store.ChangeStatus(f.ctx, f.u("marketer"), it.ID, it.Version, ActedOn, "Done."); !errors.Is(err, db.ErrConflict) {
		t.Errorf("stale version: %v, want ErrConflict", err)
	}
	// Backwards is refused with a field error.
	var fe FieldErrors
	if err := f.store.ChangeStatus(f.ctx, f.u("marketer"), it.ID, got.Version, New, "Back."); !errors.As(err, &fe) || fe["status"] == "" {
		t.Errorf("planned → new: %v", err)
	}
	f.now = f.now.Add(24 * time.Hour)
	f.must(f.store.ChangeStatus(f.ctx, f.u("marketer"), it.ID, got.Version, ActedOn, "Fixed the landing page."))
	done := f.get(it.ID)
	if !done.AcknowledgedAt.Equal(*got.AcknowledgedAt) {
		t.Errorf("acknowledged_at moved on a later change: %s → %s", got.AcknowledgedAt, done.AcknowledgedAt)
	}
	events, err := f.store.Events(f.ctx, it.ID)
	f.must(err)
	var kinds []string
	for _, e := range events {
		s := string(e.Kind)
		if e.ToStatus != nil {
			s += ":" + string(*e.ToStatus)
		}
		kinds = append(kinds, s)
	}
	if want := []string{"created:new", "status:planned", "status:acted_on"}; !slices.Equal(kinds, want) {
		t.Errorf("history %v, want %v", kinds, want)
	}
}

func TestResponseNotifiesReporterAndHeardOnceEach(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	it := f.create("agent")
	for _, who := range []string{"rep", "rep2", "marketer"} { // the marketer heard it too, then responds
		f.must(f.store.AddHeard(f.ctx, f.u(who), it.ID, "", ""))
	}
	// The reporter also appears among the +1s (e.g. data from before the
	// rule): they must still get one notification, not two.
	_, err := f.pool.Exec(f.ctx, `INSERT INTO feedback_heard (item_id, user_id) VALUES ($1, $2)`, it.ID, f.u("agent").ID)
	f.must(err)

	f.must(f.store.ChangeStatus(f.ctx, f.u("marketer"), it.ID, it.Version, Acknowledged, "Looking into it."))
	want := map[string]int{"agent": 1, "rep": 1, "rep2": 1, "marketer": 0, "agent2": 0, "admin": 0}
	for who, n := range want {
		if got := f.notes(who); got != n {
			t.Errorf("%s got %d notifications, want %d", who, got, n)
		}
	}
	var title, link, kind string
	f.must(f.pool.QueryRow(f.ctx, `SELECT title, link, kind FROM notifications WHERE user_id = $1`, f.u("rep").ID).Scan(&title, &link, &kind))
	wantTitle := "Feedback #" + strconv.FormatInt(it.ID, 10) + " (Acme Logistics) is now acknowledged: Person marketer responded"
	if title != wantTitle || link != Link(it.ID) || kind != "feedback_response" {
		t.Errorf("notification %q %q %q", title, link, kind)
	}
	// The next change notifies everyone again, once.
	f.must(f.store.ChangeStatus(f.ctx, f.u("admin"), it.ID, it.Version+1, ActedOn, "Shipped."))
	if got := f.notes("marketer"); got != 1 {
		t.Errorf("the marketer who heard it got %d notifications from the admin's change, want 1", got)
	}
	if got := f.notes("agent"); got != 2 {
		t.Errorf("reporter has %d notifications after two changes, want 2", got)
	}
}

func TestHeardRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	it := f.create("agent")
	if err := f.store.AddHeard(f.ctx, f.u("agent"), it.ID, "", ""); !errors.Is(err, ErrOwnItem) {
		t.Errorf("reporter's own +1: %v", err)
	}
	f.must(f.store.AddHeard(f.ctx, f.u("rep"), it.ID, "  Globex  ", "Same at their depot."))
	if err := f.store.AddHeard(f.ctx, f.u("rep"), it.ID, "Initech", ""); !errors.Is(err, ErrHeardBefore) {
		t.Errorf("second +1: %v", err)
	}
	f.must(f.store.AddHeard(f.ctx, f.u("rep2"), it.ID, "globex", ""))     // same customer, other case
	f.must(f.store.AddHeard(f.ctx, f.u("agent2"), it.ID, "", "Heard it")) // no customer
	got := f.get(it.ID)
	if got.Heard != 3 || got.Customers != 2 {
		t.Errorf("heard %d customers %d, want 3 and 2 (Acme Logistics, Globex)", got.Heard, got.Customers)
	}
	heard, err := f.store.HeardBy(f.ctx, it.ID)
	f.must(err)
	if len(heard) != 3 || heard[0].Customer != "Globex" || heard[0].UserName != "Person rep" {
		t.Errorf("heard list %+v", heard)
	}
	if err := f.store.AddHeard(f.ctx, f.u("admin"), 999999, "", ""); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("unknown item: %v", err)
	}
	var fe FieldErrors
	if err := f.store.AddHeard(f.ctx, f.u("admin"), it.ID, string(make([]rune, 201)), ""); !errors.As(err, &fe) || fe["customer"] == "" {
		t.Errorf("long customer: %v", err)
	}
}

func TestMergeMovesHeardWithoutDoubleCounting(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.create("agent", func(in *Input) { in.Customer = "Acme" })
	b := f.create("rep", func(in *Input) { in.Customer = "Globex"; in.Words = "Same problem at Globex." })
	c := f.create("rep2", func(in *Input) { in.Customer = "Initech" })
	// A: heard by marketer, agent2. B: heard by agent2 (overlap), admin,
	// and agent (A's reporter). C was merged into B before.
	f.must(f.store.AddHeard(f.ctx, f.u("marketer"), a.ID, "Umbrella", ""))
	f.must(f.store.AddHeard(f.ctx, f.u("agent2"), a.ID, "", ""))
	f.must(f.store.AddHeard(f.ctx, f.u("agent2"), b.ID, "Hooli", "also there"))
	f.must(f.store.AddHeard(f.ctx, f.u("admin"), b.ID, "Acme", ""))
	f.must(f.store.AddHeard(f.ctx, f.u("agent"), b.ID, "", ""))
	f.must(f.store.Merge(f.ctx, f.u("marketer"), c.ID, b.ID, c.Version))
	b = f.get(b.ID)
	if b.Heard != 4 { // agent2, admin, agent, + rep2 (C's reporter)
		t.Fatalf("B heard %d after merging C, want 4", b.Heard)
	}

	// Refusals first.
	var fe FieldErrors
	if err := f.store.Merge(f.ctx, f.u("marketer"), b.ID, b.ID, b.Version); !errors.As(err, &fe) || fe["into"] == "" {
		t.Errorf("merge into itself: %v", err)
	}
	if err := f.store.Merge(f.ctx, f.u("marketer"), b.ID, c.ID, b.Version); !errors.As(err, &fe) || fe["into"] == "" {
		t.Errorf("merge into a merged item: %v", err)
	}
	if err := f.store.Merge(f.ctx, f.u("rep"), b.ID, a.ID, b.Version); !errors.Is(err, ErrNotTriager) {
		t.Errorf("merge by a sales member: %v", err)
	}
	if err := f.store.Merge(f.ctx, f.u("marketer"), b.ID, a.ID, b.Version-1); !errors.Is(err, db.ErrConflict) {
		t.Errorf("stale merge: %v", err)
	}

	f.must(f.store.Merge(f.ctx, f.u("marketer"), b.ID, a.ID, b.Version))
	a, b = f.get(a.ID), f.get(b.ID)
	// A's +1s: marketer, agent2 (kept once), admin (moved), rep2 (moved
	// from C via B), rep (B's reporter). agent reported A: not a +1.
	heard, err := f.store.HeardBy(f.ctx, a.ID)
	f.must(err)
	var who []string
	for _, h := range heard {
		who = append(who, h.UserName)
	}
	slices.Sort(who)
	want := []string{"Person admin", "Person agent2", "Person marketer", "Person rep", "Person rep2"}
	if !slices.Equal(who, want) {
		t.Errorf("A heard by %v, want %v", who, want)
	}
	if a.Heard != 5 {
		t.Errorf("A heard count %d, want 5", a.Heard)
	}
	// Distinct customers: Acme (A and admin's), Umbrella, Globex (rep's, from B), Initech (rep2's, from C).
	if a.Customers != 4 {
		t.Errorf("A customers %d, want 4", a.Customers)
	}
	if b.MergedInto == nil || *b.MergedInto != a.ID || b.MergedAt == nil {
		t.Errorf("B not marked merged into A: %+v", b)
	}
	if c := f.get(c.ID); c.MergedInto == nil || *c.MergedInto != a.ID {
		t.Errorf("C still points to B: %+v", c.MergedInto)
	}
	for _, h := range heard {
		if h.UserName == "Person rep" && (h.Customer != "Globex" || h.Note != "Same problem at Globex." || h.MergedFrom == nil || *h.MergedFrom != b.ID) {
			t.Errorf("B's reporter's +1 on A: %+v", h)
		}
	}
	if n := f.count(`SELECT count(*) FROM feedback_items f
		WHERE heard_count <> (SELECT count(*) FROM feedback_heard h WHERE h.item_id = f.id)`); n != 0 {
		t.Errorf("%d items with a stale heard count", n)
	}
	merged, err := f.store.MergedFrom(f.ctx, a.ID)
	f.must(err)
	if len(merged) != 2 {
		t.Errorf("A lists %d merged items, want 2 (B and C)", len(merged))
	}
	// The merged item takes no more writes; the list shows A only once.
	if err := f.store.AddHeard(f.ctx, f.u("salesboss"), b.ID, "", ""); !errors.Is(err, ErrMerged) {
		t.Errorf("+1 on a merged item: %v", err)
	}
	list, total, err := f.store.List(f.ctx, Filter{})
	f.must(err)
	if total != 1 || len(list) != 1 || list[0].ID != a.ID {
		t.Errorf("list after merges: %d items", total)
	}
	// B's reporter and +1s heard about the merge; the merging marketer did not.
	if n := f.count(`SELECT count(*) FROM notifications WHERE kind = 'feedback_merged' AND link = $1`, Link(a.ID)); n != 5 {
		t.Errorf("%d merge notifications, want 5 (B's reporter rep; its +1s agent2, admin, agent and rep2)", n)
	}
}

func TestRatingRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	it := f.create("agent")
	f.must(f.store.AddHeard(f.ctx, f.u("rep"), it.ID, "", ""))

	if err := f.store.Rate(f.ctx, f.u("agent"), it.ID, 4); !errors.Is(err, ErrNoResponse) {
		t.Errorf("rating before a response: %v", err)
	}
	f.must(f.store.ChangeStatus(f.ctx, f.u("marketer"), it.ID, it.Version, Acknowledged, "Thanks, on it."))
	for _, who := range []string{"rep", "marketer", "admin"} {
		if err := f.store.Rate(f.ctx, f.u(who), it.ID, 5); !errors.Is(err, ErrNotReporter) {
			t.Errorf("rating by %s: %v, want ErrNotReporter", who, err)
		}
	}
	for _, bad := range []int{0, 6, -1} {
		var fe FieldErrors
		if err := f.store.Rate(f.ctx, f.u("agent"), it.ID, bad); !errors.As(err, &fe) || fe["rating"] == "" {
			t.Errorf("rating %d: %v", bad, err)
		}
	}
	f.must(f.store.Rate(f.ctx, f.u("agent"), it.ID, 2))
	f.now = f.now.Add(time.Hour)
	f.must(f.store.Rate(f.ctx, f.u("agent"), it.ID, 4)) // changed their mind
	got := f.get(it.ID)
	if got.Rating == nil || *got.Rating != 4 || got.RatedAt == nil || !got.RatedAt.Equal(f.now) {
		t.Errorf("rating %v at %v, want 4 at %s", got.Rating, got.RatedAt, f.now)
	}
	if got.Version != it.Version+1 {
		t.Errorf("rating bumped the version to %d: open triage forms would conflict", got.Version)
	}
	if n := f.count(`SELECT count(*) FROM feedback_events WHERE item_id = $1 AND kind = 'rating'`, it.ID); n != 2 {
		t.Errorf("%d rating events, want 2", n)
	}
}

func TestOwnerMustBeAnActiveMarketer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	it := f.create("agent")
	var fe FieldErrors
	for _, who := range []string{"rep", "salesboss"} {
		if err := f.store.AssignOwner(f.ctx, f.u("marketer"), it.ID, it.Version, f.u(who).ID); !errors.As(err, &fe) || fe["owner"] == "" {
			t.Errorf("owner %s: %v", who, err)
		}
	}
	if err := f.store.AssignOwner(f.ctx, f.u("agent"), it.ID, it.Version, f.u("marketer").ID); !errors.Is(err, ErrNotTriager) {
		t.Errorf("assign by a service member: %v", err)
	}
	f.must(f.store.AssignOwner(f.ctx, f.u("admin"), it.ID, it.Version, f.u("marketer2").ID))
	got := f.get(it.ID)
	if got.OwnerName != "Person marketer2" || f.notes("marketer2") != 1 {
		t.Errorf("owner %q, %d notifications", got.OwnerName, f.notes("marketer2"))
	}
	f.must(f.store.AssignOwner(f.ctx, f.u("admin"), it.ID, got.Version, 0))
	if got := f.get(it.ID); got.OwnerID != nil {
		t.Errorf("owner not removed: %v", *got.OwnerID)
	}
}

func TestSearchRanksCustomerWordsFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	words := func(w, note, product string) func(*Input) {
		return func(in *Input) { in.Words, in.Note, in.Product = w, note, product }
	}
	twice := f.create("agent", words("The invoice was wrong, and the corrected invoice was wrong again.", "", "Fleet Portal"))
	once := f.create("rep", words("We were invoiced twice for March.", "", "Fleet Portal"))
	inNote := f.create("rep2", words("Billing is confusing.", "They showed me an invoice from last year.", "Fleet Portal"))
	inProduct := f.create("agent2", words("Export is slow.", "", "Invoice Export"))
	f.create("rep", words("Drivers love the new app.", "", "Driver App")) // no match

	list, total, err := f.store.List(f.ctx, Filter{Query: "invoices", Sort: SortRelevance})
	f.must(err)
	var got []int64
	for _, it := range list {
		got = append(got, it.ID)
	}
	want := []int64{twice.ID, once.ID, inNote.ID, inProduct.ID}
	if total != 4 || !slices.Equal(got, want) {
		t.Errorf("ranked %v (total %d), want %v", got, total, want)
	}
	// Web-search syntax: a phrase, and a word left out.
	list, _, err = f.store.List(f.ctx, Filter{Query: `"corrected invoice"`, Sort: SortRelevance})
	f.must(err)
	if len(list) != 1 || list[0].ID != twice.ID {
		t.Errorf("phrase search found %d items", len(list))
	}
	_, total, err = f.store.List(f.ctx, Filter{Query: "invoice -march"})
	f.must(err)
	if total != 3 {
		t.Errorf("invoice -march: %d, want 3", total)
	}
	// Hostile or meaningless queries are just text.
	for _, q := range []string{`'); DROP TABLE feedback_items; --`, "the", `"`, "&|!:*"} {
		if _, _, err := f.store.List(f.ctx, Filter{Query: q, Sort: SortRelevance}); err != nil {
			t.Errorf("query %q: %v", q, err)
		}
	}
}

func TestListFiltersAndSorts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.now = time.Date(2026, 11, 2, 9, 0, 0, 0, f.loc) // Monday
	old := f.create("agent", func(in *Input) { in.Product = "Driver App"; in.ChainLink = "experience" })
	f.now = time.Date(2026, 11, 4, 9, 0, 0, 0, f.loc) // Wednesday
	mid := f.create("rep", func(in *Input) { in.Sentiment = "positive" })
	f.now = time.Date(2026, 11, 5, 9, 0, 0, 0, f.loc)
	fresh := f.create("marketer")
	f.must(f.store.AddHeard(f.ctx, f.u("rep2"), mid.ID, "", ""))
	f.must(f.store.AddHeard(f.ctx, f.u("agent2"), mid.ID, "", ""))
	f.must(f.store.AddHeard(f.ctx, f.u("rep2"), fresh.ID, "", ""))
	f.now = time.Date(2026, 11, 5, 10, 0, 0, 0, f.loc)
	f.must(f.store.ChangeStatus(f.ctx, f.u("marketer2"), fresh.ID, fresh.Version, Declined, "Not for us."))

	ids := func(flt Filter) []int64 {
		t.Helper()
		list, _, err := f.store.List(f.ctx, flt)
		f.must(err)
		var out []int64
		for _, it := range list {
			out = append(out, it.ID)
		}
		return out
	}
	cases := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"newest", Filter{}, []int64{fresh.ID, mid.ID, old.ID}},
		{"most heard", Filter{Sort: SortHeard}, []int64{mid.ID, fresh.ID, old.ID}},
		{"waiting longest: open first, oldest first", Filter{Sort: SortWaiting}, []int64{old.ID, mid.ID, fresh.ID}},
		{"open only", Filter{Status: StatusOpen}, []int64{mid.ID, old.ID}},
		{"declined", Filter{Status: string(Declined)}, []int64{fresh.ID}},
		{"service's", Filter{Team: users.Service}, []int64{old.ID}},
		{"positive", Filter{Sentiment: Positive}, []int64{mid.ID}},
		{"experience", Filter{ChainLink: Experience}, []int64{old.ID}},
		{"product, any case", Filter{Product: "driver app"}, []int64{old.ID}},
		{"theme", Filter{ThemeID: f.theme}, []int64{fresh.ID, mid.ID, old.ID}},
		{"from Wednesday", Filter{From: time.Date(2026, 11, 4, 0, 0, 0, 0, f.loc)}, []int64{fresh.ID, mid.ID}},
		{"before Wednesday", Filter{To: time.Date(2026, 11, 4, 0, 0, 0, 0, f.loc)}, []int64{old.ID}},
		// Monday 09:00 + 2 business days = Wednesday 09:00: overdue now (Thu 10:00).
		{"waiting too long", Filter{Overdue: true}, []int64{old.ID}},
	}
	for _, tc := range cases {
		if got := ids(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}

	cols, err := f.store.Board(f.ctx, Filter{})
	f.must(err)
	if len(cols) != len(Statuses) || cols[0].Status != New || cols[0].Total != 2 || cols[4].Total != 1 ||
		cols[0].Items[0].ID != old.ID {
		t.Errorf("board %+v", cols)
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for range PageSize + 3 {
		f.create("agent")
		f.now = f.now.Add(time.Minute)
	}
	page1, total, err := f.store.List(f.ctx, Filter{Page: 1})
	f.must(err)
	page2, _, err := f.store.List(f.ctx, Filter{Page: 2})
	f.must(err)
	if total != PageSize+3 || len(page1) != PageSize || len(page2) != 3 || page1[PageSize-1].ID <= page2[0].ID {
		t.Errorf("total %d, pages of %d and %d", total, len(page1), len(page2))
	}
}

func TestTrendsCountPerThemePerMonth(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	themes := map[string]int64{}
	rows, err := f.pool.Query(f.ctx, `SELECT name, id FROM feedback_themes`)
	f.must(err)
	for rows.Next() {
		var name string
		var id int64
		f.must(rows.Scan(&name, &id))
		themes[name] = id
	}
	f.must(rows.Err())
	at := func(y int, m time.Month, d, hh int, theme, link, sentiment string) Item {
		f.now = time.Date(y, m, d, hh, 0, 0, 0, f.loc)
		return f.create("agent", func(in *Input) {
			in.Theme = strconv.FormatInt(themes[theme], 10)
			in.ChainLink, in.Sentiment = link, sentiment
		})
	}
	at(2025, 11, 30, 12, "Pricing and billing", "promise", "negative") // 13 months back: outside
	at(2025, 12, 1, 0, "Pricing and billing", "promise", "negative")   // first month, Berlin midnight
	at(2026, 3, 15, 9, "Pricing and billing", "expectation", "neutral")
	at(2026, 3, 16, 9, "Pricing and billing", "experience", "negative")
	at(2026, 3, 17, 9, "Integrations", "experience", "negative")
	dup := at(2026, 3, 18, 9, "Integrations", "experience", "negative")
	keep := at(2026, 3, 18, 10, "Integrations", "experience", "positive")
	at(2026, 11, 1, 0, "Integrations", "promise", "positive") // this month (1 Nov 00:00 Berlin = 31 Oct 23:00 UTC)
	f.must(f.store.Merge(f.ctx, f.u("admin"), dup.ID, keep.ID, dup.Version))

	f.now = time.Date(2026, 11, 20, 12, 0, 0, 0, f.loc)
	tr, err := f.store.Trends(f.ctx)
	f.must(err)
	if len(tr.Months) != 12 || !tr.Months[0].Equal(time.Date(2025, 12, 1, 0, 0, 0, 0, f.loc)) {
		t.Fatalf("months %v", tr.Months)
	}
	got := map[string][]int{}
	for _, th := range tr.Themes {
		got[th.Theme] = th.Counts
	}
	wantPricing := []int{1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0}
	wantIntegrations := []int{0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1}
	if !slices.Equal(got["Pricing and billing"], wantPricing) || !slices.Equal(got["Integrations"], wantIntegrations) || len(got) != 2 {
		t.Errorf("counts %v", got)
	}
	if tr.Max != 2 {
		t.Errorf("max %d, want 2", tr.Max)
	}
	wantLinks := []LinkSplit{{Promise, 1, 0, 1}, {Expectation, 0, 1, 0}, {Experience, 2, 0, 1}}
	if !slices.Equal(tr.Links, wantLinks) {
		t.Errorf("links %+v, want %+v", tr.Links, wantLinks)
	}
}

func TestThemeAdministration(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var fe FieldErrors
	if _, err := f.store.CreateTheme(f.ctx, ThemeInput{Name: "  pricing   AND billing "}); !errors.As(err, &fe) || fe["name"] == "" {
		t.Errorf("duplicate name (other case and spacing): %v", err)
	}
	th, err := f.store.CreateTheme(f.ctx, ThemeInput{Name: "Sustainability", Description: "CO2 reports"})
	f.must(err)
	th, err = f.store.UpdateTheme(f.ctx, th.ID, th.Version, ThemeInput{Name: "Sustainability reporting", Active: true})
	f.must(err)
	if th.Name != "Sustainability reporting" || th.Description != "" || th.Version != 2 {
		t.Errorf("updated %+v", th)
	}
	if _, err := f.store.UpdateTheme(f.ctx, th.ID, 1, ThemeInput{Name: "X", Active: true}); !errors.Is(err, db.ErrConflict) {
		t.Errorf("stale theme form: %v", err)
	}
	// Retire every theme but one; the last one stays.
	_, err = f.pool.Exec(f.ctx, `UPDATE feedback_themes SET active = false WHERE id <> $1`, th.ID)
	f.must(err)
	if _, err := f.store.UpdateTheme(f.ctx, th.ID, th.Version, ThemeInput{Name: th.Name}); !errors.As(err, &fe) || fe["active"] == "" {
		t.Errorf("retiring the last theme: %v", err)
	}
}

// A search matching more than CountCap items counts to the cap and ranks
// the newest CountCap matches, so its cost does not grow with history.
func TestBroadSearchIsCapped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	old := f.create("agent", func(in *Input) { in.Words = "Onboarding onboarding onboarding was slow." })
	f.must(func() error {
		_, err := f.pool.Exec(f.ctx, `UPDATE feedback_items SET created_at = now() - interval '2 years' WHERE id = $1`, old.ID)
		return err
	}())
	f.must(func() error {
		_, err := f.pool.Exec(f.ctx, `INSERT INTO feedback_items (reporter_id, reporter_team, customer, product, theme_id, sentiment,
			chain_link, customer_words, ack_due_at)
			SELECT reporter_id, reporter_team, customer || g, product, theme_id, sentiment, chain_link, 'Onboarding took a while.', ack_due_at
			FROM feedback_items, generate_series(1, $2) g WHERE id = $1`, old.ID, CountCap+50)
		return err
	}())
	list, total, err := f.store.List(f.ctx, Filter{Query: "onboarding", Sort: SortRelevance})
	f.must(err)
	if total != CountCap+1 || len(list) != PageSize {
		t.Fatalf("total %d, %d on the page", total, len(list))
	}
	for _, it := range list {
		if it.ID == old.ID {
			t.Error("the two-year-old item was ranked although it is outside the newest matches")
		}
	}
	_, total, err = f.store.List(f.ctx, Filter{Query: "slow"})
	f.must(err)
	if total != 1 {
		t.Errorf("narrow search: %d", total)
	}
}
