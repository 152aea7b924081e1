package server

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"testing"
)

// A long queue comes a page at a time, breached leads first on the first
// page and the breach count of the whole queue on every page.
func TestQueueComesAPageAtATime(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	rep := e.client()
	rep.login("rep@example.com")
	if _, err := e.pool.Exec(context.Background(), `
		INSERT INTO leads (company, contact_name, email, stage, created_at, owner_id, handed_off_at, sla_due_at)
		SELECT 'Queued ' || g, 'C', 'queued' || g || '@x.example', 'handed_off', now() - interval '3 days',
		       (SELECT id FROM users WHERE email = 'rep@example.com'), now() - interval '2 days' + g * interval '1 minute',
		       now() - interval '1 day'
		FROM generate_series(1, 70) g`); err != nil {
		t.Fatal(err)
	}
	e.settle()
	total := e.count(`SELECT count(*) FROM leads WHERE owner_id = $1
		AND (stage = 'handed_off' OR (stage = 'accepted' AND first_touch_at IS NULL))`, e.userID("rep@example.com"))
	breached := e.count(`SELECT count(*) FROM leads WHERE owner_id = $1 AND first_touch_at IS NULL AND sla_due_at < now()
		AND stage IN ('handed_off', 'accepted')`, e.userID("rep@example.com"))
	rows := regexp.MustCompile(`<tr id="queue-\d+"`)

	first := rep.get("/leads/queue")
	wantStatus(t, first, http.StatusOK)
	if n := len(rows.FindAllString(first.Body, -1)); n != 50 {
		t.Errorf("the first page shows %d leads, want 50", n)
	}
	wantBody(t, first, "Leads 1–50 of "+strconv.Itoa(total)+".", strconv.Itoa(breached)+" leads past the follow-up SLA.")
	wantMarkup(t, first, `href="/leads/queue?page=2" rel="next"`)

	pages := (total + 49) / 50
	last := rep.get("/leads/queue?page=" + strconv.Itoa(pages))
	wantStatus(t, last, http.StatusOK)
	if n, want := len(rows.FindAllString(last.Body, -1)), total-(pages-1)*50; n != want {
		t.Errorf("the last page shows %d leads, want %d", n, want)
	}
	wantBody(t, last, strconv.Itoa(breached)+" leads past the follow-up SLA.")
	wantMarkup(t, last, `rel="prev"`)
	if past := rep.get("/leads/queue?page=99"); past.Body != last.Body {
		t.Error("a page past the end does not show the last page")
	}
	res := rep.get("/leads/queue?page=zero")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "That page does not exist")
}
