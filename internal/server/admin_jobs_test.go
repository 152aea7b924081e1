package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

var jobsAccess = map[string]string{
	"GET /admin/jobs":             "admins",
	"POST /admin/jobs/{id}/retry": "admins",
}

// failedJob puts a delivery job out of attempts into River's table, as a
// receiver that kept failing leaves it.
func (e *testEnv) failedJob(t *testing.T, state string) int64 {
	t.Helper()
	var id int64
	err := e.pool.QueryRow(context.Background(), `
		INSERT INTO river_job (kind, args, state, attempt, max_attempts, queue, priority, finalized_at, errors, attempted_at)
		VALUES ('delivery', '{"channel": "webhook", "delivery_id": 41}', $1::river_job_state, 3, 3, 'default', 1,
		        CASE WHEN $1::text IN ('discarded', 'cancelled', 'completed') THEN now() END,
		        ARRAY['{"at": "2026-12-01T10:00:00Z", "attempt": 3, "error": "503 from <the receiver>"}'::jsonb], now())
		RETURNING id`, state).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

var jobRetryHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	id := e.failedJob(t, "discarded")
	return happyPost{path: "/admin/jobs/" + strconv.FormatInt(id, 10) + "/retry", form: url.Values{"state": {"failed"}},
		state: `SELECT state::text FROM river_job WHERE id = $1`, args: []any{id}}
}}

func TestJobsPageListsFailedJobsAndRetriesThem(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("admin@example.com")
	// The demo seed's changes queued their events' fan-out; no worker runs
	// in this test, so clear them to see the empty state.
	if _, err := e.pool.Exec(context.Background(), `DELETE FROM river_job`); err != nil {
		t.Fatal(err)
	}
	failed := e.failedJob(t, "discarded")
	running := e.failedJob(t, "running")

	res := c.get("/admin/jobs")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, "No queued jobs.") {
		t.Error("the queued list is not empty-stated")
	}
	res = c.get("/admin/jobs?state=failed")
	wantStatus(t, res, http.StatusOK)
	for _, want := range []string{`aria-current="page">Failed <span class="count">1</span>`, "503 from &lt;the receiver&gt;",
		"3 of 3", `action="/admin/jobs/` + strconv.FormatInt(failed, 10) + `/retry"`, "delivery_id&#34;:41"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("failed list: no %q", want)
		}
	}

	wantRedirect(t, c.post("/admin/jobs/"+strconv.FormatInt(failed, 10)+"/retry", url.Values{"state": {"failed"}}), "/admin/jobs?state=failed")
	if n := e.count(`SELECT count(*) FROM river_job WHERE id = $1 AND state = 'available' AND finalized_at IS NULL`, failed); n != 1 {
		t.Error("the retried job is not available to run")
	}

	// A running job cannot be retried; an unknown one is not found; a
	// made-up list is refused with a message.
	res = c.post("/admin/jobs/"+strconv.FormatInt(running, 10)+"/retry", url.Values{})
	wantStatus(t, res, http.StatusConflict)
	if !strings.Contains(res.Body, "running now") {
		t.Errorf("refused retry says:\n%s", res.Body)
	}
	wantStatus(t, c.post("/admin/jobs/999999/retry", url.Values{}), http.StatusNotFound)
	res = c.get("/admin/jobs?state=sideways")
	wantStatus(t, res, http.StatusUnprocessableEntity)
}
