package leads

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/notifications"
	"tandem/internal/queue"
	"tandem/internal/routing"
	"tandem/internal/sla"
)

// EscalationArgs is the job of one step of the escalation ladder for one
// handoff of one lead, scheduled at handoff for the step's moment.
type EscalationArgs struct {
	LeadID      int64      `json:"lead_id"`
	HandedOffAt time.Time  `json:"handed_off_at"`
	Percent     int        `json:"percent"`
	Action      sla.Action `json:"action"`
}

// Kind is the job's name in River's table.
func (EscalationArgs) Kind() string { return "escalation" }

// escalationAttempts bounds a step's retries: a step that cannot run for
// this long is better left to the lead list's "breached" filter.
const escalationAttempts = 10

// scheduleLadder queues one job per step of the ladder for the handoff of
// lead id at handoff, whose deadline is due.
func scheduleLadder(ctx context.Context, tx pgx.Tx, id int64, handoff, due time.Time, p sla.Policy) error {
	steps, err := sla.LoadSteps(ctx, tx)
	if err != nil {
		return err
	}
	jobs := make([]river.InsertManyParams, 0, len(steps))
	for _, s := range steps {
		jobs = append(jobs, river.InsertManyParams{
			Args: EscalationArgs{LeadID: id, HandedOffAt: handoff, Percent: s.Percent, Action: s.Action},
			InsertOpts: &river.InsertOpts{ScheduledAt: p.StepAt(handoff, due, s.Percent), MaxAttempts: escalationAttempts,
				UniqueOpts: river.UniqueOpts{ByArgs: true}},
		})
	}
	return queue.InsertMany(ctx, tx, jobs)
}

// cancelLadder cancels the steps still waiting for lead id: the first
// touch (or a move out of the follow-up stages) ends the clock. A step
// already running when this commits finds the lead touched under its lock
// and does nothing.
func cancelLadder(ctx context.Context, tx pgx.Tx, id int64) error {
	return queue.CancelWaiting(ctx, tx, EscalationArgs{}.Kind(), map[string]any{"lead_id": id})
}

// Ladder fires the escalation steps: from their jobs, and from a periodic
// catch-up for steps no job covers (a step added after the handoff, a
// handoff written by a bulk load). lead_escalations makes each (lead,
// handoff, step) fire once however many instances and jobs try.
type Ladder struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

// NewLadder returns a ladder on pool that logs to log.
func NewLadder(pool *pgxpool.Pool, log *slog.Logger) *Ladder {
	return &Ladder{pool: pool, log: log}
}

// catchUpWindow is how late a step may still fire. An instance that was
// down catches up on what it missed within this window; older steps are
// old news (the lead list and the queue show breaches) and are not
// announced, so the first start on an old database is not a burst of
// alerts about leads breached weeks ago.
const catchUpWindow = 24 * time.Hour

// Fire runs one step for one handoff as of now and reports whether it
// acted. It does nothing when the lead was touched, moved on or handed off
// again, when the step is no longer on the ladder, when it already fired,
// when a later step already fired (a reminder after the breach notice
// would say the clock went backwards), or when its moment is further back
// than the catch-up window.
func (l *Ladder) Fire(ctx context.Context, a EscalationArgs, now time.Time) (bool, error) {
	fired := false
	err := db.InTx(ctx, l.pool, func(tx pgx.Tx) error {
		// The lead's lock orders the step against a first touch racing
		// it: whichever commits first, the other sees it.
		lead, err := lockLead(ctx, tx, a.LeadID)
		if errors.Is(err, db.ErrNotFound) || errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if lead.FirstTouchAt != nil || lead.HandedOffAt == nil || lead.SLADueAt == nil ||
			!lead.HandedOffAt.Equal(a.HandedOffAt) || (lead.Stage != HandedOff && lead.Stage != Accepted) {
			return nil
		}
		p, err := sla.Load(ctx, tx)
		if err != nil {
			return err
		}
		at := p.StepAt(*lead.HandedOffAt, *lead.SLADueAt, a.Percent)
		if !due(a.Percent, at, now) {
			return nil
		}
		var configured, later bool
		if err := tx.QueryRow(ctx, `SELECT
				EXISTS (SELECT 1 FROM escalation_steps WHERE percent = $1 AND action = $2),
				EXISTS (SELECT 1 FROM lead_escalations WHERE lead_id = $3 AND handed_off_at = $4 AND percent > $1)`,
			a.Percent, a.Action, a.LeadID, a.HandedOffAt).Scan(&configured, &later); err != nil {
			return err
		}
		if !configured || later {
			return nil
		}
		tag, err := tx.Exec(ctx, `INSERT INTO lead_escalations (lead_id, handed_off_at, percent, action, owner_id, fired_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, a.LeadID, a.HandedOffAt, a.Percent, a.Action, lead.OwnerID, now)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		outcome, err := l.act(ctx, tx, lead, a, p)
		if err != nil {
			return err
		}
		fired = true
		_, err = tx.Exec(ctx, `UPDATE lead_escalations SET outcome = $5
			WHERE lead_id = $1 AND handed_off_at = $2 AND percent = $3 AND action = $4`,
			a.LeadID, a.HandedOffAt, a.Percent, a.Action, outcome)
		return err
	})
	return fired, err
}

// due reports whether a step at percent, whose moment is at, may fire now:
// from its moment (a step at or past 100 % only once the moment has passed:
// at the deadline itself the SLA still holds, as in Lead.SLAState) until
// the catch-up window has gone by.
func due(percent int, at, now time.Time) bool {
	if now.Before(at) || percent >= 100 && now.Equal(at) {
		return false
	}
	return now.Sub(at) <= catchUpWindow
}

// act does what the step says and returns it in words for the history.
func (l *Ladder) act(ctx context.Context, tx pgx.Tx, lead Lead, a EscalationArgs, p sla.Policy) (string, error) {
	managers, err := salesManagers(ctx, tx)
	if err != nil {
		return "", err
	}
	var owner []int64
	if lead.OwnerID != nil {
		owner = []int64{*lead.OwnerID}
	}
	link := Link(lead.ID)
	switch a.Action {
	case sla.RemindRep:
		to, who := owner, lead.OwnerName
		if lead.OwnerID == nil {
			// Left for assignment: the sales managers hold it.
			to, who = managers, "the sales managers"
		}
		title := fmt.Sprintf("%s: %d %% of the %s follow-up SLA has gone, no first touch yet", lead.Company, a.Percent, p.Length())
		if err := notifications.Send(ctx, tx, to, 0, KindSLAWarning, title, link); err != nil {
			return "", err
		}
		return "reminded " + who, tell(ctx, tx, events.SLAWarning, lead.ID, nil, to)
	case sla.NotifyManagers:
		to := append(owner, managers...)
		title := fmt.Sprintf("%s: follow-up SLA breached, no first touch within %s", lead.Company, p.Describe())
		if a.Percent != 100 {
			title = fmt.Sprintf("%s: %d %% of the %s follow-up SLA has gone, no first touch yet", lead.Company, a.Percent, p.Length())
		}
		if err := notifications.Send(ctx, tx, to, 0, KindSLABreached, title, link); err != nil {
			return "", err
		}
		return fmt.Sprintf("told %d sales manager(s) and the team channel", len(managers)),
			tell(ctx, tx, events.SLABreached, lead.ID, nil, to)
	case sla.Reroute:
		return l.reroute(ctx, tx, lead, a, managers)
	}
	return "", fmt.Errorf("escalation action %q", a.Action)
}

// reroute hands the lead to the rep the routing rules choose, never the
// current one. The clock keeps running from the first handoff: the
// customer has waited that long already.
func (l *Ladder) reroute(ctx context.Context, tx pgx.Tx, lead Lead, a EscalationArgs, managers []int64) (string, error) {
	var exclude []int64
	if lead.OwnerID != nil {
		exclude = append(exclude, *lead.OwnerID)
	}
	d, err := routing.Route(ctx, tx, routing.Lead{Country: lead.Country, CampaignID: lead.SourceCampaignID, Score: lead.Score, Fit: lead.Fit}, exclude...)
	if err != nil {
		return "", err
	}
	link := Link(lead.ID)
	from := "nobody"
	if lead.OwnerName != "" {
		from = lead.OwnerName
	}
	if d.RepID == 0 {
		title := fmt.Sprintf("%s: no first touch at %d %% of the follow-up SLA, and no other rep to re-route to: %s", lead.Company, a.Percent, d.Why)
		if err := notifications.Send(ctx, tx, managers, 0, KindSLABreached, title, link); err != nil {
			return "", err
		}
		return "no other rep to re-route to; told the sales managers", nil
	}
	var rule *int64
	if d.RuleID != 0 {
		rule = &d.RuleID
	}
	note := fmt.Sprintf("Escalation at %d %% of the SLA, no first touch: re-routed from %s to %s. %s", a.Percent, from, d.RepName, d.Why)
	if _, err := tx.Exec(ctx, `UPDATE leads SET owner_id = $2, updated_at = now(), version = version + 1 WHERE id = $1`, lead.ID, d.RepID); err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO lead_events (lead_id, kind, note, version, rule_id)
		VALUES ($1, 'route', $2, $3, $4)`, lead.ID, note, lead.Version+1, rule); err != nil {
		return "", err
	}
	to := []int64{d.RepID}
	title := fmt.Sprintf("%s was re-routed to you: no first touch from %s at %d %% of the follow-up SLA", lead.Company, from, a.Percent)
	if err := notifications.Send(ctx, tx, to, 0, KindAssigned, title, link); err != nil {
		return "", err
	}
	if err := notifications.Send(ctx, tx, append(exclude, managers...), 0, KindSLABreached,
		fmt.Sprintf("%s: re-routed from %s to %s, no first touch at %d %% of the follow-up SLA", lead.Company, from, d.RepName, a.Percent), link); err != nil {
		return "", err
	}
	return "re-routed from " + from + " to " + d.RepName, tell(ctx, tx, events.LeadAssigned, lead.ID, nil, to)
}

// catchUpBatch bounds the leads one catch-up looks at.
const catchUpBatch = 2000

type inFlight struct {
	ID          int64     `db:"id"`
	HandedOffAt time.Time `db:"handed_off_at"`
	SLADueAt    time.Time `db:"sla_due_at"`
	Fired       []string  `db:"fired"`
}

// CatchUp fires, as of now, the steps of untouched handed-off or accepted
// leads that came due within the catch-up window and have not fired, the
// latest step of a lead first, and returns how many fired. Steps whose
// jobs ran on time are already recorded and cost nothing here.
func (l *Ladder) CatchUp(ctx context.Context, now time.Time) (int, error) {
	p, err := sla.Load(ctx, l.pool)
	if err != nil {
		return 0, err
	}
	steps, err := sla.LoadSteps(ctx, l.pool)
	if err != nil || len(steps) == 0 {
		return 0, err
	}
	top := steps[len(steps)-1].Percent
	// The furthest a step can be from its handoff: in business hours, a
	// working hour can take a whole week of wall-clock time at worst
	// (one working hour a week), plus holidays.
	reach := time.Duration(p.Hours) * time.Hour * time.Duration(top) / 100
	if p.Calendar.Mode == sla.Business {
		perDay := time.Duration(p.Calendar.Closes-p.Calendar.Opens) * time.Minute
		reach = reach*7*24*time.Hour/(time.Duration(len(p.Calendar.Days))*perDay) + 14*24*time.Hour
	}
	leads, err := db.QueryAll[inFlight](ctx, l.pool, `SELECT l.id, l.handed_off_at, l.sla_due_at,
			coalesce(array_agg(e.percent || ' ' || e.action) FILTER (WHERE e.lead_id IS NOT NULL), '{}') AS fired
		FROM leads l LEFT JOIN lead_escalations e ON e.lead_id = l.id AND e.handed_off_at = l.handed_off_at
		WHERE l.first_touch_at IS NULL AND l.stage IN ('handed_off', 'accepted') AND l.sla_due_at IS NOT NULL
		  AND l.handed_off_at <= $1 AND l.handed_off_at > $2
		GROUP BY l.id ORDER BY l.handed_off_at DESC LIMIT $3`, now, now.Add(-reach-catchUpWindow), catchUpBatch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, lead := range leads {
		for _, s := range slices.Backward(steps) {
			at := p.StepAt(lead.HandedOffAt, lead.SLADueAt, s.Percent)
			if !due(s.Percent, at, now) || slices.Contains(lead.Fired, fmt.Sprintf("%d %s", s.Percent, s.Action)) {
				continue
			}
			fired, err := l.Fire(ctx, EscalationArgs{LeadID: lead.ID, HandedOffAt: lead.HandedOffAt, Percent: s.Percent, Action: s.Action}, now)
			if err != nil {
				return n, err
			}
			if fired {
				n++
			}
		}
	}
	return n, nil
}

// Escalation is one step that fired, for the history.
type Escalation struct {
	LeadID  int64      `db:"lead_id"`
	Company string     `db:"company"`
	Percent int        `db:"percent"`
	Action  sla.Action `db:"action"`
	Outcome string     `db:"outcome"`
	FiredAt time.Time  `db:"fired_at"`
}

// RecentEscalations returns the latest n steps that fired, newest first.
func (s *Store) RecentEscalations(ctx context.Context, n int) ([]Escalation, error) {
	return db.QueryAll[Escalation](ctx, s.pool, `SELECT e.lead_id, l.company, e.percent, e.action, e.outcome, e.fired_at
		FROM lead_escalations e JOIN leads l ON l.id = e.lead_id
		ORDER BY e.fired_at DESC, e.lead_id DESC LIMIT $1`, n)
}
