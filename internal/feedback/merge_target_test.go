package feedback

import (
	"errors"
	"slices"
	"testing"
)

// MergeTarget refuses what Merge refuses, without writing, so the confirm
// step never offers a merge the post would refuse; SearchTargets leaves
// out the item itself and merged items.
func TestMergeTargetAndSearchTargets(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.create("agent", func(in *Input) { in.Words = "Numbat exports time out." })
	b := f.create("rep", func(in *Input) { in.Words = "Numbat export is slow." })
	c := f.create("rep2", func(in *Input) { in.Words = "Numbat exports stall." })
	f.must(f.store.Merge(f.ctx, f.u("marketer"), c.ID, a.ID, c.Version))
	c = f.get(c.ID)

	if got, err := f.store.MergeTarget(f.ctx, f.u("marketer"), b, a.ID); err != nil || got.ID != a.ID {
		t.Errorf("b into a: %v %v", got.ID, err)
	}
	for name, tc := range map[string]struct {
		from Item
		into int64
	}{"itself": {b, b.ID}, "none": {b, 0}, "missing": {b, 99999999}, "merged target": {b, c.ID}, "merged source": {c, b.ID}} {
		if _, err := f.store.MergeTarget(f.ctx, f.u("marketer"), tc.from, tc.into); err == nil {
			t.Errorf("%s: not refused", name)
		}
	}
	if _, err := f.store.MergeTarget(f.ctx, f.u("rep"), b, a.ID); !errors.Is(err, ErrNotTriager) {
		t.Errorf("a sales member: %v", err)
	}
	if f.get(b.ID).Version != b.Version {
		t.Error("MergeTarget wrote")
	}

	found, more, err := f.store.SearchTargets(f.ctx, b.ID, "numbat", 8)
	f.must(err)
	ids := []int64{}
	for _, it := range found {
		ids = append(ids, it.ID)
	}
	if more || !slices.Equal(ids, []int64{a.ID}) {
		t.Errorf("search from b: %v (more %v), want only a (#%d)", ids, more, a.ID)
	}
	if _, more, _ := f.store.SearchTargets(f.ctx, 0, "numbat", 1); !more {
		t.Error("a bounded search does not say there are more")
	}
}
