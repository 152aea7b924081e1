package seed_test

import (
	"context"
	"testing"

	"tandem/internal/testdb/demo"
)

// The demo company is kept as the app keeps its data: a lead's version is
// that of its latest timeline event (a conflict page lists the events after
// the version a form was loaded at, so a lower row version would list old
// history as someone else's change).
func TestDemoLeadVersionsMatchTheirTimelines(t *testing.T) {
	t.Parallel()
	pool := demo.New(t)
	var behind, leads int
	if err := pool.QueryRow(context.Background(), `SELECT
		count(*) FILTER (WHERE l.version < (SELECT max(e.version) FROM lead_events e WHERE e.lead_id = l.id)), count(*)
		FROM leads l`).Scan(&behind, &leads); err != nil {
		t.Fatal(err)
	}
	if leads == 0 || behind != 0 {
		t.Errorf("%d of %d demo leads have a version below their timeline's", behind, leads)
	}
}
