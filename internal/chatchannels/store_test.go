package chatchannels_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/chat"
	"tandem/internal/chatchannels"
	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/outbound"
	"tandem/internal/refusal"
	"tandem/internal/testdb"
	"tandem/internal/users"
)

const baseURL = "https://tandem.example.com"

// clock is a fake time the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// receiver is a chat tool's incoming webhook: it records each request and
// answers with the next status of its script (the last one repeats).
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	bodies   [][]byte
	types    []string
	statuses []int
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	rc := &receiver{statuses: statuses}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, b)
		rc.types = append(rc.types, r.Header.Get("Content-Type"))
		status := http.StatusOK
		if len(rc.statuses) > 0 {
			status = rc.statuses[0]
			if len(rc.statuses) > 1 {
				rc.statuses = rc.statuses[1:]
			}
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "answer "+http.StatusText(status))
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) received() int { rc.mu.Lock(); defer rc.mu.Unlock(); return len(rc.bodies) }

type fakeEnqueuer struct{ queued atomic.Int64 }

func (f *fakeEnqueuer) EnqueueDelivery(ctx context.Context, tx pgx.Tx, channel string, id int64) error {
	if channel != "chat" {
		return errors.New("wrong channel " + channel)
	}
	f.queued.Add(1)
	return nil
}

type fx struct {
	t     *testing.T
	pool  *pgxpool.Pool
	clock *clock
	store *chatchannels.Store
	enq   *fakeEnqueuer
	admin int64
}

func newFx(t *testing.T) *fx {
	t.Helper()
	f := &fx{t: t, pool: testdb.New(t), clock: &clock{t: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)}, enq: &fakeEnqueuer{}}
	f.store = chatchannels.NewStore(f.pool, chatchannels.Options{Client: &http.Client{Timeout: 5 * time.Second},
		Now: f.clock.Now, BaseURL: baseURL, Enqueuer: f.enq})
	if err := f.pool.QueryRow(context.Background(), `INSERT INTO users (email, name, team, role)
		VALUES ('ada@example.com', 'Ada Admin', 'sales', 'admin') RETURNING id`).Scan(&f.admin); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fx) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%v\n%s", err, sql)
	}
	return n
}

func (f *fx) channel(team users.Team, kind chat.Kind, url string, kinds ...events.Kind) chatchannels.Channel {
	f.t.Helper()
	form := chatchannels.DefaultForm(team)
	form.Kind, form.Name, form.WebhookURL = string(kind), "#"+string(team)+"-"+string(kind), url
	if len(kinds) > 0 {
		form.EventKinds = nil
		for _, k := range kinds {
			form.EventKinds = append(form.EventKinds, string(k))
		}
	}
	c, err := f.store.Create(context.Background(), f.admin, form)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// event records an event with paths in its payload, as the domain does.
func (f *fx) event(kind events.Kind, teams []string, payload any) events.Event {
	f.t.Helper()
	data, _ := json.Marshal(payload)
	ev := events.Event{Kind: kind, Teams: teams, Data: data}
	if err := f.pool.QueryRow(context.Background(), `INSERT INTO events (kind, teams, data) VALUES ($1, $2, $3)
		RETURNING id, occurred_at`, kind, teams, data).Scan(&ev.ID, &ev.OccurredAt); err != nil {
		f.t.Fatal(err)
	}
	return ev
}

func (f *fx) campaignEvent() events.Event {
	return f.event(events.CampaignAnnounced, []string{"sales", "service", "marketing"}, events.Campaign{
		ID: 5, Name: "Winter webinar", LaunchOn: "2026-12-01", EndOn: "2026-12-31", Revision: 1,
		TalkingPoints: "Lead with the winter offer.", URL: "/campaigns/5", AcknowledgeURL: "/campaigns/5#acknowledge"})
}

func (f *fx) plan(ev events.Event) []int64 {
	f.t.Helper()
	var ids []int64
	err := db.InTx(context.Background(), f.pool, func(tx pgx.Tx) error {
		var err error
		ids, err = f.store.Plan(context.Background(), tx, ev)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return ids
}

// absolute is the event as the fan-out hands it to Plan: links absolute.
func absolute(t *testing.T, ev events.Event) events.Event {
	t.Helper()
	var fields map[string]any
	if err := json.Unmarshal(ev.Data, &fields); err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		if s, ok := v.(string); ok && strings.HasSuffix(k, "url") && strings.HasPrefix(s, "/") {
			fields[k] = baseURL + s
		}
	}
	ev.Data, _ = json.Marshal(fields)
	return ev
}

func TestDeliverPostsEachKindsMessage(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	ev := f.campaignEvent()
	receivers := map[chat.Kind]*receiver{}
	for _, k := range chat.Kinds {
		receivers[k] = newReceiver(t)
		f.channel(users.Sales, k, receivers[k].URL+"/hooks/"+string(k))
	}
	ids := f.plan(absolute(t, ev))
	if len(ids) != len(chat.Kinds) {
		t.Fatalf("planned %d deliveries, want %d", len(ids), len(chat.Kinds))
	}
	for _, id := range ids {
		if err := f.store.Deliver(context.Background(), id, 1); err != nil {
			t.Fatal(err)
		}
	}
	for k, rc := range receivers {
		if rc.received() != 1 {
			t.Fatalf("%s received %d posts", k, rc.received())
		}
		want, err := chat.Message(k, absolute(t, ev))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rc.bodies[0], want) {
			t.Errorf("%s received\n%s\nwant chat.Message's\n%s", k, rc.bodies[0], want)
		}
		if rc.types[0] != chat.ContentType {
			t.Errorf("%s: Content-Type %q, want %q", k, rc.types[0], chat.ContentType)
		}
	}
	if n := f.count(`SELECT count(*) FROM chat_deliveries WHERE status = 'delivered' AND delivered_at IS NOT NULL
		AND attempts = 1 AND last_status_code = 200`); n != len(chat.Kinds) {
		t.Errorf("%d deliveries recorded delivered", n)
	}
	// Done is done: a second run of the job posts nothing.
	if err := f.store.Deliver(context.Background(), ids[0], 2); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, rc := range receivers {
		total += rc.received()
	}
	if total != len(chat.Kinds) {
		t.Errorf("a delivered delivery was posted again: %d posts", total)
	}
}

func TestPlanIsIdempotentAndFollowsTeamsAndKinds(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := newReceiver(t)
	sales := f.channel(users.Sales, chat.Slack, rc.URL)
	service := f.channel(users.Service, chat.Teams, rc.URL)
	marketing := f.channel(users.Marketing, chat.Mattermost, rc.URL, events.FeedbackLogged)
	off := f.channel(users.Sales, chat.GoogleChat, rc.URL)
	form := chatchannels.FormOf(off)
	form.Enabled = false
	if _, err := f.store.Update(context.Background(), off.ID, off.Version, form); err != nil {
		t.Fatal(err)
	}

	// A campaign for sales and service: the marketing channel does not
	// take the kind, the disabled one hears nothing.
	ev := f.event(events.CampaignAnnounced, []string{"sales", "service"}, events.Campaign{ID: 1, Name: "C",
		LaunchOn: "2026-12-01", EndOn: "2026-12-02", URL: "/campaigns/1", AcknowledgeURL: "/campaigns/1#acknowledge"})
	if ids := f.plan(ev); len(ids) != 2 {
		t.Fatalf("planned %d, want 2 (sales and service)", len(ids))
	}
	if ids := f.plan(ev); len(ids) != 0 {
		t.Errorf("a second Plan added %d deliveries", len(ids))
	}
	if n := f.count(`SELECT count(*) FROM chat_deliveries WHERE event_id = $1 AND channel_id = ANY($2)`,
		ev.ID, []int64{sales.ID, service.ID}); n != 2 {
		t.Errorf("%d deliveries for sales and service", n)
	}

	// Feedback logged concerns marketing only: the sales channel takes the
	// kind? No; but even a sales channel set to take it must not hear of
	// an event chat.Wants says is not for sales.
	salesAll := f.channel(users.Sales, chat.Slack, rc.URL, events.FeedbackLogged)
	fb := f.event(events.FeedbackLogged, []string{"marketing"}, events.Feedback{ID: 9, Summary: "S", Team: "service", Status: "new", URL: "/feedback/9"})
	if chat.Wants("sales", fb) {
		t.Fatal("the fixture is wrong: chat.Wants lets sales hear of it")
	}
	ids := f.plan(fb)
	if len(ids) != 1 {
		t.Fatalf("planned %d, want 1 (marketing)", len(ids))
	}
	if n := f.count(`SELECT count(*) FROM chat_deliveries WHERE event_id = $1 AND channel_id = $2`, fb.ID, salesAll.ID); n != 0 {
		t.Error("a sales channel got an event not for sales")
	}
	if n := f.count(`SELECT count(*) FROM chat_deliveries WHERE event_id = $1 AND channel_id = $2`, fb.ID, marketing.ID); n != 1 {
		t.Error("the marketing channel did not get its event")
	}
}

func TestFailThenSucceed(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := newReceiver(t, http.StatusInternalServerError, http.StatusTooManyRequests, http.StatusOK)
	c := f.channel(users.Sales, chat.Slack, rc.URL)
	ids := f.plan(absolute(t, f.campaignEvent()))
	for attempt := 1; attempt <= 2; attempt++ {
		err := f.store.Deliver(context.Background(), ids[0], attempt)
		if err == nil || errors.Is(err, events.ErrGiveUp) {
			t.Fatalf("attempt %d: %v, want an error to retry", attempt, err)
		}
		f.clock.Add(f.store.NextRetry(attempt))
	}
	d, err := f.store.GetDelivery(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != chatchannels.Pending || d.Attempts != 2 || *d.LastStatusCode != 429 || !strings.Contains(d.LastError, "Too Many Requests") {
		t.Errorf("after two failures: %+v", d)
	}
	if got, _ := f.store.Get(context.Background(), c.ID); got.FailingSince == nil {
		t.Error("a failing channel has no failing_since")
	}
	if err := f.store.Deliver(context.Background(), ids[0], 3); err != nil {
		t.Fatal(err)
	}
	d, _ = f.store.GetDelivery(context.Background(), ids[0])
	if d.Status != chatchannels.Delivered || d.Attempts != 3 || d.LastError != "" || d.LastLatencyMS == nil {
		t.Errorf("after the success: %+v", d)
	}
	if got, _ := f.store.Get(context.Background(), c.ID); got.FailingSince != nil || !got.Enabled {
		t.Errorf("a channel that answered again: %+v", got)
	}
	if rc.received() != 3 {
		t.Errorf("%d posts, want 3", rc.received())
	}
}

func TestGoneDisablesTheChannel(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusGone, http.StatusNotFound} {
		f := newFx(t)
		rc := newReceiver(t, status)
		c := f.channel(users.Service, chat.Teams, rc.URL)
		ids := f.plan(absolute(t, f.campaignEvent()))
		err := f.store.Deliver(context.Background(), ids[0], 1)
		if !errors.Is(err, events.ErrGiveUp) {
			t.Fatalf("%d: %v, want a give-up", status, err)
		}
		got, _ := f.store.Get(context.Background(), c.ID)
		if got.Enabled || !strings.Contains(got.DisabledReason, "deleted") {
			t.Errorf("%d: channel %+v", status, got)
		}
		if n := f.count(`SELECT count(*) FROM chat_deliveries WHERE status = 'failed'`); n != 1 {
			t.Errorf("%d: %d failed deliveries", status, n)
		}
		if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'chat_channel_disabled'`, f.admin); n != 1 {
			t.Errorf("%d: the admin got %d notifications", status, n)
		}
		// A disabled channel hears of nothing new.
		if ids := f.plan(absolute(t, f.campaignEvent())); len(ids) != 0 {
			t.Errorf("%d: a disabled channel got %d deliveries", status, len(ids))
		}
	}
}

func TestTwentyFourHours(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := newReceiver(t, http.StatusServiceUnavailable)
	c := f.channel(users.Sales, chat.Mattermost, rc.URL)
	first := f.plan(absolute(t, f.campaignEvent()))[0]
	if err := f.store.Deliver(context.Background(), first, 1); err == nil || errors.Is(err, events.ErrGiveUp) {
		t.Fatalf("first failure: %v", err)
	}
	// 23 hours of failures later a second event comes: still retried.
	f.clock.Add(23 * time.Hour)
	second := f.plan(absolute(t, f.campaignEvent()))[0]
	if err := f.store.Deliver(context.Background(), second, 1); err == nil || errors.Is(err, events.ErrGiveUp) {
		t.Fatalf("at 23 h: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE kind = 'chat_channel_disabled'`); n != 0 {
		t.Fatalf("notified after 23 h")
	}
	// At 24 hours the first delivery gives up, the channel is turned off
	// and the admin told, once; the second then gives up too.
	f.clock.Add(time.Hour)
	if err := f.store.Deliver(context.Background(), first, 7); !errors.Is(err, events.ErrGiveUp) {
		t.Fatalf("at 24 h: %v, want a give-up", err)
	}
	got, _ := f.store.Get(context.Background(), c.ID)
	if got.Enabled || !strings.Contains(got.DisabledReason, "24 hours") {
		t.Errorf("channel after 24 h: %+v", got)
	}
	if err := f.store.Deliver(context.Background(), second, 2); !errors.Is(err, events.ErrGiveUp) {
		t.Fatalf("a delivery of a disabled channel: %v, want a give-up", err)
	}
	if n := f.count(`SELECT count(*) FROM chat_deliveries WHERE status = 'failed'`); n != 2 {
		t.Errorf("%d failed deliveries, want 2", n)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'chat_channel_disabled'`, f.admin); n != 1 {
		t.Errorf("the admin got %d notifications, want 1", n)
	}
	if posts := rc.received(); posts != 3 {
		t.Errorf("%d posts, want 3 (none to a disabled channel)", posts)
	}

	// Redelivery waits for the channel to be on; turning it on starts the
	// count afresh.
	if err := f.store.Redeliver(context.Background(), second); refusal.KindOf(err) != refusal.Conflict {
		t.Errorf("redeliver to a disabled channel: %v", err)
	}
	form := chatchannels.FormOf(got)
	form.Enabled = true
	on, err := f.store.Update(context.Background(), c.ID, got.Version, form)
	if err != nil {
		t.Fatal(err)
	}
	if on.FailingSince != nil || on.DisabledReason != "" {
		t.Errorf("turned on again: %+v", on)
	}
}

func TestOneDeliveryRetriedPast24HoursGivesUp(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := newReceiver(t, http.StatusBadGateway, http.StatusOK, http.StatusBadGateway)
	c := f.channel(users.Sales, chat.GoogleChat, rc.URL)
	id := f.plan(absolute(t, f.campaignEvent()))[0]
	if err := f.store.Deliver(context.Background(), id, 1); errors.Is(err, events.ErrGiveUp) || err == nil {
		t.Fatal(err)
	}
	// Another delivery succeeds meanwhile: the channel is healthy, but
	// the first delivery has had its 24 hours.
	f.clock.Add(time.Hour)
	other := f.plan(absolute(t, f.campaignEvent()))[0]
	if err := f.store.Deliver(context.Background(), other, 1); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(24 * time.Hour)
	if err := f.store.Deliver(context.Background(), id, 9); !errors.Is(err, events.ErrGiveUp) {
		t.Fatalf("after 25 h: %v, want a give-up", err)
	}
	if d, _ := f.store.GetDelivery(context.Background(), id); d.Status != chatchannels.Failed {
		t.Errorf("delivery %+v", d)
	}
	if got, _ := f.store.Get(context.Background(), c.ID); !got.Enabled || got.FailingSince == nil {
		t.Errorf("a channel failing for a moment was turned off: %+v", got)
	}
	if n := f.count(`SELECT count(*) FROM notifications`); n != 0 {
		t.Errorf("%d notifications", n)
	}
}

func TestRedeliver(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := newReceiver(t, http.StatusInternalServerError, http.StatusOK)
	f.channel(users.Sales, chat.Slack, rc.URL)
	id := f.plan(absolute(t, f.campaignEvent()))[0]
	_ = f.store.Deliver(context.Background(), id, 1)
	f.clock.Add(time.Hour)
	if err := f.store.Redeliver(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if f.enq.queued.Load() != 1 {
		t.Errorf("%d jobs queued, want 1", f.enq.queued.Load())
	}
	d, _ := f.store.GetDelivery(context.Background(), id)
	if d.Status != chatchannels.Pending || d.Attempts != 0 || d.LastError != "" || !d.QueuedAt.Equal(f.clock.Now()) {
		t.Errorf("reset delivery: %+v", d)
	}
	if err := f.store.Deliver(context.Background(), id, 1); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Redeliver(context.Background(), id+1000); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("unknown delivery: %v", err)
	}
	noJobs := chatchannels.NewStore(f.pool, chatchannels.Options{})
	if err := noJobs.Redeliver(context.Background(), id); refusal.KindOf(err) != refusal.Conflict {
		t.Errorf("no enqueuer: %v, want a conflict", err)
	}
	list, err := f.store.Recent(context.Background(), d.ChannelID)
	if err != nil || len(list) != 1 || list[0].EventKind != events.CampaignAnnounced {
		t.Errorf("recent: %+v %v", list, err)
	}
}

func TestSendTest(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := newReceiver(t, http.StatusOK, http.StatusForbidden)
	c := f.channel(users.Marketing, chat.Teams, rc.URL)
	r, err := f.store.SendTest(context.Background(), c.ID)
	if err != nil || !r.OK || r.StatusCode != 200 {
		t.Fatalf("test message: %+v %v", r, err)
	}
	if !strings.Contains(string(rc.bodies[0]), "test message from Tandem") || rc.types[0] != chat.ContentType {
		t.Errorf("test body %s (%s)", rc.bodies[0], rc.types[0])
	}
	r, err = f.store.SendTest(context.Background(), c.ID)
	if err != nil || r.OK || !strings.Contains(r.Summary(), "403 Forbidden") {
		t.Errorf("refused test: %+v %v", r, err)
	}
	got, _ := f.store.Get(context.Background(), c.ID)
	if got.TestedAt == nil || got.TestResult != r.Summary() || got.FailingSince != nil {
		t.Errorf("after tests: %+v", got)
	}
	if _, err := f.store.SendTest(context.Background(), c.ID+99); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("unknown channel: %v", err)
	}
}

func TestNoAnswerKeepsTheURLOutOfTheLog(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := newReceiver(t)
	url := rc.URL + "/services/T000/B000/very-secret-token"
	rc.Close() // nobody listens any more
	f.channel(users.Sales, chat.Slack, url)
	id := f.plan(absolute(t, f.campaignEvent()))[0]
	err := f.store.Deliver(context.Background(), id, 1)
	if err == nil || strings.Contains(err.Error(), "very-secret-token") {
		t.Fatalf("error %v", err)
	}
	d, _ := f.store.GetDelivery(context.Background(), id)
	if d.LastStatusCode != nil || !strings.HasPrefix(d.LastError, "No answer") || strings.Contains(d.LastError, "secret") {
		t.Errorf("delivery %+v", d)
	}
}

func TestCreateUpdateDelete(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	ctx := context.Background()
	bad := []struct {
		name  string
		form  chatchannels.Form
		field string
	}{
		{"no url", chatchannels.Form{Team: "sales", Kind: "slack", Name: "x", EventKinds: []string{"lead.won"}}, "webhook_url"},
		{"relative", chatchannels.Form{Team: "sales", Kind: "slack", Name: "x", WebhookURL: "/hooks", EventKinds: []string{"lead.won"}}, "webhook_url"},
		{"ftp", chatchannels.Form{Team: "sales", Kind: "slack", Name: "x", WebhookURL: "ftp://h/x", EventKinds: []string{"lead.won"}}, "webhook_url"},
		{"userinfo", chatchannels.Form{Team: "sales", Kind: "slack", Name: "x", WebhookURL: "https://u:p@h/x", EventKinds: []string{"lead.won"}}, "webhook_url"},
		{"team", chatchannels.Form{Team: "legal", Kind: "slack", Name: "x", WebhookURL: "https://h/x", EventKinds: []string{"lead.won"}}, "team"},
		{"kind", chatchannels.Form{Team: "sales", Kind: "irc", Name: "x", WebhookURL: "https://h/x", EventKinds: []string{"lead.won"}}, "kind"},
		{"name", chatchannels.Form{Team: "sales", Kind: "slack", Name: " ", WebhookURL: "https://h/x", EventKinds: []string{"lead.won"}}, "name"},
		{"no kinds", chatchannels.Form{Team: "sales", Kind: "slack", Name: "x", WebhookURL: "https://h/x"}, "event_kinds"},
		{"unknown kind", chatchannels.Form{Team: "sales", Kind: "slack", Name: "x", WebhookURL: "https://h/x", EventKinds: []string{"lead.eaten"}}, "event_kinds"},
	}
	for _, tc := range bad {
		_, err := f.store.Create(ctx, f.admin, tc.form)
		if msgs := refusal.FieldMessages(err); msgs[tc.field] == "" {
			t.Errorf("%s: %v, want a message for %s", tc.name, err, tc.field)
		}
	}
	form := chatchannels.DefaultForm(users.Service)
	form.Name, form.WebhookURL = "#service", "https://chat.example.com/hooks/abcdefghijkl"
	if w := form.Warning(); w == "" {
		t.Error("a Slack URL off hooks.slack.com gives no warning")
	}
	c, err := f.store.Create(ctx, f.admin, form)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.MaskedURL(); got != "https://chat.example.com/…ijkl" {
		t.Errorf("masked %q", got)
	}
	for _, k := range chatchannels.DefaultKinds(users.Service) {
		if !c.Takes(k) {
			t.Errorf("a new service channel does not take %s", k)
		}
	}
	if c.Takes(events.LeadAssigned) {
		t.Error("a new service channel takes lead assignments")
	}
	list, err := f.store.List(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("list %v %v", list, err)
	}

	// An edit with the URL left empty keeps it; one on an old version is a conflict.
	edit := chatchannels.FormOf(c)
	edit.Name = "#service-desk"
	saved, err := f.store.Update(ctx, c.ID, c.Version, edit)
	if err != nil || saved.WebhookURL != c.WebhookURL || saved.Name != "#service-desk" || saved.Version != c.Version+1 {
		t.Fatalf("saved %+v %v", saved, err)
	}
	if _, err := f.store.Update(ctx, c.ID, c.Version, edit); refusal.KindOf(err) != refusal.Conflict {
		t.Errorf("stale edit: %v", err)
	}
	if _, err := f.store.Update(ctx, c.ID+9, 1, edit); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("edit of nothing: %v", err)
	}
	if err := f.store.Delete(ctx, c.ID, c.Version); refusal.KindOf(err) != refusal.Conflict {
		t.Errorf("stale delete: %v", err)
	}
	if err := f.store.Delete(ctx, c.ID, saved.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Get(ctx, c.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("deleted channel: %v", err)
	}
}

func TestDeliveryOfADeletedChannelIsNothingToDo(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := newReceiver(t)
	c := f.channel(users.Sales, chat.Slack, rc.URL)
	id := f.plan(absolute(t, f.campaignEvent()))[0]
	if err := f.store.Delete(context.Background(), c.ID, c.Version); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Deliver(context.Background(), id, 1); err != nil || rc.received() != 0 {
		t.Errorf("%v, %d posts", err, rc.received())
	}
	if f.store.Name() != "chat" {
		t.Error("name")
	}
}

// Through the client `tandem serve` uses, a webhook on a loopback address
// is never posted to, and the log says why.
func TestPrivateAddressesAreRefused(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	f.store = chatchannels.NewStore(f.pool, chatchannels.Options{Client: outbound.NewClient(false, 5*time.Second),
		Now: f.clock.Now, BaseURL: baseURL, Enqueuer: f.enq})
	rc := newReceiver(t, http.StatusOK)
	c := f.channel(users.Sales, chat.Slack, rc.URL+"/services/T/B/x")
	r, err := f.store.SendTest(context.Background(), c.ID)
	if err != nil || r.OK || !strings.Contains(r.Summary(), "private") {
		t.Errorf("test message to loopback: %+v %v", r, err)
	}
	if len(rc.bodies) != 0 {
		t.Errorf("the loopback receiver got %d posts", len(rc.bodies))
	}
}
