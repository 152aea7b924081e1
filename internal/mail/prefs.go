// Package mail sends Tandem's email notifications: each user chooses per
// event kind whether to hear of it in Tandem only, by mail at once, in a
// daily summary mail, or not at all. The Channel turns recorded events into
// mail_deliveries rows (a job each, or a line in tomorrow's summary) and
// sends them through the digest's SMTP client.
package mail

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/refusal"
	"tandem/internal/users"
)

// Delivery is how a user hears of one event kind.
type Delivery string

// The deliveries. Every one but Off also notifies in Tandem.
const (
	InApp      Delivery = "in_app"
	EmailNow   Delivery = "email_now"
	EmailDaily Delivery = "email_daily"
	Off        Delivery = "off"
)

// Deliveries lists the choices in the order the page shows them.
var Deliveries = []Delivery{InApp, EmailNow, EmailDaily, Off}

var deliveryLabels = map[Delivery]string{
	InApp:      "In Tandem only",
	EmailNow:   "Email now",
	EmailDaily: "Daily email summary",
	Off:        "Off",
}

// Label is the choice in words.
func (d Delivery) Label() string { return deliveryLabels[d] }

// Valid reports whether d is one of Deliveries.
func (d Delivery) Valid() bool { _, ok := deliveryLabels[d]; return ok }

// Group is whom a set of defaults is for.
type Group string

// The groups the defaults are written for.
const (
	SalesReps     Group = "sales_rep"
	SalesManagers Group = "sales_manager"
	Marketing     Group = "marketing"
	Service       Group = "service"
)

// GroupOf places a user: sales managers are the managers and admins of
// sales, everyone else goes by team.
func GroupOf(team users.Team, role users.Role) Group {
	switch team {
	case users.Sales:
		if role == users.Member {
			return SalesReps
		}
		return SalesManagers
	case users.Marketing:
		return Marketing
	}
	return Service
}

// defaults is the one table of defaults: what a user gets for a kind they
// never chose. A kind missing from a group's row is InApp. The weekly
// digest mails itself, so its event is Off by default for everyone; no
// other default may be Off while the kind has an in-app notice, since
// notifications.Send only reads explicit choices.
var defaults = map[Group]map[events.Kind]Delivery{
	SalesReps: {
		events.LeadHandedOff: EmailNow, events.LeadAssigned: EmailNow,
		events.SLAWarning: EmailNow, events.SLABreached: EmailNow,
		events.CampaignAnnounced: EmailNow, events.CampaignRevised: EmailNow,
		events.AlertPosted:     EmailNow,
		events.DigestPublished: Off,
	},
	SalesManagers: {
		events.LeadHandedOff: EmailDaily, events.LeadAssigned: EmailDaily, events.LeadAccepted: EmailDaily,
		events.LeadRejected: EmailDaily, events.LeadWon: EmailDaily, events.LeadLost: EmailDaily,
		events.SLAWarning: EmailDaily, events.SLABreached: EmailNow,
		events.CampaignAnnounced: EmailNow, events.CampaignRevised: EmailNow,
		events.AlertPosted:     EmailNow,
		events.DigestPublished: Off,
	},
	Marketing: {
		events.LeadAccepted: EmailDaily, events.LeadRejected: EmailDaily,
		events.FeedbackLogged:  EmailDaily,
		events.DigestPublished: Off,
	},
	Service: {
		events.CampaignAnnounced: EmailNow, events.CampaignRevised: EmailNow,
		events.AlertPosted:     EmailNow,
		events.DigestPublished: Off,
	},
}

// Default is the delivery of kind for a user who never chose.
func Default(team users.Team, role users.Role, kind events.Kind) Delivery {
	if d, ok := defaults[GroupOf(team, role)][kind]; ok {
		return d
	}
	return InApp
}

// Pref is one kind's setting for one user.
type Pref struct {
	Kind     events.Kind
	Delivery Delivery // what applies: the choice, else the default
	Default  Delivery
	Chosen   bool // an explicit choice is stored
}

// Store keeps the preferences.
type Store struct{ pool *pgxpool.Pool }

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Prefs returns u's setting for every kind, in events.Kinds order.
func (s *Store) Prefs(ctx context.Context, u users.User) ([]Pref, error) {
	rows, err := s.pool.Query(ctx, `SELECT kind, delivery FROM notification_prefs WHERE user_id = $1`, u.ID)
	if err != nil {
		return nil, err
	}
	chosen := map[events.Kind]Delivery{}
	var k events.Kind
	var d Delivery
	if _, err := pgx.ForEachRow(rows, []any{&k, &d}, func() error { chosen[k] = d; return nil }); err != nil {
		return nil, err
	}
	out := make([]Pref, 0, len(events.Kinds))
	for _, kind := range events.Kinds {
		p := Pref{Kind: kind, Default: Default(u.Team, u.Role, kind)}
		p.Delivery, p.Chosen = chosen[kind]
		if !p.Chosen {
			p.Delivery = p.Default
		}
		out = append(out, p)
	}
	return out, nil
}

// ErrBadChoice refuses a form value that is not one of the choices.
var ErrBadChoice = refusal.Invalidf("A choice on the form is not one Tandem offers. Nothing was saved: pick one option per row and save again.")

// Save stores u's choices in one transaction. A choice equal to the
// default is stored as no row, so the user keeps following the default if
// it changes; kinds missing from choices are left as they are.
func (s *Store) Save(ctx context.Context, u users.User, choices map[events.Kind]Delivery) error {
	for k, d := range choices {
		if !k.Valid() || !d.Valid() {
			return ErrBadChoice
		}
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		for _, k := range events.Kinds {
			d, ok := choices[k]
			if !ok {
				continue
			}
			if err := set(ctx, tx, u.ID, k, d, Default(u.Team, u.Role, k)); err != nil {
				return err
			}
		}
		return nil
	})
}

func set(ctx context.Context, tx pgx.Tx, userID int64, k events.Kind, d, def Delivery) error {
	if d == def {
		_, err := tx.Exec(ctx, `DELETE FROM notification_prefs WHERE user_id = $1 AND kind = $2`, userID, k)
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO notification_prefs (user_id, kind, delivery) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, kind) DO UPDATE SET delivery = EXCLUDED.delivery, updated_at = now()
		WHERE notification_prefs.delivery <> EXCLUDED.delivery`, userID, k, d)
	return err
}

// user reads what the defaults depend on.
func user(ctx context.Context, q db.DBTX, id int64) (users.User, error) {
	return db.QueryOne[users.User](ctx, q, `SELECT id, email, name, team, role, timezone, active, service, created_at, version
		FROM users WHERE id = $1`, id)
}
