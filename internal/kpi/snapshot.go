package kpi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"tandem/internal/cache"
	"tandem/internal/queue"
)

// SnapshotTTL is how old a stored dashboard may be before it is
// recomputed. Readers never wait for a recomputation once a snapshot
// exists: they see numbers at most this old (plus the computation time).
const SnapshotTTL = time.Minute

// snapshotFormat changes whenever what a snapshot means changes (a
// definition, a judgement), so snapshots written by an older version are
// recomputed instead of shown.
const snapshotFormat = 2

// Snapshot is a stored dashboard, the trouble signs of the same moment, and
// when they were computed.
type Snapshot struct {
	Dashboard
	Signs      []Sign
	ComputedAt time.Time
	Format     int
}

// CachedDashboard returns the dashboard of the period of kind containing
// at from the shared snapshot table. A missing snapshot is computed now, by
// one request while the others wait for it (no stampede); a stale one is
// returned as it is, and a refresh job is queued (one per period at a
// time, whichever instance asks) that the job system works.
func (e *Engine) CachedDashboard(ctx context.Context, kind Kind, at time.Time, log *slog.Logger) (Snapshot, error) {
	p := PeriodOf(kind, at, e.loc)
	s, found, err := e.storedInMemory(ctx, p)
	if err != nil {
		return Snapshot{}, err
	}
	if !found {
		return e.computeOnce(ctx, p, log)
	}
	if e.now().Sub(s.ComputedAt) > SnapshotTTL {
		if err := e.queueRefresh(ctx, p); err != nil && log != nil {
			log.Warn("queue kpi snapshot refresh", "period", p.Label(), "err", err)
		}
	}
	return s, nil
}

// Warm makes sure the running periods' snapshots exist before the first
// request is served: it computes the missing ones (under each period's
// lock, so instances starting together compute each once) and leaves
// stale ones to the refresh job, as a request would.
func (e *Engine) Warm(ctx context.Context, log *slog.Logger) error {
	for _, k := range Kinds {
		if _, err := e.CachedDashboard(ctx, k, e.now(), log); err != nil {
			return fmt.Errorf("kpi snapshot of the running %s: %w", k, err)
		}
	}
	return nil
}

// RefreshArgs is the job that recomputes the snapshot of the period of
// kind Period containing At.
type RefreshArgs struct {
	Period Kind      `json:"period"`
	At     time.Time `json:"at"`
}

// Kind is the job's name in River's table.
func (RefreshArgs) Kind() string { return "kpi_refresh" }

func (e *Engine) queueRefresh(ctx context.Context, p Period) error {
	return pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		_, err := queue.Insert(ctx, tx, RefreshArgs{Period: p.Kind, At: p.Start}, &river.InsertOpts{
			MaxAttempts: 3,
			UniqueOpts:  river.UniqueOpts{ByArgs: true, ByPeriod: SnapshotTTL},
		})
		return err
	})
}

// Refresh recomputes the snapshot a RefreshArgs job names, unless another
// instance is doing it or did it within SnapshotTTL.
func (e *Engine) Refresh(ctx context.Context, args RefreshArgs, log *slog.Logger) error {
	return e.refreshLocked(ctx, PeriodOf(args.Period, args.At, e.loc), log)
}

// CacheSnapshots keeps the decoded snapshots in memory for up to ttl,
// dropped when the bus reports that any instance wrote or dropped one.
// Callers must treat a returned Snapshot as read-only: requests share it.
func (e *Engine) CacheSnapshots(bus *cache.Bus, ttl time.Duration) {
	e.snapshots = cache.NewMap[string, storedSnapshot](bus, "snapshot", ttl, 256, cache.NoRows[string]).RefreshAhead()
	// A new target drops the snapshots in its transaction, so the targets
	// in force are on the same topic.
	e.targets = cache.NewMap[string, *float64](bus, "snapshot", ttl, 256, cache.NoRows[string])
}

// storedSnapshot is what stored found, kept in memory.
type storedSnapshot struct {
	snap  Snapshot
	found bool
}

// storedInMemory is stored through the in-process cache, when there is one.
func (e *Engine) storedInMemory(ctx context.Context, p Period) (Snapshot, bool, error) {
	if e.snapshots == nil {
		return e.stored(ctx, p)
	}
	got, err := e.snapshots.Get(ctx, string(p.Kind)+"/"+p.Label(), func(ctx context.Context) (storedSnapshot, error) {
		s, found, err := e.stored(ctx, p)
		return storedSnapshot{s, found}, err
	})
	return got.snap, got.found, err
}

// SnapshotCacheStats is how often a snapshot came from memory, and how
// often it was read from the table.
func (e *Engine) SnapshotCacheStats() (hits, misses uint64) {
	if e.snapshots == nil {
		return 0, 0
	}
	return e.snapshots.Stats()
}

// stored reads the period's snapshot, if any.
func (e *Engine) stored(ctx context.Context, p Period) (Snapshot, bool, error) {
	var body []byte
	var s Snapshot
	err := e.pool.QueryRow(ctx, `SELECT body, computed_at FROM kpi_snapshots WHERE period_kind = $1 AND period = $2`,
		string(p.Kind), p.Label()).Scan(&body, &s.ComputedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Snapshot{}, false, nil
	}
	if err != nil {
		return Snapshot{}, false, err
	}
	if err := json.Unmarshal(body, &s); err != nil || len(s.KPIs) == 0 || s.Format != snapshotFormat {
		return Snapshot{}, false, nil // written by another version: recompute
	}
	return s, true, nil
}

func lockKey(p Period) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("kpi-snapshot:" + string(p.Kind) + ":" + p.Label()))
	return int64(h.Sum64())
}

// computeOnce computes a missing snapshot under the period's advisory
// lock: whoever waited for the lock finds the snapshot made and reads it.
func (e *Engine) computeOnce(ctx context.Context, p Period, log *slog.Logger) (Snapshot, error) {
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockKey(p)); err != nil {
		return Snapshot{}, err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, lockKey(p))
	if s, found, err := e.stored(ctx, p); err != nil || found {
		return s, err
	}
	return e.refresh(ctx, p, log)
}

// refreshLocked recomputes the snapshot unless another instance is already
// doing it.
func (e *Engine) refreshLocked(ctx context.Context, p Period, log *slog.Logger) error {
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	key := lockKey(p)
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil || !got {
		return err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, key)
	// Someone may have refreshed it while we were getting the lock.
	var fresh bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM kpi_snapshots WHERE period_kind = $1 AND period = $2
		AND computed_at > $3)`, string(p.Kind), p.Label(), e.now().Add(-SnapshotTTL)).Scan(&fresh); err != nil || fresh {
		return err
	}
	_, err = e.refresh(ctx, p, log)
	return err
}

// refresh computes the dashboard and stores it. A KPI that could not be
// computed is logged here, once per computation, as a warning: the page
// still works and says so on that KPI's tile.
func (e *Engine) refresh(ctx context.Context, p Period, log *slog.Logger) (Snapshot, error) {
	started, wallStart := e.now(), time.Now()
	d, err := e.Dashboard(ctx, p.Kind, p.Start)
	if err != nil {
		return Snapshot{}, err
	}
	for key, err := range d.failures {
		if log != nil {
			log.Warn("kpi could not be computed", "kpi", string(key), "period", p.Label(), "err", err)
		}
	}
	signs, err := e.Trouble(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	if e.keep {
		if err := e.PruneChanges(ctx); err != nil {
			return Snapshot{}, err
		}
	}
	snap := Snapshot{Dashboard: d, Signs: signs, ComputedAt: started, Format: snapshotFormat}
	body, err := json.Marshal(snap)
	if err != nil {
		return Snapshot{}, err
	}
	_, err = e.pool.Exec(ctx, `INSERT INTO kpi_snapshots (period_kind, period, computed_at, body) VALUES ($1, $2, $3, $4)
		ON CONFLICT (period_kind, period) DO UPDATE SET computed_at = EXCLUDED.computed_at, body = EXCLUDED.body`,
		string(p.Kind), p.Label(), started, body)
	e.dropInMemory()
	if err == nil {
		e.refreshes.record(time.Since(wallStart))
	}
	return snap, err
}

// refreshStats counts this instance's snapshot computations, for /metrics.
type refreshStats struct {
	mu      sync.Mutex
	count   uint64
	seconds float64
	last    time.Duration
}

func (r *refreshStats) record(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.count++
	r.seconds += d.Seconds()
	r.last = d
}

// RefreshStats is how many snapshots this instance computed, their total
// duration in seconds, and the duration of the last one.
func (e *Engine) RefreshStats() (count uint64, seconds float64, last time.Duration) {
	e.refreshes.mu.Lock()
	defer e.refreshes.mu.Unlock()
	return e.refreshes.count, e.refreshes.seconds, e.refreshes.last
}

// SnapshotAge is how old the stored snapshot of the running period of kind
// is, read from memory when cached; false when there is none yet.
func (e *Engine) SnapshotAge(ctx context.Context, kind Kind) (time.Duration, bool, error) {
	s, found, err := e.storedInMemory(ctx, PeriodOf(kind, e.now(), e.loc))
	if err != nil || !found {
		return 0, false, err
	}
	return e.now().Sub(s.ComputedAt), true, nil
}

// Invalidate drops every snapshot, after a change that moves numbers
// everywhere (a target, a setting).
func (e *Engine) Invalidate(ctx context.Context) error {
	_, err := e.pool.Exec(ctx, `DELETE FROM kpi_snapshots`)
	e.dropInMemory()
	return err
}

// dropInMemory forgets this instance's copies at once after its own write;
// the other instances hear of it from the trigger.
func (e *Engine) dropInMemory() {
	if e.snapshots != nil {
		e.snapshots.Flush()
		e.targets.Flush()
	}
}
