package leads

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/notifications"
	"tandem/internal/settings"
)

// SLAWatch notifies when a handed-off lead's follow-up clock crosses 75 %
// (the rep, so they can still make it) and when it runs out (the rep and
// the sales managers). Nobody acts at those moments, so a periodic scan
// finds them; the lead_sla_alerts table makes each (lead, handoff, kind)
// notify once however many instances scan and however often they restart.
type SLAWatch struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

// NewSLAWatch returns a watch on pool that logs to log.
func NewSLAWatch(pool *pgxpool.Pool, log *slog.Logger) *SLAWatch {
	return &SLAWatch{pool: pool, log: log}
}

// slaCatchUp is how far back a scan looks for crossings. An instance that
// was down catches up on what it missed within this window; crossings
// older than that are old news (the lead list and the queue show them) and
// are not announced, so the first start on an old database is not a burst
// of alerts about leads breached weeks ago.
const slaCatchUp = 24 * time.Hour

// slaBatch bounds the leads one scan transaction alerts on.
const slaBatch = 500

// ScanSLA records and notifies, as of now, every untouched handed-off or
// accepted lead whose clock crossed 75 % (and has not run out) or ran out
// within the catch-up window, and returns how many alerts it recorded. A
// lead that crossed both since the last scan gets only the breach.
func (w *SLAWatch) ScanSLA(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for {
		n, err := w.scanBatch(ctx, now)
		total += n
		if err != nil || n < slaBatch {
			return total, err
		}
	}
}

type slaAlert struct {
	LeadID      int64     `db:"lead_id"`
	HandedOffAt time.Time `db:"handed_off_at"`
	Kind        string    `db:"kind"`
	Company     string    `db:"company"`
	OwnerID     *int64    `db:"owner_id"`
}

func (w *SLAWatch) scanBatch(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := db.InTx(ctx, w.pool, func(tx pgx.Tx) error {
		st, err := settings.Load(ctx, tx)
		if err != nil {
			return err
		}
		sla := time.Duration(st.SLAHours) * time.Hour
		warnAfter := sla * slaWarningPercent / 100
		// In handoff instants: a warning is due for handoffs in
		// [now-sla, now-warnAfter], a breach for those before now-sla;
		// both only when the crossing is within the catch-up window.
		// A warning never follows a breach already announced for the
		// same handoff: after the SLA is raised (24 → 48 hours) a lead
		// whose breach went out may fall inside the new warning window,
		// and "75 % has gone" after "breached" would tell people the
		// clock went backwards.
		// Locked leads (being touched or moved right now) are skipped
		// and looked at again on the next scan; the lock also means a
		// lead touched a moment ago is seen touched.
		rows, err := tx.Query(ctx, `
			WITH due AS (
				SELECT l.id, l.handed_off_at, k.kind, l.company, l.owner_id
				FROM leads l CROSS JOIN (VALUES ('warning'), ('breach')) AS k (kind)
				WHERE l.first_touch_at IS NULL AND l.stage IN ('handed_off', 'accepted')
				  AND l.handed_off_at > $4 AND l.handed_off_at <= $1
				  AND CASE k.kind
				      WHEN 'warning' THEN l.handed_off_at >= $2 AND l.handed_off_at > $3
				          AND NOT EXISTS (SELECT 1 FROM lead_sla_alerts b
				              WHERE b.lead_id = l.id AND b.handed_off_at = l.handed_off_at AND b.kind = 'breach')
				      ELSE l.handed_off_at < $2 END
				  AND NOT EXISTS (SELECT 1 FROM lead_sla_alerts a
				      WHERE a.lead_id = l.id AND a.handed_off_at = l.handed_off_at AND a.kind = k.kind)
				ORDER BY l.handed_off_at, l.id
				LIMIT $5
				FOR UPDATE OF l SKIP LOCKED
			), recorded AS (
				INSERT INTO lead_sla_alerts (lead_id, handed_off_at, kind)
				SELECT id, handed_off_at, kind FROM due
				ON CONFLICT DO NOTHING
				RETURNING lead_id, handed_off_at, kind
			)
			SELECT r.lead_id, r.handed_off_at, r.kind, d.company, d.owner_id
			FROM recorded r JOIN due d ON d.id = r.lead_id AND d.kind = r.kind
			ORDER BY r.lead_id, r.kind`,
			now.Add(-warnAfter), now.Add(-sla), now.Add(-warnAfter-slaCatchUp), now.Add(-sla-slaCatchUp), slaBatch)
		if err != nil {
			return err
		}
		alerts, err := pgx.CollectRows(rows, pgx.RowToStructByName[slaAlert])
		if err != nil {
			return err
		}
		n = len(alerts)
		if n == 0 {
			return nil
		}
		managers, err := salesManagers(ctx, tx)
		if err != nil {
			return err
		}
		for _, a := range alerts {
			var to []int64
			if a.OwnerID != nil {
				to = append(to, *a.OwnerID)
			}
			kind := KindSLAWarning
			title := fmt.Sprintf("%s: %d %% of the %d-hour follow-up SLA has gone, no first touch yet",
				a.Company, slaWarningPercent, st.SLAHours)
			if a.Kind == "breach" {
				kind = KindSLABreached
				title = fmt.Sprintf("%s: follow-up SLA breached, no first touch within %d hours", a.Company, st.SLAHours)
				to = append(to, managers...)
			} else if a.OwnerID == nil {
				// Left for assignment: the sales managers hold it.
				to = managers
			}
			if err := notifications.Send(ctx, tx, to, 0, kind, title, Link(a.LeadID)); err != nil {
				return err
			}
			ev := events.SLAWarning
			if a.Kind == "breach" {
				ev = events.SLABreached
			}
			if err := tell(ctx, tx, ev, a.LeadID, nil, to); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}
