package leads

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/routing"
	"tandem/internal/sla"
	"tandem/internal/users"
)

// ConflictError is a stale edit: the lead changed after the form was loaded.
type ConflictError struct {
	Current     Lead
	SeenVersion int
}

func (e *ConflictError) Error() string { return "lead changed since it was loaded" }

// Unwrap makes errors.Is(err, db.ErrConflict) true.
func (e *ConflictError) Unwrap() error { return db.ErrConflict }

// Apply makes a stage move, checked against the rules and the version the
// caller saw, and writes the timeline event in the same transaction. Two
// concurrent moves on one lead serialize on the row lock: the second sees
// a newer version and gets a *ConflictError.
func (s *Store) Apply(ctx context.Context, by users.User, id int64, version int, m Move) (Lead, error) {
	m.Note = strings.TrimSpace(m.Note)
	m.Lost = strings.TrimSpace(m.Lost)
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		l, err := lockVersion(ctx, tx, id, version)
		if err != nil {
			return err
		}
		if err := l.MayMove(m.To, by); err != nil {
			return err
		}
		// Every missing or wrong field of the form is reported at once:
		// the move's own needs and the chosen rep.
		errs := m.Validate()
		if errs == nil {
			errs = FieldErrors{}
		}
		if m.To == HandedOff && m.Route {
			m.OwnerID = 0
		}
		if m.To == HandedOff && m.OwnerID != 0 && errs["owner"] == "" {
			if _, ok, err := repName(ctx, tx, m.OwnerID); err != nil {
				return err
			} else if !ok {
				errs["owner"] = NotARep
			}
		}
		if len(errs) > 0 {
			return errs
		}
		if m.To == HandedOff && m.Route {
			d, err := routing.Route(ctx, tx, routing.Lead{Country: l.Country, CampaignID: l.SourceCampaignID, Score: l.Score, Fit: l.Fit})
			if err != nil {
				return err
			}
			m.OwnerID, m.routed = d.RepID, &d
		}
		var handoff time.Time
		var policy sla.Policy
		if m.To == HandedOff {
			// now() is the transaction's start: the handed_off_at the
			// update below writes.
			if err := tx.QueryRow(ctx, `SELECT now()`).Scan(&handoff); err != nil {
				return err
			}
			if policy, err = sla.Load(ctx, tx); err != nil {
				return err
			}
			m.due = policy.Due(handoff)
		}
		set, args, note := moveSQL(l, m, by)
		args = append([]any{id, m.To}, args...)
		if _, err := tx.Exec(ctx, `UPDATE leads SET stage = $2, `+set+`, updated_at = now(), version = version + 1
			WHERE id = $1`, args...); err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `INSERT INTO lead_events (lead_id, actor_id, kind, from_stage, to_stage, note, version)
			VALUES ($1, $2, 'stage', $3, $4, $5, $6)`, id, by.ID, l.Stage, m.To, note, l.Version+1); err != nil {
			return err
		}
		if m.routed != nil {
			var rule *int64
			if m.routed.RuleID != 0 {
				rule = &m.routed.RuleID
			}
			if _, err = tx.Exec(ctx, `INSERT INTO lead_events (lead_id, actor_id, kind, note, version, rule_id)
				VALUES ($1, $2, 'route', $3, $4, $5)`, id, by.ID, m.routed.Why, l.Version+1, rule); err != nil {
				return err
			}
		}
		switch {
		case m.To == HandedOff:
			if err := scheduleLadder(ctx, tx, id, handoff, m.due, policy); err != nil {
				return err
			}
		case m.To != Accepted && l.FirstTouchAt == nil && (l.Stage == HandedOff || l.Stage == Accepted):
			// Out of the follow-up stages untouched: no clock to run.
			if err := cancelLadder(ctx, tx, id); err != nil {
				return err
			}
		}
		return notifyMove(ctx, tx, l, m, by)
	})
	if err != nil {
		return Lead{}, err
	}
	return s.Get(ctx, id)
}

// moveSQL returns the SET clause (parameters from $3), its arguments and
// the timeline note for a checked move.
func moveSQL(l Lead, m Move, by users.User) (string, []any, string) {
	switch m.To {
	case MQL:
		return `mql_at = now()`, nil, m.Note
	case HandedOff:
		var owner *int64
		if m.OwnerID != 0 {
			owner = &m.OwnerID
		}
		// A re-handoff after recycling starts a fresh clock and verdict.
		return `handed_off_at = now(), sla_due_at = $6, handoff_note = $3, handed_off_by = $4, owner_id = $5, first_touch_at = NULL,
			accepted_at = NULL, rejected_at = NULL, quality_rating = NULL, rejection_reason = NULL, rejection_note = ''`,
			[]any{m.Note, by.ID, owner, m.due}, m.Note
	case Accepted:
		return `accepted_at = now(), quality_rating = $3, owner_id = coalesce(owner_id, $4)`,
			[]any{m.Rating, by.ID}, joinNote(fmt.Sprintf("quality %d/5", m.Rating), m.Note)
	case Rejected:
		return `rejected_at = now(), quality_rating = $3, rejection_reason = $4, rejection_note = $5`,
			[]any{m.Rating, m.Reason, m.Note}, joinNote(fmt.Sprintf("%s, quality %d/5", m.Reason.Label(), m.Rating), m.Note)
	case Recycled:
		return `recycled_at = now()`, nil, m.Note
	case Opportunity:
		return `opportunity_at = now()`, nil, m.Note
	case Won:
		return `won_at = now(), deal_value = $3`, []any{m.Value}, joinNote(fmt.Sprintf("value %.2f", m.Value), m.Note)
	case Lost:
		return `lost_at = now(), lost_reason = $3`, []any{m.Lost}, m.Lost
	}
	panic("leads: unchecked move to " + string(m.To))
}

func joinNote(a, b string) string {
	if b == "" {
		return a
	}
	return a + " — " + b
}

// NotARep refuses an owner who is not an active sales rep.
const NotARep = "Choose an active sales rep."

// NoRepChosen refuses an assignment that names no rep.
const NoRepChosen = "Choose a rep."

// repName returns the name of the active sales user id; ok is false when
// id is no such user.
func repName(ctx context.Context, q db.DBTX, id int64) (name string, ok bool, err error) {
	err = q.QueryRow(ctx, `SELECT name FROM users WHERE id = $1 AND team = 'sales' AND active AND NOT service`, id).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return name, err == nil, err
}
