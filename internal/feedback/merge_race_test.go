package feedback

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tandem/internal/db"
)

// TestConcurrentCyclicMergesNeitherDeadlockNorLoop replays the attack from
// issue 13: merges X→Y, Y→Z and Z→X for six triples, all 18 at once, each
// on its own connection, with items already merged into every source. Each
// request either merges or is refused with a message (never a database
// error), no cycle or chain remains, and every surviving item counts each
// person who reported or heard anything in its group exactly once.
func TestConcurrentCyclicMergesNeitherDeadlockNorLoop(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pool, err := db.Open(f.ctx, f.pool.Config().ConnString(), 24)
	f.must(err)
	t.Cleanup(pool.Close)
	f.pool = pool
	f.store = NewStore(pool, f.loc).WithClock(func() time.Time { return f.now })

	reporters := []string{"agent", "agent2", "rep", "rep2", "marketer2", "salesboss"}
	const triples = 6
	type triple struct {
		items  [3]Item
		group  []int64 // the triple and the items merged into it beforehand
		people map[int64]bool
	}
	groups := make([]triple, triples)
	for g := range groups {
		tr := &groups[g]
		tr.people = map[int64]bool{}
		for i := range 3 {
			by := reporters[(g+i)%len(reporters)]
			tr.items[i] = f.create(by)
			tr.group = append(tr.group, tr.items[i].ID)
			tr.people[f.u(by).ID] = true
			// A +1 from someone else, overlapping with the next item's reporter.
			other := reporters[(g+i+1)%len(reporters)]
			f.must(f.store.AddHeard(f.ctx, f.u(other), tr.items[i].ID, "Initech", ""))
			tr.people[f.u(other).ID] = true
			// An older duplicate already merged into this item, so the merge
			// also has to move (and lock) it.
			dupBy := reporters[(g+i+3)%len(reporters)]
			dup := f.create(dupBy)
			f.must(f.store.Merge(f.ctx, f.u("marketer"), dup.ID, tr.items[i].ID, dup.Version))
			tr.group = append(tr.group, dup.ID)
			tr.people[f.u(dupBy).ID] = true
		}
		for i := range 3 {
			tr.items[i] = f.get(tr.items[i].ID)
		}
	}

	type result struct {
		from, into int64
		err        error
	}
	results := make(chan result, 3*triples)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, tr := range groups {
		for i := range 3 {
			from, into := tr.items[i], tr.items[(i+1)%3]
			wg.Go(func() {
				<-start
				err := f.store.Merge(f.ctx, f.u("marketer"), from.ID, into.ID, from.Version)
				results <- result{from.ID, into.ID, err}
			})
		}
	}
	close(start)
	wg.Wait()
	close(results)

	merged := 0
	for r := range results {
		var fe FieldErrors
		switch {
		case r.err == nil:
			merged++
		case errors.Is(r.err, ErrMerged):
		case errors.As(r.err, &fe) && fe["into"] != "":
		default:
			t.Errorf("merge #%d → #%d: %v, want a merge or a refusal with a message", r.from, r.into, r.err)
		}
	}
	// In each triple the first two merges to commit succeed; the third
	// would close the loop and is refused.
	if merged != 2*triples {
		t.Errorf("%d merges succeeded, want %d (two per triple)", merged, 2*triples)
	}

	for g, tr := range groups {
		var roots []int64
		for _, id := range tr.group {
			if it := f.get(id); it.MergedInto == nil {
				roots = append(roots, id)
			}
		}
		if len(roots) != 1 {
			t.Errorf("triple %d: %d items left unmerged (%v), want 1", g, len(roots), roots)
			continue
		}
		root := f.get(roots[0])
		for _, id := range tr.group {
			if it := f.get(id); id != root.ID && (it.MergedInto == nil || *it.MergedInto != root.ID) {
				t.Errorf("triple %d: #%d points to %v, want #%d (no chain, no loop)", g, id, it.MergedInto, root.ID)
			}
		}
		if n := f.count(`SELECT count(*) FROM feedback_items WHERE merged_into = $1`, root.ID); n != len(tr.group)-1 {
			t.Errorf("triple %d: %d items merged into #%d, want %d", g, n, root.ID, len(tr.group)-1)
		}
		// Everyone who reported or heard anything in the group, except
		// the surviving item's reporter, counts once on it.
		var want []int64
		for id := range tr.people {
			if id != root.ReporterID {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		got := make([]int64, 0, len(want))
		rows, err := pool.Query(f.ctx, `SELECT user_id FROM feedback_heard WHERE item_id = $1 ORDER BY user_id`, root.ID)
		f.must(err)
		for rows.Next() {
			var id int64
			f.must(rows.Scan(&id))
			got = append(got, id)
		}
		f.must(rows.Err())
		if !slices.Equal(got, want) {
			t.Errorf("triple %d: #%d is heard by %v, want %v", g, root.ID, got, want)
		}
		if root.Heard != len(want) {
			t.Errorf("triple %d: #%d counts %d +1s, want %d", g, root.ID, root.Heard, len(want))
		}
	}
	if n := f.count(`SELECT count(*) FROM feedback_items f WHERE f.heard_count <>
		(SELECT count(*) FROM feedback_heard h WHERE h.item_id = f.id)`); n != 0 {
		t.Errorf("%d items' +1 counts disagree with their +1 rows", n)
	}
}

// Merging an item into one that was merged into it would make a loop; the
// refusal says so instead of suggesting the item merge into itself.
func TestMergeRefusesALoop(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	x, y := f.create("agent"), f.create("rep")
	f.must(f.store.Merge(f.ctx, f.u("marketer"), y.ID, x.ID, y.Version))
	x = f.get(x.ID)
	var fe FieldErrors
	err := f.store.Merge(f.ctx, f.u("marketer"), x.ID, y.ID, x.Version)
	if !errors.As(err, &fe) || !strings.Contains(fe["into"], "would make a loop") {
		t.Fatalf("merge into the item merged into this one: %v, want a refusal naming the loop", err)
	}
	if it := f.get(x.ID); it.MergedInto != nil {
		t.Errorf("#%d was merged into %d", x.ID, *it.MergedInto)
	}
}
