package calendar

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/campaigns"
	"tandem/internal/db"
	"tandem/internal/digest"
	"tandem/internal/leads"
	"tandem/internal/refusal"
	"tandem/internal/settings"
	"tandem/internal/users"
)

// Scope is which feed a token opens.
type Scope string

const (
	// Personal is the user's own feed: campaigns, their notice deadlines,
	// digest days and the SLA deadlines of the leads they own.
	Personal Scope = "personal"
	// Team is a manager's feed: the same campaigns and digest days, and the
	// open SLA deadlines of their whole team.
	Team Scope = "team"
)

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return s == Personal || s == Team }

// ErrNotFound is the answer for a token that opens no feed: unknown,
// replaced by a newer one, or its user deactivated or (for a team feed) no
// longer a manager. One answer for all, so a guess learns nothing.
var ErrNotFound = db.ErrNotFound

// ErrNotManager refuses a team feed to someone who does not manage.
var ErrNotManager = refusal.Forbid("Team calendar feeds are for managers and admins.")

// TokenPrefix starts every feed token, so a leaked one is recognizable.
const TokenPrefix = "cal_"

// Window of the campaigns a feed lists: those that ended at most
// pastDays ago and launch at most aheadDays from now. DigestDays is how
// many coming digest days it lists. maxEvents bounds each query.
const (
	pastDays   = 90
	aheadDays  = 366
	DigestDays = 8
	maxEvents  = 1000
)

// Store makes feed tokens and serves the feeds they open. baseURL is the
// app's public address (links and UIDs are made of it); loc is the
// business timezone, in which campaign days and the digest schedule are
// cut.
type Store struct {
	pool    *pgxpool.Pool
	baseURL string
	host    string
	loc     *time.Location
}

// NewStore returns a Store on pool for the app at baseURL in loc.
func NewStore(pool *pgxpool.Pool, baseURL string, loc *time.Location) *Store {
	base := strings.TrimRight(baseURL, "/")
	host := "tandem"
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return &Store{pool: pool, baseURL: base, host: host, loc: loc}
}

// Info is a feed that exists, without its token (which is never kept).
type Info struct {
	Scope     Scope     `db:"scope"`
	CreatedAt time.Time `db:"created_at"`
}

// URL is the feed address of token.
func (s *Store) URL(token string) string {
	return s.baseURL + "/calendar/" + token + ".ics"
}

// Feeds lists the feeds userID has, personal first.
func (s *Store) Feeds(ctx context.Context, userID int64) ([]Info, error) {
	return db.QueryAll[Info](ctx, s.pool, `SELECT scope, created_at FROM calendar_feeds
		WHERE user_id = $1 ORDER BY scope = 'team', scope`, userID)
}

// Generate makes a new token for userID's feed of scope and returns it; it
// replaces any earlier token of that feed, which stops working at once.
// The token is not kept: only its SHA-256 is stored.
func (s *Store) Generate(ctx context.Context, userID int64, scope Scope) (string, error) {
	if !scope.Valid() {
		return "", refusal.Invalidf("There is no such calendar feed.")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		u, err := lockUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if scope == Team && !u.IsManager() {
			return ErrNotManager
		}
		_, err = tx.Exec(ctx, `INSERT INTO calendar_feeds (user_id, scope, token_hash, created_at) VALUES ($1, $2, $3, now())
			ON CONFLICT (user_id, scope) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
			userID, scope, hash(token))
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

func lockUser(ctx context.Context, tx pgx.Tx, id int64) (users.User, error) {
	u, err := db.QueryOne[users.User](ctx, tx, `SELECT id, email, name, team, role, timezone, active, service, created_at, version
		FROM users WHERE id = $1 FOR SHARE`, id)
	if err == nil && (!u.Active || u.Service) {
		return users.User{}, refusal.Forbid("This account cannot have a calendar feed.")
	}
	return u, err
}

func hash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// Feed is the iCalendar file token opens, as of now.
func (s *Store) Feed(ctx context.Context, token string) ([]byte, error) {
	return s.FeedAt(ctx, token, time.Now())
}

// FeedAt is the iCalendar file token opens, as of now: the owner's data
// only (and, for a team feed, their team's).
func (s *Store) FeedAt(ctx context.Context, token string, now time.Time) ([]byte, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 100 {
		return nil, ErrNotFound
	}
	var cal Calendar
	// One snapshot for the whole file: a repeatable-read, read-only
	// transaction, so no event reflects a state another one does not.
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		type owner struct {
			users.User
			Scope Scope `db:"scope"`
		}
		o, err := db.QueryOne[owner](ctx, tx, `SELECT u.id, u.email, u.name, u.team, u.role, u.timezone, u.active, u.service,
				u.created_at, u.version, f.scope
			FROM calendar_feeds f JOIN users u ON u.id = f.user_id
			WHERE f.token_hash = $1 AND u.active AND NOT u.service`, hash(token))
		if err != nil {
			return err
		}
		if o.Scope == Team && !o.IsManager() {
			return ErrNotFound
		}
		cal, err = s.build(ctx, tx, o.User, o.Scope, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return cal.Bytes(), nil
}

// build gathers the events of u's feed of scope.
func (s *Store) build(ctx context.Context, tx pgx.Tx, u users.User, scope Scope, now time.Time) (Calendar, error) {
	st, err := settings.Load(ctx, tx)
	if err != nil {
		return Calendar{}, err
	}
	name := "Tandem: " + u.Name
	if scope == Team {
		name = "Tandem: " + u.Team.Label() + " team"
	}
	cal := Calendar{ProdID: "-//Tandem//Calendar feed//EN", Name: name, Refresh: time.Hour}
	for _, add := range []func() ([]Event, error){
		func() ([]Event, error) { return s.campaignDays(ctx, tx, now) },
		func() ([]Event, error) { return s.noticeDeadlines(ctx, tx, u, scope, st, now) },
		func() ([]Event, error) { return s.ackDeadlines(ctx, tx, u, scope, now) },
		func() ([]Event, error) { return s.digestDays(st, now), nil },
		func() ([]Event, error) { return s.slaDeadlines(ctx, tx, u, scope, st, now) },
	} {
		events, err := add()
		if err != nil {
			return Calendar{}, err
		}
		for i := range events {
			events[i].Stamp = now
		}
		cal.Events = append(cal.Events, events...)
	}
	return cal, nil
}

func (s *Store) uid(parts ...string) string {
	return strings.Join(parts, "-") + "@" + s.host
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

type campaignRow struct {
	ID       int64     `db:"id"`
	Name     string    `db:"name"`
	Channel  string    `db:"channel"`
	Audience string    `db:"audience"`
	Offer    string    `db:"offer"`
	LaunchOn time.Time `db:"launch_on"`
	EndOn    time.Time `db:"end_on"`
	Owner    string    `db:"owner_name"`
}

func (c campaignRow) description() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s campaign, %s to %s.", campaigns.Channel(c.Channel).Label(),
		c.LaunchOn.Format("Mon 2 Jan 2006"), c.EndOn.Format("Mon 2 Jan 2006"))
	if c.Audience != "" {
		b.WriteString("\nAudience: " + c.Audience)
	}
	if c.Offer != "" {
		b.WriteString("\nOffer: " + c.Offer)
	}
	b.WriteString("\nOwner: " + c.Owner)
	return b.String()
}

const campaignSelect = `SELECT c.id, c.name, c.channel, c.audience, c.offer, c.launch_on, c.end_on, o.name AS owner_name
	FROM campaigns c JOIN users o ON o.id = c.owner_id `

// campaignDays are the launch and end days of the announced campaigns in
// the window, all-day. Drafts are marketing's own until announced.
func (s *Store) campaignDays(ctx context.Context, tx pgx.Tx, now time.Time) ([]Event, error) {
	today := campaigns.Day(now, s.loc)
	rows, err := db.QueryAll[campaignRow](ctx, tx, campaignSelect+`
		WHERE c.status = 'announced' AND c.end_on >= $1 AND c.launch_on <= $2
		ORDER BY c.launch_on, c.id LIMIT $3`, today.AddDate(0, 0, -pastDays), today.AddDate(0, 0, aheadDays), maxEvents)
	if err != nil {
		return nil, err
	}
	var out []Event
	for _, c := range rows {
		link := s.baseURL + "/campaigns/" + id(c.ID)
		out = append(out,
			Event{UID: s.uid("campaign", id(c.ID), "launch"), Summary: "Launch: " + c.Name, Description: c.description(),
				URL: link, AllDay: true, Start: c.LaunchOn},
			Event{UID: s.uid("campaign", id(c.ID), "end"), Summary: "Ends: " + c.Name, Description: c.description(),
				URL: link, AllDay: true, Start: c.EndOn})
	}
	return out, nil
}

// noticeDeadlines are the last on-time moments to announce the drafts a
// marketer owns (in the team feed of a marketing manager: every
// marketer's), for drafts whose launch is still ahead.
func (s *Store) noticeDeadlines(ctx context.Context, tx pgx.Tx, u users.User, scope Scope, st settings.Settings, now time.Time) ([]Event, error) {
	if u.Team != users.Marketing {
		return nil, nil
	}
	rows, err := db.QueryAll[campaignRow](ctx, tx, campaignSelect+`
		WHERE c.status = 'draft' AND c.launch_on >= $1 AND (c.owner_id = $2 OR $4 AND o.team = 'marketing')
		ORDER BY c.launch_on, c.id LIMIT $3`, campaigns.Day(now, s.loc), u.ID, maxEvents, scope == Team)
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(rows))
	for _, c := range rows {
		due := campaigns.NoticeDeadline(c.LaunchOn, st.NoticeDays, s.loc)
		desc := fmt.Sprintf("Announce by now for the %d days' notice sales and service get before a launch.\n%s",
			st.NoticeDays, c.description())
		out = append(out, Event{UID: s.uid("campaign", id(c.ID), "notice"), Summary: "Announce by: " + c.Name,
			Description: desc, URL: s.baseURL + "/campaigns/" + id(c.ID), Start: due})
	}
	return out, nil
}

// ackDeadlines are, in a salesperson's or service agent's personal feed,
// the notices they have yet to acknowledge (in their current revision)
// before launch: readiness is judged at the launch instant.
func (s *Store) ackDeadlines(ctx context.Context, tx pgx.Tx, u users.User, scope Scope, now time.Time) ([]Event, error) {
	if scope != Personal || !campaigns.Acknowledges(u) {
		return nil, nil
	}
	rows, err := db.QueryAll[campaignRow](ctx, tx, campaignSelect+`
		LEFT JOIN acknowledgements a ON a.campaign_id = c.id AND a.user_id = $2
		WHERE c.status = 'announced' AND c.launch_on > $1 AND (a.user_id IS NULL OR a.revision < c.revision)
		ORDER BY c.launch_on, c.id LIMIT $3`, campaigns.Day(now, s.loc), u.ID, maxEvents)
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(rows))
	for _, c := range rows {
		out = append(out, Event{UID: s.uid("campaign", id(c.ID), "ack"), Summary: "Acknowledge notice: " + c.Name,
			Description: "Read the talking points and acknowledge before launch.\n" + c.description(),
			URL:         s.baseURL + "/campaigns/" + id(c.ID), Start: campaigns.LaunchStart(c.LaunchOn, s.loc)})
	}
	return out, nil
}

// digestDays are the next DigestDays moments the weekly digest goes out.
func (s *Store) digestDays(st settings.Settings, now time.Time) []Event {
	sc := scheduleOf(st)
	week, _ := sc.Upcoming(now, s.loc)
	out := make([]Event, 0, DigestDays)
	for range DigestDays {
		due := sc.Due(week)
		out = append(out, Event{UID: s.uid("digest", week.Label()), Summary: "Weekly digest: " + week.Title(),
			Description: "The weekly alignment digest for " + week.Title() + " goes out.",
			URL:         s.baseURL + "/digests/" + week.Label(), Start: due, End: due.Add(15 * time.Minute)})
		week = week.Next()
	}
	return out
}

// scheduleOf is the digest schedule of the settings (the default for a
// malformed time, as the digest itself does).
func scheduleOf(st settings.Settings) digest.Schedule {
	sc := digest.DefaultSchedule
	if st.DigestWeekday >= 1 && st.DigestWeekday <= 7 {
		sc.Weekday = time.Weekday(st.DigestWeekday % 7)
	}
	if t, err := time.Parse("15:04", strings.TrimSpace(st.DigestTime)); err == nil {
		sc.Hour, sc.Minute = t.Hour(), t.Minute()
	}
	return sc
}

type slaRow struct {
	ID          int64       `db:"id"`
	Company     string      `db:"company"`
	Contact     string      `db:"contact_name"`
	Stage       leads.Stage `db:"stage"`
	HandedOffAt time.Time   `db:"handed_off_at"`
	SLADueAt    time.Time   `db:"sla_due_at"`
	OwnerName   *string     `db:"owner_name"`
}

// slaDeadlines are the follow-up deadlines of open SLA clocks (handed off
// or accepted, no first touch yet; as leads.Filter's "open" and
// "breached"): the leads u owns, or in the team feed the leads owned by
// u's team and, for sales managers, those waiting for assignment.
func (s *Store) slaDeadlines(ctx context.Context, tx pgx.Tx, u users.User, scope Scope, st settings.Settings, _ time.Time) ([]Event, error) {
	rows, err := db.QueryAll[slaRow](ctx, tx, `SELECT l.id, l.company, l.contact_name, l.stage, l.handed_off_at, l.sla_due_at, o.name AS owner_name
		FROM leads l LEFT JOIN users o ON o.id = l.owner_id
		WHERE l.first_touch_at IS NULL AND l.stage IN ('handed_off', 'accepted') AND l.sla_due_at IS NOT NULL
		  AND (l.owner_id = $1 OR $5 AND (o.team = $2 OR l.owner_id IS NULL AND $3))
		ORDER BY l.handed_off_at, l.id LIMIT $4`, u.ID, u.Team, u.IsSalesManager(), maxEvents, scope == Team)
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(rows))
	for _, l := range rows {
		summary := "Follow-up due: " + l.Company
		owner := "waiting for assignment"
		if l.OwnerName != nil {
			owner = *l.OwnerName
		}
		if scope == Team {
			summary += " (" + owner + ")"
		}
		desc := fmt.Sprintf("First touch due by the follow-up deadline set at the handoff (%s UTC).\nStage: %s\nContact: %s\nOwner: %s",
			l.HandedOffAt.UTC().Format("2006-01-02 15:04"), l.Stage.Label(), l.Contact, owner)
		out = append(out, Event{UID: s.uid("lead", id(l.ID), "sla", id(l.HandedOffAt.Unix())), Summary: summary,
			Description: desc, URL: s.baseURL + leads.Link(l.ID), Start: l.SLADueAt})
	}
	return out, nil
}
