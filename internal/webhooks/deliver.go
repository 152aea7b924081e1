package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/format"
	"tandem/internal/notifications"
	"tandem/internal/outbound"
)

// GiveUpAfter is how long a delivery is retried, and how long an endpoint
// may fail before it is turned off and the admins are told.
const GiveUpAfter = 24 * time.Hour

// retrySchedule spaces a delivery's attempts: quick at first for a blip,
// then hours apart for an outage; the attempts after 24 hours give up.
var retrySchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// NextRetry is how long the job system waits after the given failed
// attempt (1 for the first).
func (s *Store) NextRetry(attempt int) time.Duration {
	return retrySchedule[min(max(attempt, 1), len(retrySchedule))-1]
}

// Plan adds a delivery of ev to every enabled endpoint subscribed to its
// kind. A second Plan of the event adds nothing: one planned delivery per
// endpoint and event (a unique index).
func (s *Store) Plan(ctx context.Context, tx pgx.Tx, ev events.Event) ([]int64, error) {
	rows, err := tx.Query(ctx, `INSERT INTO webhook_deliveries (endpoint_id, event_id, created_at, queued_at)
		SELECT id, $2, $3, $3 FROM webhook_endpoints WHERE enabled AND $1 = ANY(event_kinds) ORDER BY id
		ON CONFLICT DO NOTHING RETURNING id`, ev.Kind, ev.ID, s.now())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// target is where an endpoint's messages go and the secrets they are
// signed with.
type target struct {
	URL               string     `db:"url"`
	Secret            string     `db:"secret"`
	PreviousSecret    string     `db:"previous_secret"`
	PreviousExpiresAt *time.Time `db:"previous_expires_at"`
}

const targetColumns = `w.url, w.secret, w.previous_secret, w.previous_expires_at`

// keys are the secrets that sign now: the current one, and the one it
// replaced while the overlap lasts.
func (t target) keys(now time.Time) []string {
	if t.PreviousSecret != "" && t.PreviousExpiresAt != nil && now.Before(*t.PreviousExpiresAt) {
		return []string{t.Secret, t.PreviousSecret}
	}
	return []string{t.Secret}
}

// attempt is a delivery with what posting it needs.
type attempt struct {
	target
	ID         int64           `db:"id"`
	Status     string          `db:"status"`
	QueuedAt   time.Time       `db:"queued_at"`
	EndpointID int64           `db:"endpoint_id"`
	Enabled    bool            `db:"enabled"`
	EventID    int64           `db:"event_id"`
	EventKind  events.Kind     `db:"event_kind"`
	OccurredAt time.Time       `db:"occurred_at"`
	Data       json.RawMessage `db:"data"`
}

// outcome is what one POST got back.
type outcome struct {
	code    int // 0: no answer
	latency time.Duration
	excerpt string // the start of the answer's body
	err     string // empty on success
}

// Deliver makes one attempt of a delivery: a 2xx answer delivers it; 410
// Gone means the receiver wants no more, so the endpoint is turned off and
// the delivery given up (events.ErrGiveUp); anything else is retried
// until GiveUpAfter, and an endpoint failing for that long is turned off
// and the admins told once. A delivery done already, or whose endpoint was
// deleted, is nothing to do.
func (s *Store) Deliver(ctx context.Context, deliveryID int64, attemptNo int) error {
	a, err := db.QueryOne[attempt](ctx, s.pool, `SELECT d.id, d.status, d.queued_at, w.id AS endpoint_id, w.enabled, `+targetColumns+`,
			e.id AS event_id, e.kind AS event_kind, e.occurred_at, e.data
		FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id JOIN events e ON e.id = d.event_id
		WHERE d.id = $1`, deliveryID)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if a.Status != Pending {
		return nil
	}
	if !a.Enabled {
		return s.giveUp(ctx, a, outcome{err: "The endpoint was turned off before this was sent."})
	}
	body, err := s.envelope(string(a.EventKind), a.OccurredAt, a.Data)
	if err != nil {
		// No attempt can render it better: the event's data is broken.
		return s.giveUp(ctx, a, outcome{err: err.Error()})
	}
	o := s.post(ctx, a.URL, MessageID(a.EventID), body, a.keys(s.now()))
	now := s.now()
	switch {
	case o.err == "":
		return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			if err := s.record(ctx, tx, a.ID, Delivered, o, nil); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1`, a.EndpointID)
			return err
		})
	case o.code == http.StatusGone:
		err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			if err := s.record(ctx, tx, a.ID, Failed, o, nil); err != nil {
				return err
			}
			return s.disable(ctx, tx, a.EndpointID, "The endpoint answered 410 Gone: it asked for no more deliveries. "+
				"Check the receiver, send a test event and turn the endpoint on again.")
		})
		if err != nil {
			return err
		}
		return fmt.Errorf("%w: webhook endpoint %d answered 410 Gone", events.ErrGiveUp, a.EndpointID)
	}
	gaveUp := now.Sub(a.QueuedAt) >= GiveUpAfter
	disabled := false
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var since time.Time
		if err := tx.QueryRow(ctx, `UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, $2)
			WHERE id = $1 RETURNING failing_since`, a.EndpointID, now).Scan(&since); err != nil {
			return err
		}
		if now.Sub(since) >= GiveUpAfter {
			disabled = true
			if err := s.disable(ctx, tx, a.EndpointID, "Every delivery failed for 24 hours (the last: "+o.err+"). "+
				"Check the receiver, send a test event and turn the endpoint on again."); err != nil {
				return err
			}
		}
		if gaveUp || disabled {
			return s.record(ctx, tx, a.ID, Failed, o, nil)
		}
		next := now.Add(s.NextRetry(attemptNo))
		return s.record(ctx, tx, a.ID, Pending, o, &next)
	})
	if err != nil {
		return err
	}
	if gaveUp || disabled {
		return fmt.Errorf("%w: webhook delivery %d: %s", events.ErrGiveUp, a.ID, o.err)
	}
	return fmt.Errorf("webhook delivery %d, attempt %d: %s", a.ID, attemptNo, o.err)
}

// giveUp marks a delivery failed without an attempt.
func (s *Store) giveUp(ctx context.Context, a attempt, o outcome) error {
	if _, err := s.pool.Exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', error = $2, next_attempt_at = NULL
		WHERE id = $1`, a.ID, o.err); err != nil {
		return err
	}
	return fmt.Errorf("%w: webhook delivery %d: %s", events.ErrGiveUp, a.ID, o.err)
}

// record stores an attempt's outcome on the delivery; next is when the
// job system tries again (nil: it does not).
func (s *Store) record(ctx context.Context, q db.DBTX, id int64, status string, o outcome, next *time.Time) error {
	var code, ms *int
	if o.code != 0 {
		code = &o.code
	}
	if o.latency > 0 || o.code != 0 {
		n := int(o.latency.Milliseconds())
		ms = &n
	}
	now := s.now()
	var deliveredAt *time.Time
	if status == Delivered {
		deliveredAt = &now
	}
	_, err := q.Exec(ctx, `UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, last_status_code = $3,
		latency_ms = $4, response_excerpt = $5, error = $6, last_attempt_at = $7, next_attempt_at = $8, delivered_at = $9
		WHERE id = $1`, id, status, code, ms, o.excerpt, o.err, now, next, deliveredAt)
	return err
}

// disable turns the endpoint off with the reason and tells the admins, in
// tx; only the transaction that turns it off tells them, so they hear of
// it once however many deliveries fail at the same time.
func (s *Store) disable(ctx context.Context, tx pgx.Tx, endpointID int64, reason string) error {
	var target string
	err := tx.QueryRow(ctx, `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = $3,
		version = version + 1 WHERE id = $1 AND enabled RETURNING url`, endpointID, reason, s.now()).Scan(&target)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // off already
	}
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id`)
	if err != nil {
		return err
	}
	admins, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	host := target
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		host = u.Host
	}
	return notifications.Send(ctx, tx, admins, 0, "webhook_disabled",
		"Webhook endpoint "+host+" was turned off: "+reason, EndpointPath(endpointID))
}

// envelope is the body of a delivery: the event as the OpenAPI document's
// webhooks section describes it, its links absolute.
func (s *Store) envelope(kind string, at time.Time, data json.RawMessage) ([]byte, error) {
	data, err := events.AbsoluteURLs(data, s.baseURL)
	if err != nil {
		return nil, err
	}
	return json.Marshal(Envelope{Type: kind, Timestamp: at.UTC().Format(time.RFC3339), Version: PayloadVersion, Data: data})
}

// sign is the Standard Webhooks signature of one message under one secret:
// "v1," and the base64 HMAC-SHA256, keyed with the secret's bytes, of
// "<id>.<timestamp>.<body>".
func sign(secret, msgID string, ts int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID + "." + strconv.FormatInt(ts, 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// MaxExcerpt bounds the part of an answer's body kept with the delivery,
// in bytes.
const MaxExcerpt = 1024

// excerpt is the start of an answer's body as text the log can keep: valid
// UTF-8, no NUL, at most MaxExcerpt bytes.
func excerpt(b []byte) string {
	t := strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", "")
	for len(t) > MaxExcerpt {
		_, size := utf8.DecodeLastRuneInString(t)
		t = t[:len(t)-size]
	}
	return t
}

// post sends one signed message and says what came back.
func (s *Store) post(ctx context.Context, target, msgID string, body []byte, secrets []string) outcome {
	ts := s.now().Unix()
	var sigs []string
	for _, secret := range secrets {
		sig, err := sign(secret, msgID, ts, body)
		if err != nil {
			return outcome{err: "Not sent: the endpoint's secret is unreadable; rotate it."}
		}
		sigs = append(sigs, sig)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return outcome{err: "The endpoint's URL cannot be used."}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tandem-Webhooks")
	req.Header.Set("webhook-id", msgID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", strings.Join(sigs, " "))
	a := outbound.Send(s.client, req, MaxExcerpt+utf8.UTFMax)
	return outcome{code: a.Code, latency: a.Latency, excerpt: excerpt(a.Body), err: a.Err}
}

// TestResult is what a test event got back.
type TestResult struct {
	OK         bool
	StatusCode int // 0: no answer
	Latency    time.Duration
	Excerpt    string
	Error      string
}

// Summary is the result in words, as the endpoint's page shows it.
func (r TestResult) Summary() string {
	if r.OK {
		return fmt.Sprintf("Delivered (%d, %s ms).", r.StatusCode, format.Int(int(r.Latency.Milliseconds())))
	}
	return "Not delivered: " + r.Error
}

// SendTest posts a signed webhook.test event to the endpoint now, whether
// it is on or off (to check a fixed receiver before turning it on again),
// and keeps the result with the endpoint. It changes nothing else: the
// failure count and the delivery log are the real deliveries'.
func (s *Store) SendTest(ctx context.Context, id int64) (TestResult, error) {
	t, err := db.QueryOne[target](ctx, s.pool, `SELECT `+targetColumns+` FROM webhook_endpoints w WHERE w.id = $1`, id)
	if err != nil {
		return TestResult{}, err
	}
	now := s.now()
	data, err := json.Marshal(TestData{EndpointID: id,
		Message: "This is a test event from Tandem: the endpoint is set up. Real deliveries carry the events it is subscribed to."})
	if err != nil {
		return TestResult{}, err
	}
	body, err := s.envelope(TestType, now, data)
	if err != nil {
		return TestResult{}, err
	}
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	o := s.post(ctx, t.URL, "msg_test_"+hex.EncodeToString(nonce), body, t.keys(now))
	r := TestResult{OK: o.err == "", StatusCode: o.code, Latency: o.latency, Excerpt: o.excerpt, Error: o.err}
	_, err = s.pool.Exec(ctx, `UPDATE webhook_endpoints SET tested_at = $2, test_result = $3 WHERE id = $1`, id, now, r.Summary())
	return r, err
}
