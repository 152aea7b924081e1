package campaigns_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"tandem/internal/campaigns"
	"tandem/internal/db"
)

// The closed-loop numbers equal a fixture computed by hand.
func TestClosedLoopResults(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.campaign("2026-03-02") // budget 9000
	other := f.campaign("2026-04-06")
	at := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	leads := []struct {
		campaign int64
		stage    string
		handed   bool
		accepted bool
		rejected bool
		reason   string
		value    float64
	}{
		{c.ID, "new", false, false, false, "", 0},
		{c.ID, "mql", false, false, false, "", 0},
		{c.ID, "handed_off", true, false, false, "", 0},
		{c.ID, "accepted", true, true, false, "", 0},
		{c.ID, "opportunity", true, true, false, "", 0},
		{c.ID, "won", true, true, false, "", 12000.50},
		{c.ID, "won", true, true, false, "", 7999.50},
		{c.ID, "won", true, true, false, "", 4000},
		{c.ID, "lost", true, true, false, "", 0},
		{c.ID, "rejected", true, false, true, "not_icp", 0},
		{c.ID, "rejected", true, false, true, "not_icp", 0},
		{c.ID, "rejected", true, false, true, "no_budget", 0},
		{c.ID, "recycled", true, false, true, "bad_timing", 0},
		// A recycled lead back in nurture: sourced, ever handed off and rejected.
		{c.ID, "mql", true, false, true, "bad_timing", 0},
		// Not this campaign's.
		{other.ID, "won", true, true, false, "", 99999},
		{0, "won", true, true, false, "", 50000},
	}
	for i, l := range leads {
		var campaign *int64
		if l.campaign != 0 {
			campaign = &l.campaign
		}
		var value *float64
		if l.value != 0 {
			value = &l.value
		}
		ts := func(ok bool) *time.Time {
			if ok {
				return &at
			}
			return nil
		}
		var reason *string
		if l.reason != "" {
			reason = &l.reason
		}
		_, err := f.pool.Exec(f.ctx, `INSERT INTO leads (company, contact_name, email, source_campaign_id, stage, deal_value,
				handed_off_at, accepted_at, rejected_at, rejection_reason, won_at)
			VALUES ('Acme', 'Ann', $1, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7::timestamptz, $8, CASE WHEN $3::text = 'won' THEN $5::timestamptz END)`,
			"lead"+strconv.Itoa(i)+"@example.com", campaign, l.stage, value, ts(l.handed), ts(l.accepted), ts(l.rejected), reason)
		if err != nil {
			t.Fatal(err)
		}
	}
	r, err := f.store.Results(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := campaigns.Results{
		CampaignID: c.ID, Sourced: 14, HandedOff: 12, Accepted: 6, AcceptedBy: [4]int{1, 1, 3, 1},
		Rejected: 5, Won: 3, WonValueCents: 2400000, BudgetCents: 900000,
		Rejections: []campaigns.ReasonCount{
			{Code: "not_icp", Label: "Not our customer profile", Count: 2},
			{Code: "no_budget", Label: "No budget or authority", Count: 1},
			{Code: "bad_timing", Label: "Bad timing", Count: 2},
		},
	}
	if r.Sourced != want.Sourced || r.HandedOff != want.HandedOff || r.Accepted != want.Accepted || r.AcceptedBy != want.AcceptedBy ||
		r.Rejected != want.Rejected || r.Won != want.Won || r.WonValueCents != want.WonValueCents || r.BudgetCents != want.BudgetCents {
		t.Errorf("results %+v\nwant %+v", r, want)
	}
	if len(r.Rejections) != len(want.Rejections) {
		t.Fatalf("rejections %+v, want %+v", r.Rejections, want.Rejections)
	}
	for i := range want.Rejections {
		if r.Rejections[i] != want.Rejections[i] {
			t.Errorf("rejection %d: %+v, want %+v", i, r.Rejections[i], want.Rejections[i])
		}
	}
	if conv, ok := r.Conversion(); !ok || conv != 0.25 {
		t.Errorf("conversion %v, want 3 ÷ 12 = 0.25", conv)
	}
	if cost, ok := r.CostPerWonCents(); !ok || cost != 300000 {
		t.Errorf("cost per won %d, want 9000 ÷ 3 = 3000.00", cost)
	}
	if got := r.URL("sort", "rejected", "reason", "not_icp"); got != "/leads?campaign="+strconv.FormatInt(c.ID, 10)+"&reason=not_icp&sort=rejected" {
		t.Errorf("URL = %s", got)
	}

	none, err := f.store.Results(f.ctx, other.ID+1000)
	if !errors.Is(err, db.ErrNotFound) {
		t.Errorf("results of a missing campaign: %+v, %v", none, err)
	}
	empty := f.campaign("2026-05-04")
	r, err = f.store.Results(f.ctx, empty.ID)
	if err != nil || r.Sourced != 0 || r.Rejections != nil {
		t.Errorf("results without leads: %+v, %v", r, err)
	}
	if _, ok := r.Conversion(); ok {
		t.Error("conversion without handoffs")
	}
	if _, ok := r.CostPerWonCents(); ok {
		t.Error("cost per won without wins")
	}
}
