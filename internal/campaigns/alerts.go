package campaigns

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/enum"
	"tandem/internal/events"
	"tandem/internal/format"
	"tandem/internal/notifications"
	"tandem/internal/users"
)

// Severity is how serious a product alert is. A critical alert is pinned on
// every page until each person acknowledges it.
type Severity string

const (
	Info     Severity = "info"
	Warning  Severity = "warning"
	Critical Severity = "critical"
)

// Severities lists the severities from least to most serious.
var Severities = []Severity{Info, Warning, Critical}

// Valid reports whether v is a known severity.
func (v Severity) Valid() bool { return enum.Valid(Severities, v) }

var severityLabels = enum.Labels[Severity]{
	Info: "Information", Warning: "Warning", Critical: "Critical",
}

// Label is the severity as shown.
func (v Severity) Label() string { return severityLabels.Of(v) }

// Limits of the alert form, in characters (see MaxName).
const (
	MaxHeadline     = 200
	MaxAlertProduct = 200
	MaxAlertText    = 10000 // what happened, and the guidance
)

// AlertForm is an alert as typed.
type AlertForm struct {
	Headline     string
	Product      string
	Severity     string
	WhatHappened string
	Guidance     string // what sales and marketing should say or stop saying
	UntilOn      string // YYYY-MM-DD or empty: until further notice
}

// AlertDetails are an alert's validated fields.
type AlertDetails struct {
	Headline     string
	Product      string
	Severity     Severity
	WhatHappened string    // Markdown
	Guidance     string    // Markdown
	UntilOn      time.Time // calendar day; zero: until further notice
}

// Parse validates the form against the business day today.
func (f AlertForm) Parse(today time.Time) (AlertDetails, FieldErrors) {
	errs := FieldErrors{}
	d := AlertDetails{
		Headline:     strings.TrimSpace(f.Headline),
		Product:      strings.TrimSpace(f.Product),
		Severity:     Severity(f.Severity),
		WhatHappened: strings.TrimSpace(strings.ReplaceAll(f.WhatHappened, "\r\n", "\n")),
		Guidance:     strings.TrimSpace(strings.ReplaceAll(f.Guidance, "\r\n", "\n")),
	}
	short := func(field, value, what, noun string, limit int) {
		switch n := utf8.RuneCountInString(value); {
		case n == 0:
			errs[field] = "Enter " + what + "."
		case n > limit:
			errs[field] = "Keep the " + noun + " under " + format.Int(limit) + " characters."
		}
	}
	long := func(field, value, what string) {
		switch n := utf8.RuneCountInString(value); {
		case n == 0:
			errs[field] = "Describe " + what + "."
		case n > MaxAlertText:
			errs[field] = "Keep it under " + format.Int(MaxAlertText) + " characters."
		}
	}
	short("headline", d.Headline, "a headline people see in the banner", "headline", MaxHeadline)
	short("product", d.Product, "the product concerned", "product name", MaxAlertProduct)
	if !d.Severity.Valid() {
		errs["severity"] = "Choose a severity."
	}
	long("what_happened", d.WhatHappened, "what happened")
	long("guidance", d.Guidance, "what sales and marketing should say or stop saying")
	if s := strings.TrimSpace(f.UntilOn); s != "" {
		until, msg := parseDate(s, "Enter the date as a date, e.g. 2026-03-31, or leave it empty.")
		switch {
		case msg != "":
			errs["until_on"] = msg
		case until.Before(today):
			errs["until_on"] = "That day is past; choose today or later, or leave it empty."
		default:
			d.UntilOn = until
		}
	}
	if len(errs) > 0 {
		return d, errs
	}
	return d, nil
}

// Alert is a posted product alert, with the viewer's acknowledgement.
type Alert struct {
	ID int64
	AlertDetails
	PostedBy     int64
	PostedByName string
	PostedByTeam users.Team
	PostedAt     time.Time
	// AckedAt is when the viewer acknowledged it, zero if not yet.
	AckedAt time.Time
}

// Active reports whether the alert still applies on the business day today.
func (a Alert) Active(today time.Time) bool { return a.UntilOn.IsZero() || !today.After(a.UntilOn) }

const alertColumns = `a.id, a.headline, a.product, a.severity, a.what_happened, a.guidance, a.until_on,
	a.posted_by, u.name AS posted_by_name, u.team AS posted_by_team, a.posted_at, k.acknowledged_at`

// alertFrom joins the viewer's acknowledgement ($1).
const alertFrom = ` FROM product_alerts a JOIN users u ON u.id = a.posted_by
	LEFT JOIN alert_acks k ON k.alert_id = a.id AND k.user_id = $1`

// alertRow is alertColumns scanned by name.
type alertRow struct {
	ID             int64      `db:"id"`
	Headline       string     `db:"headline"`
	Product        string     `db:"product"`
	Severity       Severity   `db:"severity"`
	WhatHappened   string     `db:"what_happened"`
	Guidance       string     `db:"guidance"`
	UntilOn        *time.Time `db:"until_on"`
	PostedBy       int64      `db:"posted_by"`
	PostedByName   string     `db:"posted_by_name"`
	PostedByTeam   users.Team `db:"posted_by_team"`
	PostedAt       time.Time  `db:"posted_at"`
	AcknowledgedAt *time.Time `db:"acknowledged_at"`
}

func (r alertRow) alert() Alert {
	a := Alert{ID: r.ID, AlertDetails: AlertDetails{Headline: r.Headline, Product: r.Product, Severity: r.Severity,
		WhatHappened: r.WhatHappened, Guidance: r.Guidance},
		PostedBy: r.PostedBy, PostedByName: r.PostedByName, PostedByTeam: r.PostedByTeam, PostedAt: r.PostedAt}
	if r.UntilOn != nil {
		a.UntilOn = *r.UntilOn
	}
	if r.AcknowledgedAt != nil {
		a.AckedAt = *r.AcknowledgedAt
	}
	return a
}

// collectAlerts reads rows of alertColumns.
func collectAlerts(rows pgx.Rows) ([]Alert, error) {
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[alertRow])
	if err != nil {
		return nil, err
	}
	list := make([]Alert, len(got))
	for i, r := range got {
		list[i] = r.alert()
	}
	return list, nil
}

// CreateAlert posts an alert at time at, acknowledged by its author, and
// notifies every other active user.
func (s *Store) CreateAlert(ctx context.Context, by users.User, f AlertForm, at time.Time) (Alert, error) {
	d, errs := f.Parse(Day(at, s.loc))
	if errs != nil {
		return Alert{}, errs
	}
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var until *time.Time
		if !d.UntilOn.IsZero() {
			until = &d.UntilOn
		}
		if err := tx.QueryRow(ctx, `INSERT INTO product_alerts (headline, product, severity, what_happened, guidance,
				until_on, posted_by, posted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			d.Headline, d.Product, d.Severity, d.WhatHappened, d.Guidance, until, by.ID, at).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO alert_acks (alert_id, user_id, acknowledged_at) VALUES ($1, $2, $3)`,
			id, by.ID, at); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id FROM users WHERE active`)
		if err != nil {
			return err
		}
		everyone, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if err := notifications.Send(ctx, tx, everyone, by.ID, "new_alert",
			d.Severity.Label()+" product alert, "+d.Product+": "+d.Headline, "/alerts/"+itoa64(id)); err != nil {
			return err
		}
		if _, err := events.Record(ctx, tx, events.Change{
			Kind: events.AlertPosted, ActorID: &by.ID, Audience: everyone, Teams: []string{"service", "sales"},
			Payload: events.Alert{ID: id, Headline: d.Headline, Product: d.Product, Severity: string(d.Severity),
				Guidance: format.Excerpt(d.Guidance, talkingPointsExcerpt), URL: "/alerts/" + itoa64(id)},
		}); err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "alert", id)
	})
	if err != nil {
		return Alert{}, err
	}
	return s.GetAlert(ctx, id, by.ID)
}

// GetAlert returns the alert with id as viewer sees it.
func (s *Store) GetAlert(ctx context.Context, id, viewer int64) (Alert, error) {
	r, err := db.QueryOne[alertRow](ctx, s.pool, `SELECT `+alertColumns+alertFrom+` WHERE a.id = $2`, viewer, id)
	return r.alert(), err
}

// AlertPageSize is how many alerts a page of the list shows.
const AlertPageSize = 25

// Alerts returns the alerts older than the one with id before (0: newest
// first page) as viewer sees them, and whether more exist.
func (s *Store) Alerts(ctx context.Context, viewer, before int64) ([]Alert, bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+alertColumns+alertFrom+`
		WHERE ($2::bigint = 0 OR a.id < $2) ORDER BY a.id DESC LIMIT $3`, viewer, before, AlertPageSize+1)
	if err != nil {
		return nil, false, err
	}
	list, err := collectAlerts(rows)
	if err != nil {
		return nil, false, err
	}
	more := len(list) > AlertPageSize
	if more {
		list = list[:AlertPageSize]
	}
	return list, more, nil
}

// UnacknowledgedAlerts returns the alerts still in force on today that
// viewer has not acknowledged, most serious and newest first.
func (s *Store) UnacknowledgedAlerts(ctx context.Context, viewer int64, today time.Time) ([]Alert, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+alertColumns+alertFrom+`
		WHERE k.user_id IS NULL AND (a.until_on IS NULL OR a.until_on >= $2)
		ORDER BY array_position(ARRAY['critical', 'warning', 'info'], a.severity), a.id DESC`, viewer, today)
	if err != nil {
		return nil, err
	}
	return collectAlerts(rows)
}

// Pinned is a critical alert on every page until acknowledged.
type Pinned struct {
	ID       int64  `db:"id"`
	Headline string `db:"headline"`
	Product  string `db:"product"`
}

// maxPinned bounds the pinned alerts a page carries.
const maxPinned = 5

// PinnedAlerts returns the critical alerts in force on today that the user
// has not acknowledged, newest first.
func (s *Store) PinnedAlerts(ctx context.Context, userID int64, today time.Time) ([]Pinned, error) {
	rows, err := s.pool.Query(ctx, `SELECT a.id, a.headline, a.product FROM product_alerts a
		WHERE a.severity = 'critical' AND (a.until_on IS NULL OR a.until_on >= $2)
		  AND NOT EXISTS (SELECT 1 FROM alert_acks k WHERE k.alert_id = a.id AND k.user_id = $1)
		ORDER BY a.id DESC LIMIT $3`, userID, today, maxPinned)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Pinned])
}

// AcknowledgeAlert records that the user read the alert. Anyone signed in
// acknowledges alerts; a repeat changes nothing and reports false.
func (s *Store) AcknowledgeAlert(ctx context.Context, userID, id int64, at time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO alert_acks (alert_id, user_id, acknowledged_at)
		SELECT id, $2, $3 FROM product_alerts WHERE id = $1
		ON CONFLICT (alert_id, user_id) DO NOTHING`, id, userID, at)
	if err != nil {
		return false, err
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM product_alerts WHERE id = $1)`, id).Scan(&exists); err != nil {
		return false, err
	}
	if !exists {
		return false, db.ErrNotFound
	}
	return false, nil
}

// AlertReach is how many active people acknowledged an alert, per team.
type AlertReach struct {
	Team    users.Team `db:"team"`
	People  int        `db:"people"`
	Acked   int        `db:"acked"`
	Missing []string   `db:"missing"` // names of who has not, for managers
}

// AlertReachByTeam returns, for every team, how many active people have
// acknowledged the alert and who has not.
func (s *Store) AlertReachByTeam(ctx context.Context, id int64) ([]AlertReach, error) {
	rows, err := s.pool.Query(ctx, `SELECT u.team, count(*) AS people, count(k.user_id) AS acked,
			coalesce(array_agg(u.name ORDER BY lower(u.name), u.id) FILTER (WHERE k.user_id IS NULL), '{}') AS missing
		FROM users u LEFT JOIN alert_acks k ON k.alert_id = $1 AND k.user_id = u.id
		WHERE u.active AND NOT u.service GROUP BY u.team`, id)
	if err != nil {
		return nil, err
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[AlertReach])
	if err != nil {
		return nil, err
	}
	out := make([]AlertReach, len(users.Teams))
	for i, t := range users.Teams {
		out[i].Team = t
		for _, g := range got {
			if g.Team == t {
				out[i] = g
			}
		}
	}
	return out, nil
}
