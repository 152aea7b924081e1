package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/config"
	"tandem/internal/digest"
	"tandem/internal/events"
	"tandem/internal/users"
)

// Channel is the email channel of the event fan-out.
type Channel struct {
	pool        *pgxpool.Pool
	prefs       *Store
	mailer      digest.Mailer // nil: mail is off
	baseURL     string
	loc         *time.Location
	log         *slog.Logger
	sendTimeout time.Duration
	// claimTimeout is how long a daily summary may stay claimed and
	// unsent before another run takes it over (the claimer died).
	claimTimeout time.Duration
}

var _ events.Channel = (*Channel)(nil)

// Options are what New needs besides the pool.
type Options struct {
	BaseURL  string         // absolute links, e.g. https://tandem.example.com
	Mailer   digest.Mailer  // nil: mail is off, nothing is planned
	Location *time.Location // business timezone: the daily summary's day
	Log      *slog.Logger   // nil: discard
}

// New returns a Channel.
func New(pool *pgxpool.Pool, o Options) *Channel {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Channel{pool: pool, prefs: NewStore(pool), mailer: o.Mailer, baseURL: strings.TrimRight(o.BaseURL, "/"),
		loc: o.Location, log: o.Log, sendTimeout: time.Minute, claimTimeout: 15 * time.Minute}
}

// FromConfig returns the Channel `tandem serve` uses: mail goes through
// cfg.SMTP, the digest's settings and client, when they are set.
func FromConfig(pool *pgxpool.Pool, cfg config.Config, log *slog.Logger) *Channel {
	var m digest.Mailer
	if cfg.SMTP.Enabled() {
		m = digest.NewSMTPMailer(cfg.SMTP)
	}
	base := ""
	if cfg.BaseURL != nil {
		base = cfg.BaseURL.String()
	}
	return New(pool, Options{BaseURL: base, Mailer: m, Location: cfg.Location, Log: log})
}

// Name is the channel's name in jobs and logs.
func (c *Channel) Name() string { return "email" }

// MailOn reports whether this server sends mail.
func (c *Channel) MailOn() bool { return c.mailer != nil }

// Prefs is the preference store the channel reads.
func (c *Channel) Prefs() *Store { return c.prefs }

// Plan adds a delivery for each person in the event's audience who wants
// it by mail: now (returned, a job each) or in the daily summary (left for
// SendDailySummaries). With mail off it plans nothing, so turning mail on
// later does not flood anyone with old news. A second Plan of the event
// returns nothing: UNIQUE (user_id, event_id).
func (c *Channel) Plan(ctx context.Context, tx pgx.Tx, ev events.Event) ([]int64, error) {
	if c.mailer == nil || len(ev.Audience) == 0 || !ev.Kind.Valid() {
		return nil, nil
	}
	type row struct {
		ID     int64      `db:"id"`
		Team   users.Team `db:"team"`
		Role   users.Role `db:"role"`
		Chosen *Delivery  `db:"delivery"`
	}
	rows, err := tx.Query(ctx, `SELECT u.id, u.team, u.role, p.delivery FROM users u
		LEFT JOIN notification_prefs p ON p.user_id = u.id AND p.kind = $2
		WHERE u.id = ANY($1) AND u.active AND NOT u.service AND u.email <> ''
		  AND u.id IS DISTINCT FROM $3`, ev.Audience, ev.Kind, ev.ActorID) // no one is mailed their own change
	if err != nil {
		return nil, err
	}
	people, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, err
	}
	var now, daily []int64
	for _, p := range people {
		d := Default(p.Team, p.Role, ev.Kind)
		if p.Chosen != nil {
			d = *p.Chosen
		}
		switch d {
		case EmailNow:
			now = append(now, p.ID)
		case EmailDaily:
			daily = append(daily, p.ID)
		}
	}
	if len(daily) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO mail_deliveries (user_id, event_id, daily)
			SELECT u, $2, true FROM unnest($1::bigint[]) AS u ON CONFLICT DO NOTHING`, daily, ev.ID); err != nil {
			return nil, err
		}
	}
	if len(now) == 0 {
		return nil, nil
	}
	rows, err = tx.Query(ctx, `INSERT INTO mail_deliveries (user_id, event_id)
		SELECT u, $2 FROM unnest($1::bigint[]) AS u ON CONFLICT DO NOTHING RETURNING id`, now, ev.ID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// ErrMailOff gives up a delivery planned while mail was on.
var ErrMailOff = errors.New("mail is off: SMTP_HOST is not set")

type pending struct {
	ID         int64           `db:"id"`
	UserID     int64           `db:"user_id"`
	Name       string          `db:"name"`
	Email      string          `db:"email"`
	Active     bool            `db:"active"`
	EventID    int64           `db:"event_id"`
	Kind       events.Kind     `db:"kind"`
	OccurredAt time.Time       `db:"occurred_at"`
	Data       json.RawMessage `db:"data"`
	Chosen     *Delivery       `db:"delivery"`
}

// Deliver sends one planned mail. A delivery already sent, failed or
// skipped is done (nil). A user who has since turned the kind away from
// "email now", or was deactivated, is skipped. A permanent refusal of the
// recipient gives up (events.ErrGiveUp); anything else is retried.
func (c *Channel) Deliver(ctx context.Context, deliveryID int64, attempt int) error {
	rows, err := c.pool.Query(ctx, `WITH claimed AS (
			UPDATE mail_deliveries SET attempts = attempts + 1
			WHERE id = $1 AND status = 'pending' AND NOT daily RETURNING id, user_id, event_id)
		SELECT c.id, c.user_id, u.name, u.email, u.active, c.event_id, e.kind, e.occurred_at, e.data, p.delivery
		FROM claimed c JOIN users u ON u.id = c.user_id JOIN events e ON e.id = c.event_id
		LEFT JOIN notification_prefs p ON p.user_id = c.user_id AND p.kind = e.kind`, deliveryID)
	if err != nil {
		return err
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[pending])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if !d.Active || d.Chosen != nil && *d.Chosen != EmailNow {
		return c.finish(ctx, d.ID, "skipped", "")
	}
	if c.mailer == nil {
		if err := c.finish(ctx, d.ID, "failed", ErrMailOff.Error()); err != nil {
			return err
		}
		return fmt.Errorf("%w: %w", events.ErrGiveUp, ErrMailOff)
	}
	msg, err := c.noticeMessage(ctx, d)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, c.sendTimeout)
	defer cancel()
	if err := c.mailer.Send(sctx, msg); err != nil {
		c.log.Warn("notification mail not sent", "delivery", d.ID, "attempt", attempt, "err", err)
		if errors.Is(err, digest.ErrRecipientRefused) {
			if ferr := c.finish(ctx, d.ID, "failed", err.Error()); ferr != nil {
				return ferr
			}
			return fmt.Errorf("%w: %w", events.ErrGiveUp, err)
		}
		if _, uerr := c.pool.Exec(ctx, `UPDATE mail_deliveries SET last_error = $2 WHERE id = $1`, d.ID, err.Error()); uerr != nil {
			return errors.Join(err, uerr)
		}
		return err
	}
	return c.finish(ctx, d.ID, "sent", "")
}

func (c *Channel) finish(ctx context.Context, id int64, status, lastErr string) error {
	_, err := c.pool.Exec(ctx, `UPDATE mail_deliveries SET status = $2, last_error = $3,
		sent_at = CASE WHEN $2 = 'sent' THEN now() END WHERE id = $1`, id, status, lastErr)
	return err
}

func (c *Channel) noticeMessage(ctx context.Context, d pending) (digest.Message, error) {
	n, err := NoticeOf(d.Kind, d.OccurredAt, d.Data)
	if err != nil {
		return digest.Message{}, err
	}
	unsub, err := c.unsubscribeURL(ctx, d.UserID, string(d.Kind))
	if err != nil {
		return digest.Message{}, err
	}
	because := fmt.Sprintf("your notification settings say %q for %q", EmailNow.Label(), d.Kind.Label())
	if d.Chosen == nil {
		because += " (the default for your team)"
	}
	v := view{
		Recipient:   d.Name,
		Intro:       n.Subject() + ".",
		Groups:      []group{{Label: d.Kind.Label(), Notices: []Notice{n}}},
		Because:     because,
		SettingsURL: c.baseURL + "/account/notifications",
		Unsubscribe: []link{{Label: d.Kind.Label(), URL: unsub}},
	}
	return c.message(d.Name, d.Email, n.Subject(), fmt.Sprintf("event-%d-%d", d.EventID, d.UserID), unsub, v)
}

func (c *Channel) unsubscribeURL(ctx context.Context, userID int64, kind string) (string, error) {
	path, err := c.prefs.UnsubscribePath(ctx, userID, kind)
	if err != nil {
		return "", err
	}
	return c.baseURL + path, nil
}

func (c *Channel) message(name, email, subject, id, unsub string, v view) (digest.Message, error) {
	text, html, err := render(v)
	if err != nil {
		return digest.Message{}, err
	}
	return digest.Message{ToName: name, ToEmail: email, Subject: subject, Text: text, HTML: html,
		MessageID: id + "@" + c.mailDomain(),
		Headers: map[string]string{
			// RFC 8058: a mail client may POST List-Unsubscribe=One-Click
			// to the link, which acts without a page in between.
			"List-Unsubscribe":      "<" + unsub + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			"Auto-Submitted":        "auto-generated", // RFC 3834: no auto-replies
		}}, nil
}

func (c *Channel) mailDomain() string {
	if u, err := url.Parse(c.baseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "tandem.invalid"
}
