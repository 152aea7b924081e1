package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// "Log feedback" links from a lead or a campaign open the form with the
// link filled in and name what it is linked to; an unknown id is ignored.
func TestFeedbackFormPrefilledFromLeadAndCampaign(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("agent@example.com")
	var leadID, campaignID int64
	var company, campaign string
	if err := e.pool.QueryRow(context.Background(), `SELECT l.id, l.company, c.id, c.name FROM leads l, campaigns c
		ORDER BY l.id, c.id LIMIT 1`).Scan(&leadID, &company, &campaignID, &campaign); err != nil {
		t.Fatal(err)
	}
	res := c.get("/feedback/new?lead=" + strconv.FormatInt(leadID, 10) + "&campaign=" + strconv.FormatInt(campaignID, 10))
	wantStatus(t, res, http.StatusOK)
	for _, want := range []string{company, campaign} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the prefilled form does not name %q", want)
		}
	}
	wantStatus(t, c.get("/feedback/new?lead=999999&campaign=999999"), http.StatusOK)
}
