package chatchannels

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/chat"
	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/format"
	"tandem/internal/notifications"
	"tandem/internal/outbound"
	"tandem/internal/users"
)

// GiveUpAfter is how long a delivery is retried, and how long a channel
// may fail before it is turned off and the admins are told.
const GiveUpAfter = 24 * time.Hour

// retrySchedule spaces a delivery's attempts, as webhooks do: quick at
// first for a blip, then hours apart for an outage, about 24 hours in all.
var retrySchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour}

// NextRetry is how long the job system waits after the given failed
// attempt (1 for the first).
func (s *Store) NextRetry(attempt int) time.Duration {
	return retrySchedule[min(max(attempt, 1), len(retrySchedule))-1]
}

// Plan adds a delivery of ev to every enabled channel that takes its kind
// and whose team ev concerns (chat.Wants). A second Plan of the event adds
// nothing: UNIQUE (channel_id, event_id).
func (s *Store) Plan(ctx context.Context, tx pgx.Tx, ev events.Event) ([]int64, error) {
	type candidate struct {
		ID   int64  `db:"id"`
		Team string `db:"team"`
	}
	cands, err := db.QueryAll[candidate](ctx, tx, `SELECT id, team FROM chat_channels
		WHERE enabled AND $1 = ANY(event_kinds) ORDER BY id`, ev.Kind)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, c := range cands {
		if chat.Wants(c.Team, ev) {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `INSERT INTO chat_deliveries (channel_id, event_id, created_at, queued_at)
		SELECT c, $2, $3, $3 FROM unnest($1::bigint[]) AS c ON CONFLICT DO NOTHING RETURNING id`, ids, ev.ID, s.now())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// attempt is a delivery with what posting it needs.
type attempt struct {
	ID         int64           `db:"id"`
	Status     string          `db:"status"`
	QueuedAt   time.Time       `db:"queued_at"`
	ChannelID  int64           `db:"channel_id"`
	Channel    string          `db:"channel"`
	Kind       chat.Kind       `db:"kind"`
	WebhookURL string          `db:"webhook_url"`
	Enabled    bool            `db:"enabled"`
	EventID    int64           `db:"event_id"`
	EventKind  events.Kind     `db:"event_kind"`
	OccurredAt time.Time       `db:"occurred_at"`
	Teams      []string        `db:"teams"`
	Data       json.RawMessage `db:"data"`
}

// outcome is what one POST got back.
type outcome struct {
	code    int // 0: no answer
	latency time.Duration
	err     string // empty on success
}

// Deliver makes one attempt of a delivery: a 2xx answer delivers it; 404
// or 410 means the webhook was deleted, so the channel is turned off and
// the delivery given up (events.ErrGiveUp); anything else is retried until
// GiveUpAfter, and a channel failing for that long is turned off and the
// admins told once. A delivery done already, or whose channel was
// deleted, is nothing to do.
func (s *Store) Deliver(ctx context.Context, deliveryID int64, attemptNo int) error {
	a, err := db.QueryOne[attempt](ctx, s.pool, `SELECT d.id, d.status, d.queued_at, c.id AS channel_id, c.name AS channel,
			c.kind, c.webhook_url, c.enabled, e.id AS event_id, e.kind AS event_kind, e.occurred_at, e.teams, e.data
		FROM chat_deliveries d JOIN chat_channels c ON c.id = d.channel_id JOIN events e ON e.id = d.event_id
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
		return s.giveUp(ctx, a, outcome{err: "The channel was turned off before this was sent."})
	}
	body, err := s.message(a.Kind, events.Event{ID: a.EventID, Kind: a.EventKind, OccurredAt: a.OccurredAt, Teams: a.Teams, Data: a.Data})
	if err != nil {
		// No attempt can render it better: the event's data is broken.
		return s.giveUp(ctx, a, outcome{err: err.Error()})
	}
	o := s.post(ctx, a.WebhookURL, body)
	now := s.now()
	switch {
	case o.err == "":
		return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			if err := s.record(ctx, tx, a.ID, Delivered, o, &now); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE chat_channels SET failing_since = NULL WHERE id = $1`, a.ChannelID)
			return err
		})
	case o.code == http.StatusNotFound || o.code == http.StatusGone:
		reason := fmt.Sprintf("The chat tool answered %d %s: the webhook was deleted. Create a new one, paste its URL and turn the channel on.",
			o.code, http.StatusText(o.code))
		err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			if err := s.record(ctx, tx, a.ID, Failed, o, nil); err != nil {
				return err
			}
			return s.disable(ctx, tx, a.ChannelID, reason)
		})
		if err != nil {
			return err
		}
		return fmt.Errorf("%w: chat channel %d answered %d", events.ErrGiveUp, a.ChannelID, o.code)
	}
	gaveUp := now.Sub(a.QueuedAt) >= GiveUpAfter
	disabled := false
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var since time.Time
		if err := tx.QueryRow(ctx, `UPDATE chat_channels SET failing_since = coalesce(failing_since, $2)
			WHERE id = $1 RETURNING failing_since`, a.ChannelID, now).Scan(&since); err != nil {
			return err
		}
		if now.Sub(since) >= GiveUpAfter {
			disabled = true
			if err := s.disable(ctx, tx, a.ChannelID, "Every delivery failed for 24 hours (the last: "+o.err+"). "+
				"Check the webhook in the chat tool, send a test message and turn the channel on again."); err != nil {
				return err
			}
		}
		status := Pending
		if gaveUp || disabled {
			status = Failed
		}
		return s.record(ctx, tx, a.ID, status, o, nil)
	})
	if err != nil {
		return err
	}
	if gaveUp || disabled {
		return fmt.Errorf("%w: chat delivery %d: %s", events.ErrGiveUp, a.ID, o.err)
	}
	return fmt.Errorf("chat delivery %d, attempt %d: %s", a.ID, attemptNo, o.err)
}

// giveUp marks a delivery failed without an attempt.
func (s *Store) giveUp(ctx context.Context, a attempt, o outcome) error {
	if err := s.record(ctx, s.pool, a.ID, Failed, o, nil); err != nil {
		return err
	}
	return fmt.Errorf("%w: chat delivery %d: %s", events.ErrGiveUp, a.ID, o.err)
}

// record stores an attempt's outcome on the delivery.
func (s *Store) record(ctx context.Context, q db.DBTX, id int64, status string, o outcome, deliveredAt *time.Time) error {
	var code, ms *int
	if o.code != 0 {
		code = &o.code
	}
	if o.latency > 0 || o.code != 0 {
		n := int(o.latency.Milliseconds())
		ms = &n
	}
	_, err := q.Exec(ctx, `UPDATE chat_deliveries SET status = $2, attempts = attempts + 1, last_status_code = $3,
		last_error = $4, last_latency_ms = $5, delivered_at = $6 WHERE id = $1`, id, status, code, o.err, ms, deliveredAt)
	return err
}

// disable turns the channel off with the reason and tells the admins, in
// tx; only the transaction that turns it off tells them, so they hear of
// it once however many deliveries fail at the same time.
func (s *Store) disable(ctx context.Context, tx pgx.Tx, channelID int64, reason string) error {
	var name string
	var team users.Team
	err := tx.QueryRow(ctx, `UPDATE chat_channels SET enabled = false, disabled_reason = $2, updated_at = $3,
		version = version + 1 WHERE id = $1 AND enabled RETURNING name, team`, channelID, reason, s.now()).Scan(&name, &team)
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
	return notifications.Send(ctx, tx, admins, 0, "chat_channel_disabled",
		"Chat channel "+name+" ("+team.Label()+") was turned off: "+reason, ChannelPath(channelID))
}

// ChannelPath is a channel's page.
func ChannelPath(id int64) string { return "/admin/channels/" + strconv.FormatInt(id, 10) }

// message renders the event for the chat kind, with its links made
// absolute as the fan-out makes them for Plan.
func (s *Store) message(k chat.Kind, ev events.Event) ([]byte, error) {
	data, err := absoluteURLs(ev.Data, s.baseURL)
	if err != nil {
		return nil, fmt.Errorf("event %d: %w", ev.ID, err)
	}
	ev.Data = data
	return chat.Message(k, ev)
}

// absoluteURLs turns the payload's link paths ("/leads/7") into links a
// message outside Tandem can carry; links absolute already stay.
func absoluteURLs(data json.RawMessage, base string) (json.RawMessage, error) {
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("payload is not a JSON object: %w", err)
	}
	changed := false
	for k, v := range fields {
		if s, ok := v.(string); ok && strings.HasSuffix(k, "url") && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
			fields[k], changed = base+s, true
		}
	}
	if !changed {
		return data, nil
	}
	return json.Marshal(fields)
}

// maxExcerpt bounds the part of a refusal's body kept with the delivery.
const maxExcerpt = 300

// post sends body to the webhook and says what came back. Errors never
// carry the URL: it is the channel's credential, and they are shown.
func (s *Store) post(ctx context.Context, webhook string, body []byte) outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhook, bytes.NewReader(body))
	if err != nil {
		return outcome{err: "The webhook URL cannot be used."}
	}
	req.Header.Set("Content-Type", chat.ContentType)
	req.Header.Set("User-Agent", "Tandem")
	a := outbound.Send(s.client, req, 4<<10)
	o := outcome{code: a.Code, latency: a.Latency, err: a.Err}
	if a.Code != 0 && a.Err != "" {
		if t := format.Excerpt(string(a.Body), maxExcerpt); t != "" {
			o.err += ": " + t
		}
	}
	return o
}

// TestResult is what a test message got back.
type TestResult struct {
	OK         bool
	StatusCode int // 0: no answer
	Latency    time.Duration
	Error      string
}

// Summary is the result in words, as the channel's page shows it.
func (r TestResult) Summary() string {
	if r.OK {
		return fmt.Sprintf("Delivered (%d, %s ms).", r.StatusCode, format.Int(int(r.Latency.Milliseconds())))
	}
	return "Not delivered: " + r.Error
}

// SendTest posts a sample message to the channel now, whether it is on or
// off (to check a fixed webhook before turning it on again), and keeps the
// result with the channel. It changes nothing else: the failure count and
// the delivery log are the real deliveries'.
func (s *Store) SendTest(ctx context.Context, id int64) (TestResult, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return TestResult{}, err
	}
	now := s.now()
	year, week := now.ISOWeek()
	data, err := json.Marshal(events.Digest{Week: fmt.Sprintf("%04d-W%02d", year, week),
		Summary: "This is a test message from Tandem: the " + c.Team.Label() + " channel “" + c.Name +
			"” is set up. Real messages tell of the events the channel takes.",
		URL: "/admin/channels"})
	if err != nil {
		return TestResult{}, err
	}
	body, err := s.message(c.Kind, events.Event{Kind: events.DigestPublished, OccurredAt: now, Teams: []string{string(c.Team)}, Data: data})
	if err != nil {
		return TestResult{}, err
	}
	o := s.post(ctx, c.WebhookURL, body)
	r := TestResult{OK: o.err == "", StatusCode: o.code, Latency: o.latency, Error: o.err}
	_, err = s.pool.Exec(ctx, `UPDATE chat_channels SET tested_at = $2, test_result = $3 WHERE id = $1`, id, now, r.Summary())
	return r, err
}
