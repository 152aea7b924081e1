package sla

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/refusal"
	"tandem/internal/users"
)

// Action is what an escalation step does.
type Action string

const (
	// RemindRep tells the lead's rep (the sales managers when it has none)
	// that the clock is running.
	RemindRep Action = "remind_rep"
	// NotifyManagers tells the rep and the sales managers, and the team
	// channel through the event, that the deadline has passed.
	NotifyManagers Action = "notify_managers"
	// Reroute hands the lead to another rep by the routing rules, never
	// the current one; with nobody left, the sales managers are told.
	Reroute Action = "reroute"
)

// Actions are the actions in the order the form offers them.
var Actions = []Action{RemindRep, NotifyManagers, Reroute}

// Label says the action in words.
func (a Action) Label() string {
	switch a {
	case RemindRep:
		return "Remind the rep"
	case NotifyManagers:
		return "Notify the sales managers and the team channel"
	case Reroute:
		return "Re-route by the routing rules, away from the current rep"
	}
	return string(a)
}

// Valid reports whether a is a known action.
func (a Action) Valid() bool { return a == RemindRep || a == NotifyManagers || a == Reroute }

// Step is one rung of the escalation ladder: at Percent of the SLA, Action.
type Step struct {
	ID      int64  `db:"id"`
	Percent int    `db:"percent"`
	Action  Action `db:"action"`
}

// LoadSteps reads the ladder, earliest step first.
func LoadSteps(ctx context.Context, q db.DBTX) ([]Step, error) {
	return db.QueryAll[Step](ctx, q, `SELECT id, percent, action FROM escalation_steps ORDER BY percent, action`)
}

// Steps returns the ladder, earliest step first.
func (s *Store) Steps(ctx context.Context) ([]Step, error) { return LoadSteps(ctx, s.pool) }

// Messages of a refused step.
const (
	MsgPercent    = "Enter a whole percentage of the SLA from 1 to 1000, like 50, 100 or 150."
	MsgAction     = "Choose what the step does."
	MsgStepTwin   = "The ladder already has this step."
	MaxStepPct    = 1000
	maxLadderSize = 10
	MsgLadderFull = "The ladder has 10 steps, the most it may have: remove one first."
)

// AddStep adds a rung at percent (of the SLA) doing action. Leads already
// in flight get it too: the ladder's catch-up fires it when due.
func (s *Store) AddStep(ctx context.Context, by users.Actor, percent, action string) (Step, error) {
	errs := refusal.Fields{}
	p, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(percent), "%")))
	if err != nil || p < 1 || p > MaxStepPct {
		errs["percent"] = MsgPercent
	}
	a := Action(action)
	if !a.Valid() {
		errs["action"] = MsgAction
	}
	if len(errs) > 0 {
		return Step{}, errs
	}
	st := Step{Percent: p, Action: a}
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE escalation_steps IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM escalation_steps`).Scan(&n); err != nil {
			return err
		}
		if n >= maxLadderSize {
			return refusal.Fields{"percent": MsgLadderFull}
		}
		err := tx.QueryRow(ctx, `INSERT INTO escalation_steps (percent, action) VALUES ($1, $2)
			ON CONFLICT DO NOTHING RETURNING id`, p, a).Scan(&st.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			return refusal.Fields{"percent": MsgStepTwin}
		}
		if err != nil {
			return err
		}
		return users.Record(ctx, tx, by, "sla.step_added", fmt.Sprintf("%d %%: %s", p, a.Label()))
	})
	return st, err
}

// DeleteStep removes a rung; jobs already scheduled for it do nothing.
func (s *Store) DeleteStep(ctx context.Context, by users.Actor, id int64) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var st Step
		err := tx.QueryRow(ctx, `DELETE FROM escalation_steps WHERE id = $1 RETURNING percent, action`, id).Scan(&st.Percent, &st.Action)
		if errors.Is(err, pgx.ErrNoRows) {
			return refusal.Missing("There is no such step: it may have been removed already.")
		}
		if err != nil {
			return err
		}
		return users.Record(ctx, tx, by, "sla.step_removed", fmt.Sprintf("%d %%: %s", st.Percent, st.Action.Label()))
	})
}
