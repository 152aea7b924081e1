package server

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The marketing to-do "Leads rejected in the last 7 days to review" opens
// the rejected-leads page on the same window, listing the same leads.
func TestRejectionsToDoOpensTheSameLeads(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	todo := regexp.MustCompile(`<a href="([^"]+)">Leads rejected in the last 7 days to review</a>: <strong>(\d+)</strong>`).
		FindStringSubmatch(c.get("/").Body)
	if todo == nil {
		t.Fatal("the marketing overview has no rejections to-do")
	}
	want, _ := strconv.Atoi(todo[2])
	if want == 0 || want > 50 {
		t.Fatalf("the demo data should have a page of recent rejections, has %d", want)
	}
	res := c.get(strings.ReplaceAll(todo[1], "&amp;", "&"))
	wantStatus(t, res, http.StatusOK)
	list := res.Body[strings.Index(res.Body, "Still rejected, latest first"):]
	if got := strings.Count(list, `<tr><td><a href="/leads/`); got != want {
		t.Errorf("the to-do counts %d leads, its page lists %d", want, got)
	}
	if !strings.Contains(res.Body, "in the last 7 days") {
		t.Error("the page does not say which window it shows")
	}
	wantStatus(t, c.get("/leads/rejected?days=3"), http.StatusUnprocessableEntity)
}
