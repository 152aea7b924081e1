package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/outbound"
	"tandem/internal/refusal"
	"tandem/internal/testdb"
	"tandem/internal/webhooks"
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

// verify checks a request the way the Standard Webhooks spec tells a
// receiver to, written from the spec (not with the sender's code): the
// three headers present; the timestamp within five minutes of now; the
// signed content "<webhook-id>.<webhook-timestamp>.<body>"; the key the
// base64 decoding of the secret after "whsec_"; the signature header a
// space-separated list of "v1,<base64 HMAC-SHA256>", any one of which
// may match, compared in constant time.
func verify(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", ts, err)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %s is %s away", ts, d)
	}
	if !strings.HasPrefix(secret, "whsec_") {
		return errors.New("secret without whsec_")
	}
	key, err := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, key)
	_, _ = io.WriteString(mac, id+"."+ts+"."+string(body))
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(sigs) {
		version, value, ok := strings.Cut(sig, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(value)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no signature matches")
}

// request is one POST a receiver got.
type request struct {
	header http.Header
	body   []byte
	at     time.Time // the receiver's time when it came
}

// receiver is a webhook endpoint: it records each request and answers with
// the next status of its script (the last one repeats). A status of 0
// hangs until the request is abandoned.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
	statuses []int
	now      func() time.Time
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	rc := &receiver{statuses: statuses, now: time.Now}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.requests = append(rc.requests, request{header: r.Header.Clone(), body: b, at: rc.now()})
		status := http.StatusOK
		if len(rc.statuses) > 0 {
			status = rc.statuses[0]
			if len(rc.statuses) > 1 {
				rc.statuses = rc.statuses[1:]
			}
		}
		rc.mu.Unlock()
		if status == 0 {
			<-r.Context().Done()
			return
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "answer <b>"+http.StatusText(status)+"</b>")
	}))
	t.Cleanup(rc.Close)
	return rc
}

// receiver is a receiver on the test's clock.
func (f *fx) receiver(statuses ...int) *receiver {
	f.t.Helper()
	rc := newReceiver(f.t, statuses...)
	rc.now = f.clock.Now
	return rc
}

func (rc *receiver) received() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.requests...)
}

type fakeEnqueuer struct{ queued atomic.Int64 }

func (f *fakeEnqueuer) EnqueueDelivery(ctx context.Context, tx pgx.Tx, channel string, id int64) error {
	if channel != "webhook" {
		return errors.New("wrong channel " + channel)
	}
	f.queued.Add(1)
	return nil
}

type fx struct {
	t     *testing.T
	pool  *pgxpool.Pool
	clock *clock
	store *webhooks.Store
	enq   *fakeEnqueuer
	admin int64
}

func newFx(t *testing.T) *fx {
	t.Helper()
	f := &fx{t: t, pool: testdb.New(t), clock: &clock{t: time.Now().UTC().Truncate(time.Second)}, enq: &fakeEnqueuer{}}
	f.store = f.storeWith(outbound.NewClient(true, 5*time.Second))
	if err := f.pool.QueryRow(context.Background(), `INSERT INTO users (email, name, team, role)
		VALUES ('ada@example.com', 'Ada Admin', 'sales', 'admin') RETURNING id`).Scan(&f.admin); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fx) storeWith(c *http.Client) *webhooks.Store {
	return webhooks.NewStore(f.pool, webhooks.Options{Client: c, Now: f.clock.Now, BaseURL: baseURL, Enqueuer: f.enq})
}

func (f *fx) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%v\n%s", err, sql)
	}
	return n
}

// endpoint registers url for kinds (campaign.announced when none) and
// returns it with its secret.
func (f *fx) endpoint(url string, kinds ...events.Kind) (webhooks.Endpoint, string) {
	f.t.Helper()
	if len(kinds) == 0 {
		kinds = []events.Kind{events.CampaignAnnounced}
	}
	form := webhooks.DefaultForm()
	form.URL, form.Description = url, "CRM sync"
	for _, k := range kinds {
		form.EventKinds = append(form.EventKinds, string(k))
	}
	e, secret, err := f.store.Create(context.Background(), f.admin, form)
	if err != nil {
		f.t.Fatal(err)
	}
	return e, secret
}

// event records an event with paths in its payload, as the domain does.
func (f *fx) event(kind events.Kind, payload any) events.Event {
	f.t.Helper()
	data, _ := json.Marshal(payload)
	ev := events.Event{Kind: kind, Data: data}
	if err := f.pool.QueryRow(context.Background(), `INSERT INTO events (kind, data) VALUES ($1, $2)
		RETURNING id, occurred_at`, kind, data).Scan(&ev.ID, &ev.OccurredAt); err != nil {
		f.t.Fatal(err)
	}
	return ev
}

func (f *fx) campaignEvent() events.Event {
	return f.event(events.CampaignAnnounced, events.Campaign{
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

func (f *fx) delivery(id int64) webhooks.Delivery {
	f.t.Helper()
	d, err := f.store.GetDelivery(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

func TestDeliverySignedPerTheSpec(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := f.receiver()
	e, secret := f.endpoint(rc.URL + "/hooks")
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	if raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_")); err != nil || len(raw) < 24 {
		t.Fatalf("secret bytes %d %v", len(raw), err)
	}
	ev := f.campaignEvent()
	ids := f.plan(ev)
	if len(ids) != 1 {
		t.Fatalf("planned %d", len(ids))
	}
	if err := f.store.Deliver(context.Background(), ids[0], 1); err != nil {
		t.Fatal(err)
	}
	reqs := rc.received()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if err := verify(secret, r.header, r.body, r.at); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if err := verify("whsec_"+base64.StdEncoding.EncodeToString([]byte("another secret, 24 bytes+")), r.header, r.body, r.at); err == nil {
		t.Fatal("the verifier accepts any secret")
	}
	if got, want := r.header.Get("webhook-id"), "msg_"+strconv.FormatInt(ev.ID, 10); got != want {
		t.Errorf("webhook-id %q, want %q", got, want)
	}
	if got := r.header.Get("webhook-timestamp"); got != strconv.FormatInt(f.clock.Now().Unix(), 10) {
		t.Errorf("webhook-timestamp %q", got)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var env struct {
		Type      string          `json:"type"`
		Timestamp string          `json:"timestamp"`
		Version   int             `json:"version"`
		Data      events.Campaign `json:"data"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatal(err)
	}
	if env.Type != "campaign.announced" || env.Version != 1 || env.Data.Name != "Winter webinar" ||
		env.Data.URL != baseURL+"/campaigns/5" || env.Data.AcknowledgeURL != baseURL+"/campaigns/5#acknowledge" {
		t.Errorf("envelope %+v", env)
	}
	if at, err := time.Parse(time.RFC3339, env.Timestamp); err != nil || !at.Equal(ev.OccurredAt.Truncate(time.Second)) {
		t.Errorf("timestamp %q (%v), event at %s", env.Timestamp, err, ev.OccurredAt)
	}
	d := f.delivery(ids[0])
	if d.Status != webhooks.Delivered || d.Attempts != 1 || d.LastStatusCode == nil || *d.LastStatusCode != 200 ||
		d.LatencyMS == nil || d.DeliveredAt == nil || d.ResponseExcerpt != "answer <b>OK</b>" || d.EndpointID != e.ID {
		t.Errorf("delivery %+v", d)
	}
	// Done is done: a second run of the job posts nothing.
	if err := f.store.Deliver(context.Background(), ids[0], 2); err != nil || len(rc.received()) != 1 {
		t.Errorf("a delivered delivery was posted again: %v, %d", err, len(rc.received()))
	}
	if f.store.Name() != "webhook" {
		t.Errorf("name %q", f.store.Name())
	}
}

func TestPlanFollowsSubscriptionsOnce(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := f.receiver()
	a, _ := f.endpoint(rc.URL, events.CampaignAnnounced, events.LeadWon)
	f.endpoint(rc.URL, events.LeadWon)
	off, _ := f.endpoint(rc.URL, events.CampaignAnnounced)
	form := webhooks.FormOf(off)
	form.Enabled = false
	if _, err := f.store.Update(context.Background(), off.ID, off.Version, form); err != nil {
		t.Fatal(err)
	}
	ev := f.campaignEvent()
	ids := f.plan(ev)
	if len(ids) != 1 {
		t.Fatalf("planned %d, want 1", len(ids))
	}
	if d := f.delivery(ids[0]); d.EndpointID != a.ID || d.EventKind != events.CampaignAnnounced || d.Status != webhooks.Pending {
		t.Errorf("delivery %+v", d)
	}
	if again := f.plan(ev); len(again) != 0 {
		t.Errorf("a second Plan added %d", len(again))
	}
	won := f.event(events.LeadWon, events.Lead{ID: 1, Company: "Acme", Stage: "won", URL: "/leads/1"})
	if ids := f.plan(won); len(ids) != 2 {
		t.Errorf("lead.won planned %d, want 2", len(ids))
	}
	if !a.Takes(events.LeadWon) || a.Takes(events.LeadLost) {
		t.Errorf("Takes: %v", a.EventKinds)
	}
}

// Both secrets sign during the overlap after a rotation; then only the new one.
func TestRotation(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := f.receiver()
	e, old := f.endpoint(rc.URL)
	if _, err := f.store.Rotate(context.Background(), e.ID, e.Version+1); refusal.KindOf(err) != refusal.Conflict {
		t.Errorf("rotation on a wrong version: %v", err)
	}
	if _, err := f.store.Rotate(context.Background(), e.ID+99, 1); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("rotation of nothing: %v", err)
	}
	fresh, err := f.store.Rotate(context.Background(), e.ID, e.Version)
	if err != nil {
		t.Fatal(err)
	}
	if fresh == old || !strings.HasPrefix(fresh, "whsec_") {
		t.Fatalf("new secret %q", fresh)
	}
	got, _ := f.store.Get(context.Background(), e.ID)
	if got.PreviousExpiresAt == nil || !got.PreviousExpiresAt.Equal(f.clock.Now().Add(webhooks.SecretOverlap)) || got.Version != e.Version+1 ||
		!got.OldSecretSigns(f.clock.Now()) || e.OldSecretSigns(f.clock.Now()) {
		t.Errorf("after rotation %+v", got)
	}
	if err := f.store.Deliver(context.Background(), f.plan(f.campaignEvent())[0], 1); err != nil {
		t.Fatal(err)
	}
	r := rc.received()[0]
	if n := len(strings.Fields(r.header.Get("webhook-signature"))); n != 2 {
		t.Errorf("%d signatures during the overlap, want 2", n)
	}
	for name, secret := range map[string]string{"old": old, "new": fresh} {
		if err := verify(secret, r.header, r.body, r.at); err != nil {
			t.Errorf("the %s secret does not verify during the overlap: %v", name, err)
		}
	}

	f.clock.Add(webhooks.SecretOverlap + time.Minute)
	if err := f.store.Deliver(context.Background(), f.plan(f.campaignEvent())[0], 1); err != nil {
		t.Fatal(err)
	}
	r = rc.received()[1]
	if err := verify(fresh, r.header, r.body, r.at); err != nil {
		t.Errorf("the new secret after the overlap: %v", err)
	}
	if err := verify(old, r.header, r.body, r.at); err == nil {
		t.Error("the old secret still signs after the overlap")
	}
	if got, _ := f.store.Get(context.Background(), e.ID); got.OldSecretSigns(f.clock.Now()) {
		t.Errorf("expired overlap %+v", got.PreviousExpiresAt)
	}
}

// A receiver that fails, then answers: retried with the same webhook-id.
func TestFailThenSucceedKeepsTheMessageID(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := f.receiver(http.StatusInternalServerError, http.StatusTooManyRequests, http.StatusNoContent)
	e, secret := f.endpoint(rc.URL)
	id := f.plan(f.campaignEvent())[0]
	for attempt := 1; attempt <= 2; attempt++ {
		err := f.store.Deliver(context.Background(), id, attempt)
		if err == nil || errors.Is(err, events.ErrGiveUp) {
			t.Fatalf("attempt %d: %v, want an error to retry", attempt, err)
		}
		d := f.delivery(id)
		if d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(f.clock.Now().Add(f.store.NextRetry(attempt))) {
			t.Errorf("attempt %d: next attempt %v", attempt, d.NextAttemptAt)
		}
		f.clock.Add(f.store.NextRetry(attempt))
	}
	d := f.delivery(id)
	if d.Status != webhooks.Pending || d.Attempts != 2 || *d.LastStatusCode != 429 || d.Error != "429 Too Many Requests" ||
		!strings.Contains(d.ResponseExcerpt, "Too Many Requests") {
		t.Errorf("after two failures: %+v", d)
	}
	if got, _ := f.store.Get(context.Background(), e.ID); got.FailingSince == nil {
		t.Error("a failing endpoint has no failing_since")
	}
	if err := f.store.Deliver(context.Background(), id, 3); err != nil {
		t.Fatal(err)
	}
	d = f.delivery(id)
	if d.Status != webhooks.Delivered || d.Attempts != 3 || d.Error != "" || d.NextAttemptAt != nil || *d.LastStatusCode != 204 {
		t.Errorf("after the success: %+v", d)
	}
	if got, _ := f.store.Get(context.Background(), e.ID); got.FailingSince != nil || !got.Enabled {
		t.Errorf("an endpoint that answered again: %+v", got)
	}
	reqs := rc.received()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if r.header.Get("webhook-id") != reqs[0].header.Get("webhook-id") {
			t.Errorf("attempt %d has webhook-id %q, the first %q", i+1, r.header.Get("webhook-id"), reqs[0].header.Get("webhook-id"))
		}
		if string(r.body) != string(reqs[0].body) {
			t.Errorf("attempt %d has another body", i+1)
		}
		if err := verify(secret, r.header, r.body, r.at); err != nil {
			t.Errorf("attempt %d: %v", i+1, err)
		}
	}
}

// A receiver that hangs: the attempt times out and is retried.
func TestHangingReceiverTimesOutAndIsRetried(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	f.store = f.storeWith(outbound.NewClient(true, 300*time.Millisecond))
	rc := f.receiver(0, http.StatusOK)
	_, secret := f.endpoint(rc.URL)
	id := f.plan(f.campaignEvent())[0]
	start := time.Now()
	err := f.store.Deliver(context.Background(), id, 1)
	if err == nil || errors.Is(err, events.ErrGiveUp) {
		t.Fatalf("hung attempt: %v, want an error to retry", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("the hung attempt took %s", time.Since(start))
	}
	d := f.delivery(id)
	if d.Status != webhooks.Pending || d.LastStatusCode != nil || !strings.HasPrefix(d.Error, "No answer") {
		t.Errorf("after the timeout: %+v", d)
	}
	if err := f.store.Deliver(context.Background(), id, 2); err != nil {
		t.Fatal(err)
	}
	reqs := rc.received()
	if len(reqs) != 2 || reqs[0].header.Get("webhook-id") != reqs[1].header.Get("webhook-id") {
		t.Fatalf("%d requests", len(reqs))
	}
	if err := verify(secret, reqs[1].header, reqs[1].body, reqs[1].at); err != nil {
		t.Error(err)
	}
	if d := f.delivery(id); d.Status != webhooks.Delivered || d.Attempts != 2 {
		t.Errorf("after the retry: %+v", d)
	}
}

func TestGoneDisablesTheEndpoint(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := f.receiver(http.StatusGone)
	e, _ := f.endpoint(rc.URL)
	id := f.plan(f.campaignEvent())[0]
	if err := f.store.Deliver(context.Background(), id, 1); !errors.Is(err, events.ErrGiveUp) {
		t.Fatalf("410: %v, want a give-up", err)
	}
	got, _ := f.store.Get(context.Background(), e.ID)
	if got.Enabled || !strings.Contains(got.DisabledReason, "410") {
		t.Errorf("endpoint %+v", got)
	}
	if d := f.delivery(id); d.Status != webhooks.Failed || *d.LastStatusCode != 410 {
		t.Errorf("delivery %+v", d)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'webhook_disabled' AND link = $2`,
		f.admin, webhooks.EndpointPath(e.ID)); n != 1 {
		t.Errorf("the admin got %d notifications", n)
	}
	if ids := f.plan(f.campaignEvent()); len(ids) != 0 {
		t.Errorf("a disabled endpoint got %d deliveries", len(ids))
	}
}

// An endpoint failing for 24 hours is turned off and the admins told once.
func TestTwentyFourHoursOfFailure(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := f.receiver(http.StatusServiceUnavailable)
	e, _ := f.endpoint(rc.URL)
	first := f.plan(f.campaignEvent())[0]
	if err := f.store.Deliver(context.Background(), first, 1); err == nil || errors.Is(err, events.ErrGiveUp) {
		t.Fatalf("first failure: %v", err)
	}
	f.clock.Add(23 * time.Hour)
	second := f.plan(f.campaignEvent())[0]
	if err := f.store.Deliver(context.Background(), second, 1); err == nil || errors.Is(err, events.ErrGiveUp) {
		t.Fatalf("at 23 h: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE kind = 'webhook_disabled'`); n != 0 {
		t.Fatal("notified after 23 h")
	}
	f.clock.Add(time.Hour)
	if err := f.store.Deliver(context.Background(), first, 7); !errors.Is(err, events.ErrGiveUp) {
		t.Fatalf("at 24 h: %v, want a give-up", err)
	}
	got, _ := f.store.Get(context.Background(), e.ID)
	if got.Enabled || !strings.Contains(got.DisabledReason, "24 hours") {
		t.Errorf("endpoint after 24 h: %+v", got)
	}
	if err := f.store.Deliver(context.Background(), second, 2); !errors.Is(err, events.ErrGiveUp) {
		t.Fatalf("a delivery to a disabled endpoint: %v, want a give-up", err)
	}
	if n := f.count(`SELECT count(*) FROM webhook_deliveries WHERE status = 'failed'`); n != 2 {
		t.Errorf("%d failed deliveries, want 2", n)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'webhook_disabled'`, f.admin); n != 1 {
		t.Errorf("the admin got %d notifications, want 1", n)
	}
	if n := len(rc.received()); n != 3 {
		t.Errorf("%d posts, want 3 (none to a disabled endpoint)", n)
	}
	// Redelivery waits for the endpoint to be on; turning it on starts the count afresh.
	if _, err := f.store.Redeliver(context.Background(), second); refusal.KindOf(err) != refusal.Conflict {
		t.Errorf("redeliver to a disabled endpoint: %v", err)
	}
	form := webhooks.FormOf(got)
	form.Enabled = true
	on, err := f.store.Update(context.Background(), e.ID, got.Version, form)
	if err != nil {
		t.Fatal(err)
	}
	if on.FailingSince != nil || on.DisabledReason != "" || !on.Enabled {
		t.Errorf("turned on again: %+v", on)
	}
}

// The retry schedule grows and spans about a day, past which a delivery
// gives up even while the endpoint is healthy.
func TestRetryScheduleAndGivingUp(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	var total time.Duration
	prev := time.Duration(0)
	for attempt := 1; attempt <= 7; attempt++ {
		d := f.store.NextRetry(attempt)
		if d < prev {
			t.Errorf("attempt %d waits %s, less than before", attempt, d)
		}
		prev, total = d, total+d
	}
	if total < 23*time.Hour || total > 30*time.Hour {
		t.Errorf("the schedule spans %s, want about 24 h", total)
	}
	if f.store.NextRetry(99) != f.store.NextRetry(7) || f.store.NextRetry(0) != f.store.NextRetry(1) {
		t.Error("out-of-range attempts")
	}

	rc := f.receiver(http.StatusBadGateway, http.StatusOK, http.StatusBadGateway)
	e, _ := f.endpoint(rc.URL)
	id := f.plan(f.campaignEvent())[0]
	_ = f.store.Deliver(context.Background(), id, 1)
	f.clock.Add(time.Hour)
	if err := f.store.Deliver(context.Background(), f.plan(f.campaignEvent())[0], 1); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(24 * time.Hour)
	if err := f.store.Deliver(context.Background(), id, 8); !errors.Is(err, events.ErrGiveUp) {
		t.Fatalf("after 25 h: %v, want a give-up", err)
	}
	if d := f.delivery(id); d.Status != webhooks.Failed || d.NextAttemptAt != nil {
		t.Errorf("delivery %+v", d)
	}
	if got, _ := f.store.Get(context.Background(), e.ID); !got.Enabled {
		t.Errorf("an endpoint failing for a moment was turned off: %+v", got)
	}
}

// Without OUTBOUND_ALLOW_PRIVATE, an endpoint on a loopback address is
// never posted to, and the log says why.
func TestPrivateAddressesAreRefused(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	f.store = f.storeWith(outbound.NewClient(false, 5*time.Second))
	rc := f.receiver()
	e, _ := f.endpoint(rc.URL + "/hooks")
	id := f.plan(f.campaignEvent())[0]
	if err := f.store.Deliver(context.Background(), id, 1); err == nil || errors.Is(err, events.ErrGiveUp) {
		t.Fatalf("refused delivery: %v, want an error to retry", err)
	}
	if d := f.delivery(id); !strings.Contains(d.Error, "private") || d.LastStatusCode != nil {
		t.Errorf("delivery %+v", d)
	}
	r, err := f.store.SendTest(context.Background(), e.ID)
	if err != nil || r.OK || !strings.Contains(r.Summary(), "private") {
		t.Errorf("test to loopback: %+v %v", r, err)
	}
	if n := len(rc.received()); n != 0 {
		t.Errorf("the loopback receiver got %d posts", n)
	}
}

func TestRedeliverIsANewDeliveryWithTheSameID(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := f.receiver(http.StatusOK)
	e, secret := f.endpoint(rc.URL)
	ev := f.campaignEvent()
	first := f.plan(ev)[0]
	if err := f.store.Deliver(context.Background(), first, 1); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour)
	again, err := f.store.Redeliver(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	if again == first || f.enq.queued.Load() != 1 {
		t.Fatalf("redelivery %d of %d, %d queued", again, first, f.enq.queued.Load())
	}
	d := f.delivery(again)
	if d.RedeliveryOf == nil || *d.RedeliveryOf != first || d.Status != webhooks.Pending || d.Attempts != 0 || d.EventID != ev.ID {
		t.Errorf("redelivery %+v", d)
	}
	if err := f.store.Deliver(context.Background(), again, 1); err != nil {
		t.Fatal(err)
	}
	reqs := rc.received()
	if len(reqs) != 2 || reqs[1].header.Get("webhook-id") != reqs[0].header.Get("webhook-id") {
		t.Fatalf("requests %d", len(reqs))
	}
	if err := verify(secret, reqs[1].header, reqs[1].body, reqs[1].at); err != nil {
		t.Error(err)
	}
	if f.delivery(first).Status != webhooks.Delivered {
		t.Error("the first delivery changed")
	}
	if _, err := f.store.Redeliver(context.Background(), again+1000); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("unknown delivery: %v", err)
	}
	noJobs := webhooks.NewStore(f.pool, webhooks.Options{})
	if _, err := noJobs.Redeliver(context.Background(), first); refusal.KindOf(err) != refusal.Conflict {
		t.Errorf("no enqueuer: %v, want a conflict", err)
	}
	list, more, err := f.store.Deliveries(context.Background(), e.ID, 0, 10)
	if err != nil || more || len(list) != 2 || list[0].ID != again || list[1].ID != first {
		t.Errorf("deliveries %+v %v %v", list, more, err)
	}
}

func TestDeliveriesArePaged(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	e, _ := f.endpoint("https://hooks.example.com/x")
	var ids []int64
	for range 5 {
		ids = append(ids, f.plan(f.campaignEvent())[0])
	}
	page, more, err := f.store.Deliveries(context.Background(), e.ID, 0, 2)
	if err != nil || !more || len(page) != 2 || page[0].ID != ids[4] || page[1].ID != ids[3] {
		t.Fatalf("first page %+v %v %v", page, more, err)
	}
	page, more, err = f.store.Deliveries(context.Background(), e.ID, page[1].ID, 2)
	if err != nil || !more || len(page) != 2 || page[0].ID != ids[2] {
		t.Fatalf("second page %+v %v %v", page, more, err)
	}
	page, more, err = f.store.Deliveries(context.Background(), e.ID, page[1].ID, 2)
	if err != nil || more || len(page) != 1 || page[0].ID != ids[0] {
		t.Fatalf("last page %+v %v %v", page, more, err)
	}
	if page, _, _ := f.store.Deliveries(context.Background(), e.ID+1, 0, 2); len(page) != 0 {
		t.Errorf("another endpoint's log: %+v", page)
	}
}

func TestSendTest(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := f.receiver(http.StatusOK, http.StatusForbidden)
	e, secret := f.endpoint(rc.URL)
	r, err := f.store.SendTest(context.Background(), e.ID)
	if err != nil || !r.OK || r.StatusCode != 200 || !strings.HasPrefix(r.Summary(), "Delivered (200") {
		t.Fatalf("test: %+v %v", r, err)
	}
	req := rc.received()[0]
	if err := verify(secret, req.header, req.body, req.at); err != nil {
		t.Error(err)
	}
	var env webhooks.Envelope
	if err := json.Unmarshal(req.body, &env); err != nil || env.Type != webhooks.TestType || env.Version != webhooks.PayloadVersion {
		t.Errorf("test envelope %s %v", req.body, err)
	}
	r, err = f.store.SendTest(context.Background(), e.ID)
	if err != nil || r.OK || r.StatusCode != 403 || !strings.Contains(r.Summary(), "403 Forbidden") || !strings.Contains(r.Excerpt, "Forbidden") {
		t.Errorf("refused test: %+v %v", r, err)
	}
	got, _ := f.store.Get(context.Background(), e.ID)
	if got.TestedAt == nil || got.TestResult != r.Summary() || got.FailingSince != nil {
		t.Errorf("after tests: %+v", got)
	}
	if n := f.count(`SELECT count(*) FROM webhook_deliveries`); n != 0 {
		t.Errorf("a test left %d deliveries", n)
	}
	if _, err := f.store.SendTest(context.Background(), e.ID+99); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("unknown endpoint: %v", err)
	}
}

// A long answer is kept to 1 KiB of valid UTF-8.
func TestResponseExcerptIsBounded(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "x"+strings.Repeat("é", 2000)+"\x00")
	}))
	t.Cleanup(srv.Close)
	f.endpoint(srv.URL)
	id := f.plan(f.campaignEvent())[0]
	_ = f.store.Deliver(context.Background(), id, 1)
	d := f.delivery(id)
	if len(d.ResponseExcerpt) > webhooks.MaxExcerpt || len(d.ResponseExcerpt) < webhooks.MaxExcerpt-2 ||
		!strings.HasSuffix(d.ResponseExcerpt, "é") || d.Error != "400 Bad Request" {
		t.Errorf("excerpt of %d bytes ending %q; error %q", len(d.ResponseExcerpt), d.ResponseExcerpt[len(d.ResponseExcerpt)-4:], d.Error)
	}
}

func TestCreateUpdateDelete(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	ctx := context.Background()
	kinds := []string{"lead.won"}
	for _, tc := range []struct {
		name  string
		form  webhooks.Form
		field string
	}{
		{"no url", webhooks.Form{EventKinds: kinds}, "url"},
		{"relative", webhooks.Form{URL: "/hooks", EventKinds: kinds}, "url"},
		{"ftp", webhooks.Form{URL: "ftp://h/x", EventKinds: kinds}, "url"},
		{"userinfo", webhooks.Form{URL: "https://u:p@h/x", EventKinds: kinds}, "url"},
		{"long url", webhooks.Form{URL: "https://h/" + strings.Repeat("a", 2000), EventKinds: kinds}, "url"},
		{"description", webhooks.Form{URL: "https://h/x", Description: strings.Repeat("d", 201), EventKinds: kinds}, "description"},
		{"no kinds", webhooks.Form{URL: "https://h/x"}, "event_kinds"},
		{"unknown kind", webhooks.Form{URL: "https://h/x", EventKinds: []string{"lead.eaten"}}, "event_kinds"},
	} {
		if _, _, err := f.store.Create(ctx, f.admin, tc.form); refusal.FieldMessages(err)[tc.field] == "" {
			t.Errorf("%s: %v, want a message for %s", tc.name, err, tc.field)
		}
	}
	e, secret, err := f.store.Create(ctx, f.admin, webhooks.Form{URL: " https://crm.example.com/hooks ", Description: "CRM",
		EventKinds: []string{"lead.won", "campaign.announced"}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.URL != "https://crm.example.com/hooks" || e.CreatedBy == nil || *e.CreatedBy != f.admin || !e.Enabled ||
		e.PreviousExpiresAt != nil || e.Version != 1 || len(e.EventKinds) != 2 || e.EventKinds[0] != "lead.won" {
		t.Errorf("created %+v", e)
	}
	if _, other, _ := f.store.Create(ctx, f.admin, webhooks.FormOf(e)); other == secret {
		t.Error("two endpoints got the same secret")
	}
	list, err := f.store.List(ctx)
	if err != nil || len(list) != 2 || list[0].ID != e.ID {
		t.Fatalf("list %+v %v", list, err)
	}
	edit := webhooks.FormOf(e)
	edit.Description, edit.Enabled = "CRM (paused)", false
	saved, err := f.store.Update(ctx, e.ID, e.Version, edit)
	if err != nil || saved.Description != "CRM (paused)" || saved.Enabled || saved.Version != 2 ||
		saved.DisabledReason != "Turned off by an admin." {
		t.Fatalf("saved %+v %v", saved, err)
	}
	if _, err := f.store.Update(ctx, e.ID, e.Version, edit); refusal.KindOf(err) != refusal.Conflict {
		t.Errorf("stale edit: %v", err)
	}
	if _, err := f.store.Update(ctx, e.ID+99, 1, edit); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("edit of nothing: %v", err)
	}
	if _, err := f.store.Update(ctx, e.ID, saved.Version, webhooks.Form{URL: "nope", EventKinds: kinds}); refusal.FieldMessages(err)["url"] == "" {
		t.Errorf("invalid edit: %v", err)
	}
	if err := f.store.Delete(ctx, e.ID, e.Version); refusal.KindOf(err) != refusal.Conflict {
		t.Errorf("stale delete: %v", err)
	}
	if err := f.store.Delete(ctx, e.ID, saved.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Get(ctx, e.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("deleted endpoint: %v", err)
	}
	if err := f.store.Delete(ctx, e.ID, saved.Version); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("delete of nothing: %v", err)
	}
}

func TestDeliveryOfADeletedOrDisabledEndpoint(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rc := f.receiver()
	gone, _ := f.endpoint(rc.URL)
	id := f.plan(f.campaignEvent())[0]
	if err := f.store.Delete(context.Background(), gone.ID, gone.Version); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Deliver(context.Background(), id, 1); err != nil {
		t.Errorf("delivery to a deleted endpoint: %v", err)
	}
	off, _ := f.endpoint(rc.URL)
	id = f.plan(f.campaignEvent())[0]
	form := webhooks.FormOf(off)
	form.Enabled = false
	if _, err := f.store.Update(context.Background(), off.ID, off.Version, form); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Deliver(context.Background(), id, 1); !errors.Is(err, events.ErrGiveUp) {
		t.Errorf("delivery to a disabled endpoint: %v, want a give-up", err)
	}
	if d := f.delivery(id); d.Status != webhooks.Failed || !strings.Contains(d.Error, "turned off") {
		t.Errorf("delivery %+v", d)
	}
	if n := len(rc.received()); n != 0 {
		t.Errorf("%d posts", n)
	}
}
