package digest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
)

// Exactly once per person and week
//
// Sending is a queue in PostgreSQL, digest_sends, with one row per (week,
// user): the UNIQUE constraint means a person can be queued for a week only
// once, however many instances, schedulers, "send now" clicks and restarts
// there are. Delivering a row goes:
//
//  1. Claim: one short transaction moves a due row to 'sending' (attempts+1,
//     claimed_at) through UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP
//     LOCKED). Two instances can never claim the same row: the second skips
//     the locked row, and once the first commits the row is no longer due.
//  2. Send over SMTP, outside any transaction.
//  3. Record: 'sent' only after the server accepted the message; on an
//     error, back to 'pending' with the error and a doubled delay, or
//     'failed' after maxAttempts or when the server refused the address
//     for good (admins see both and can queue them again).
//     The record is fenced on (status 'sending', attempts), so a stale
//     worker cannot overwrite a newer attempt's result.
//
// A worker that dies between claim and record leaves a 'sending' row; a
// claim older than claimTimeout is due again, so the digest still goes
// out. The one window no SMTP client can close is a crash after the server
// accepted the message and before step 3 commits: that person then gets the
// digest twice, never zero times. The Message-ID is stable per week and
// person, so mail systems can recognise the duplicate.

// Result counts what a delivery run did.
type Result struct {
	Sent, Retrying, Failed, Skipped int
}

// Queue queues week's archived digest for every active user who has not
// opted out and is not queued for the week yet, and returns how many were
// added. With once, a week queued before is left alone: the schedule
// queues each week one time, so people who join or opt in later are not
// mailed old news; a manager's "send now" (once false) adds them.
func (s *Service) Queue(ctx context.Context, week string, once bool) (int, error) {
	var added int
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var queued *time.Time
		var composed bool
		err := tx.QueryRow(ctx, `SELECT enqueued_at, body IS NOT NULL FROM digests WHERE week = $1 FOR UPDATE`, week).
			Scan(&queued, &composed)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && !composed {
			return fmt.Errorf("queue digest %s: not archived", week)
		}
		if err != nil || once && queued != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO digest_sends (week, user_id, next_attempt_at)
			SELECT $1, id, $2 FROM users WHERE active AND NOT digest_opt_out
			ON CONFLICT ON CONSTRAINT digest_sends_week_user_key DO NOTHING`, week, s.now())
		if err != nil {
			return err
		}
		added = int(tag.RowsAffected())
		_, err = tx.Exec(ctx, `UPDATE digests SET enqueued_at = coalesce(enqueued_at, $2) WHERE week = $1`, week, s.now())
		return err
	})
	return added, err
}

// job is a claimed send.
type job struct {
	id       int64
	week     string
	userID   int64
	attempts int
}

// claim takes the next due send: pending and due, or claimed by a worker
// that has not reported back within claimTimeout.
func (s *Service) claim(ctx context.Context) (job, bool, error) {
	now := s.now()
	var j job
	err := s.pool.QueryRow(ctx, `
		UPDATE digest_sends SET status = 'sending', attempts = attempts + 1, claimed_at = $1
		WHERE id = (
			SELECT id FROM digest_sends
			WHERE (status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND claimed_at < $2)
			ORDER BY next_attempt_at, id
			FOR UPDATE SKIP LOCKED LIMIT 1)
		RETURNING id, week, user_id, attempts`, now, now.Add(-s.claimTimeout)).
		Scan(&j.id, &j.week, &j.userID, &j.attempts)
	if errors.Is(err, pgx.ErrNoRows) {
		return job{}, false, nil
	}
	return j, err == nil, err
}

// Deliver sends due digests one by one until none is due, ctx ends, or
// budget (0: none) has passed; a message already being sent is finished.
// Without mail it does nothing.
func (s *Service) Deliver(ctx context.Context, budget time.Duration) (Result, error) {
	var res Result
	if s.mailer == nil {
		return res, nil
	}
	deadline := time.Now().Add(budget)
	digests := map[string]Digest{}
	for ctx.Err() == nil && (budget == 0 || time.Now().Before(deadline)) {
		j, ok, err := s.claim(ctx)
		if err != nil || !ok {
			return res, err
		}
		// The claim is committed: finish this one even if ctx ends now,
		// so a shutdown does not leave it to the claim timeout.
		stop, err := s.deliver(context.WithoutCancel(ctx), j, digests, &res)
		if err != nil || stop {
			return res, err
		}
	}
	return res, ctx.Err()
}

// deliver sends one claimed job and records the outcome. It returns an
// error only when the outcome could not be recorded, and stop when the
// mail server cannot be reached: the others would only wait for the same
// timeout, so they wait for the next run instead.
func (s *Service) deliver(ctx context.Context, j job, digests map[string]Digest, res *Result) (stop bool, err error) {
	var email, name string
	var active, optOut bool
	err = s.pool.QueryRow(ctx, `SELECT email, name, active, digest_opt_out FROM users WHERE id = $1`, j.userID).
		Scan(&email, &name, &active, &optOut)
	if err != nil {
		return false, fmt.Errorf("digest send %d: %w", j.id, err)
	}
	if !active || optOut {
		res.Skipped++
		return false, s.record(ctx, j, outcome{status: "skipped", reason: "deactivated or opted out before delivery"})
	}
	if j.attempts > s.maxAttempts { // a crashed worker's claim came back after the last attempt
		res.Failed++
		return false, s.record(ctx, j, outcome{status: "failed",
			reason: fmt.Sprintf("gave up after %d attempts; the last one never reported back", s.maxAttempts)})
	}
	d, ok := digests[j.week]
	if !ok {
		e, err := s.Entry(ctx, j.week)
		if err != nil {
			return false, err
		}
		if e.Archived == nil {
			return false, fmt.Errorf("digest send %d: week %s is not archived", j.id, j.week)
		}
		d = e.Archived.Digest
		digests[j.week] = d
	}
	msg, err := s.message(ctx, d, j.userID, name, email, false)
	if err != nil {
		return false, err
	}
	sendCtx, cancel := context.WithTimeout(ctx, s.sendTimeout)
	err = s.mailer.Send(sendCtx, msg)
	cancel()
	now := s.now()
	if err == nil {
		res.Sent++
		return false, s.record(ctx, j, outcome{status: "sent", email: email, sentAt: &now})
	}
	s.log.Warn("digest not sent", "week", j.week, "user", j.userID, "attempt", j.attempts, "err", err)
	reason := clip(strings.Join(strings.Fields(err.Error()), " "), 500)
	stop = errors.Is(err, ErrConnect)
	if j.attempts >= s.maxAttempts || errors.Is(err, ErrRecipientRefused) {
		res.Failed++
		return stop, s.record(ctx, j, outcome{status: "failed", reason: reason})
	}
	res.Retrying++
	next := now.Add(s.backoff(j.attempts))
	return stop, s.record(ctx, j, outcome{status: "pending", reason: reason, next: &next})
}

// backoff is the delay after the attempt-th failure: retryBase doubled per
// earlier failure, at most retryMax.
func (s *Service) backoff(attempt int) time.Duration {
	d := s.retryBase
	for i := 1; i < attempt && d < s.retryMax; i++ {
		d *= 2
	}
	return min(d, s.retryMax)
}

// outcome is what became of one attempt.
type outcome struct {
	status string // sent, pending (retry), failed, skipped
	reason string // the error, "" when sent
	email  string // the address it went to
	sentAt *time.Time
	next   *time.Time // the retry's time
}

// record writes an attempt's outcome, fenced on the claim it made: if the
// claim timed out and another worker took the row over, this result is
// dropped (and logged).
func (s *Service) record(ctx context.Context, j job, o outcome) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE digest_sends SET status = $3, last_error = $4, email = CASE WHEN $5 = '' THEN email ELSE $5 END,
		       sent_at = $6, next_attempt_at = coalesce($7, next_attempt_at), claimed_at = NULL
		WHERE id = $1 AND attempts = $2 AND status = 'sending'`,
		j.id, j.attempts, o.status, o.reason, o.email, o.sentAt, o.next)
	if err != nil {
		return fmt.Errorf("digest send %d: record: %w", j.id, err)
	}
	if tag.RowsAffected() == 0 {
		s.log.Warn("digest send outcome dropped: the claim was taken over", "id", j.id, "attempt", j.attempts)
	}
	return nil
}

// message builds one person's mail.
func (s *Service) message(ctx context.Context, d Digest, userID int64, name, email string, test bool) (Message, error) {
	unsub, err := s.UnsubscribeURL(ctx, userID)
	if err != nil {
		return Message{}, err
	}
	v := View{Digest: d, BaseURL: s.baseURL, Recipient: name, UnsubscribeURL: unsub, Test: test}
	text, err := Text(v)
	if err != nil {
		return Message{}, err
	}
	html, err := HTML(v)
	if err != nil {
		return Message{}, err
	}
	m := Message{ToName: name, ToEmail: email, Subject: Subject(d, test), Text: text, HTML: html,
		MessageID: fmt.Sprintf("digest-%s-%d@%s", d.Week, userID, s.mailDomain()),
		Headers: map[string]string{
			"List-Unsubscribe": "<" + unsub + ">",
			"Auto-Submitted":   "auto-generated", // RFC 3834: no auto-replies
		}}
	if test {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		m.MessageID = fmt.Sprintf("digest-test-%s-%d-%s@%s", d.Week, userID, hex.EncodeToString(b), s.mailDomain())
	}
	return m, nil
}

// Subject is the mail's subject line.
func Subject(d Digest, test bool) string {
	subj := "Tandem weekly digest: " + d.Title
	if test {
		subj = "[Test] " + subj
	}
	return subj
}

func (s *Service) mailDomain() string {
	if u, err := url.Parse(s.baseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "tandem.invalid"
}

// ErrMailOff refuses a send when no SMTP server is configured.
var ErrMailOff = errors.New("mail is off: SMTP_HOST is not set")

// SendTest mails d to one person, marked as a test. It is not recorded and
// does not count as the week's send.
func (s *Service) SendTest(ctx context.Context, d Digest, userID int64, name, email string) error {
	if s.mailer == nil {
		return ErrMailOff
	}
	msg, err := s.message(ctx, d, userID, name, email, true)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.sendTimeout)
	defer cancel()
	return s.mailer.Send(ctx, msg)
}

// Counts is how a week's sends stand.
type Counts struct {
	Sent    int `db:"sent"`
	Waiting int `db:"waiting"`
	Failed  int `db:"failed"`
	Skipped int `db:"skipped"`
}

// Total is every queued person.
func (c Counts) Total() int { return c.Sent + c.Waiting + c.Failed + c.Skipped }

// Counts summarizes week's sends.
func (s *Service) Counts(ctx context.Context, week string) (Counts, error) {
	return db.QueryOne[Counts](ctx, s.pool, `SELECT count(*) FILTER (WHERE status = 'sent') AS sent,
		count(*) FILTER (WHERE status IN ('pending', 'sending')) AS waiting,
		count(*) FILTER (WHERE status = 'failed') AS failed, count(*) FILTER (WHERE status = 'skipped') AS skipped
		FROM digest_sends WHERE week = $1`, week)
}

// Problem is a send that failed at least once and is not delivered.
type Problem struct {
	UserID      int64      `db:"user_id"`
	Name        string     `db:"name"`
	Email       string     `db:"email"`
	Status      string     `db:"status"` // pending (will retry), sending, failed (gave up)
	Attempts    int        `db:"attempts"`
	LastError   string     `db:"last_error"`
	NextAttempt *time.Time `db:"next_attempt"` // nil once given up
}

// Problems lists week's sends that are failing or have failed, for admins.
func (s *Service) Problems(ctx context.Context, week string) ([]Problem, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT x.user_id, u.name, u.email, x.status, x.attempts, x.last_error,
		       CASE WHEN x.status = 'pending' THEN x.next_attempt_at END AS next_attempt
		FROM digest_sends x JOIN users u ON u.id = x.user_id
		WHERE x.week = $1 AND (x.status = 'failed' OR x.status IN ('pending', 'sending') AND x.last_error <> '')
		ORDER BY x.status, u.name LIMIT 500`, week)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Problem])
}

// Retry queues week's failed sends again, attempts reset, due now.
func (s *Service) Retry(ctx context.Context, week string) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE digest_sends SET status = 'pending', attempts = 0, next_attempt_at = $2
		WHERE week = $1 AND status = 'failed'`, week, s.now())
	return int(tag.RowsAffected()), err
}
