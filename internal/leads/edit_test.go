package leads_test

import (
	"context"
	"errors"
	"testing"

	"tandem/internal/leads"
	"tandem/internal/refusal"
	"tandem/internal/users"
)

func (f fixture) campaign(t *testing.T, name, launch string) int64 {
	t.Helper()
	var id int64
	if err := f.pool.QueryRow(context.Background(), `INSERT INTO campaigns (name, channel, launch_on, end_on, owner_id)
		VALUES ($1, 'webinar', $2::date, $2::date + 30, $3) RETURNING id`, name, launch, f.marketer.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestEditALead(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	webinar := f.campaign(t, "Spring webinar", "2026-03-10")
	l, err := f.store.Create(ctx, f.marketer, leads.NewLead{Company: "Typo Inc", ContactName: "Tia", Email: "tia@typo.exmaple",
		SourceCampaignID: webinar})
	if err != nil {
		t.Fatal(err)
	}
	if l.SourceCampaignID == nil || *l.SourceCampaignID != webinar || l.SourceCampaign != "Spring webinar" {
		t.Fatalf("created with campaign %v %q", l.SourceCampaignID, l.SourceCampaign)
	}
	if _, err := f.store.Create(ctx, f.marketer, leads.NewLead{Company: "Other", ContactName: "O", Email: "taken@other.example"}); err != nil {
		t.Fatal(err)
	}
	fair := f.campaign(t, "Trade fair", "2026-05-01")
	in := leads.NewLead{Company: "Typo Inc", ContactName: "Tia", Email: " Tia@Typo.Example ", SourceCampaignID: fair}

	var rule *refusal.Error
	if _, err := f.store.Update(ctx, f.rep, l.ID, l.Version, in); !errors.As(err, &rule) || rule.Kind != refusal.Forbidden {
		t.Errorf("a rep who does not own the lead editing it: %v", err)
	}
	var fe leads.FieldErrors
	dup := in
	dup.Email = "TAKEN@other.example"
	if _, err := f.store.Update(ctx, f.marketer, l.ID, l.Version, dup); !errors.As(err, &fe) || fe["email"] == "" {
		t.Errorf("duplicate email: %v", err)
	}
	gone := in
	gone.SourceCampaignID = 999999
	if _, err := f.store.Update(ctx, f.marketer, l.ID, l.Version, gone); !errors.As(err, &fe) || fe["source_campaign"] == "" {
		t.Errorf("unknown campaign: %v", err)
	}
	bad := in
	bad.Score = 101
	if _, err := f.store.Update(ctx, f.marketer, l.ID, l.Version, bad); !errors.As(err, &fe) || fe["score"] == "" {
		t.Errorf("score 101: %v", err)
	}

	edited, err := f.store.Update(ctx, f.marketer, l.ID, l.Version, in)
	if err != nil {
		t.Fatal(err)
	}
	if edited.Email != "tia@typo.example" || edited.SourceCampaign != "Trade fair" || edited.Version != l.Version+1 {
		t.Errorf("after the edit: %q %q v%d", edited.Email, edited.SourceCampaign, edited.Version)
	}
	events, _ := f.store.Timeline(ctx, l.ID, l.Version)
	if len(events) != 1 || events[0].Kind != "edit" || events[0].Note != "changed email, source campaign" || events[0].Version != edited.Version {
		t.Errorf("edit event: %+v", events)
	}
	// Saving the same values again changes nothing, not even the version.
	same, err := f.store.Update(ctx, f.marketer, l.ID, edited.Version, in)
	if err != nil || same.Version != edited.Version {
		t.Errorf("a no-op edit: v%d, %v", same.Version, err)
	}
	// A form loaded before the edit is stale.
	var conflict *leads.ConflictError
	if _, err := f.store.Update(ctx, f.marketer, l.ID, l.Version, leads.NewLead{Company: "Lost update", ContactName: "Tia", Email: "tia@typo.example"}); !errors.As(err, &conflict) {
		t.Errorf("stale edit: %v", err)
	}
	// Clearing the campaign is an edit too.
	cleared := in
	cleared.SourceCampaignID = 0
	cleared.Score = 40
	cleared.Fit = "strong"
	after, err := f.store.Update(ctx, f.marketer, l.ID, edited.Version, cleared)
	if err != nil || after.SourceCampaignID != nil {
		t.Fatalf("clearing the campaign: %v %v", after.SourceCampaignID, err)
	}
	events, _ = f.store.Timeline(ctx, l.ID, edited.Version)
	if len(events) != 1 || events[0].Note != "changed source campaign, fit, score" {
		t.Errorf("second edit event: %+v", events)
	}
}

// Marketing, the owning rep, sales managers and admins edit; nobody else.
func TestWhoMayEditALead(t *testing.T) {
	t.Parallel()
	owner := int64(10)
	l := leads.Lead{Stage: leads.Accepted, OwnerID: &owner}
	for _, tc := range []struct {
		who  users.User
		want bool
	}{
		{users.User{ID: 1, Team: users.Marketing, Role: users.Member}, true},
		{users.User{ID: 2, Team: users.Marketing, Role: users.Manager}, true},
		{users.User{ID: 10, Team: users.Sales, Role: users.Member}, true},
		{users.User{ID: 11, Team: users.Sales, Role: users.Member}, false},
		{users.User{ID: 12, Team: users.Sales, Role: users.Manager}, true},
		{users.User{ID: 20, Team: users.Service, Role: users.Member}, false},
		{users.User{ID: 21, Team: users.Service, Role: users.Manager}, false},
		{users.User{ID: 30, Team: users.Service, Role: users.Admin}, true},
	} {
		if got := l.CanEdit(tc.who) == nil; got != tc.want {
			t.Errorf("%s %s (id %d) may edit: %v, want %v", tc.who.Team, tc.who.Role, tc.who.ID, got, tc.want)
		}
	}
}

func TestCampaignChoicesNewestLaunchFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	old := f.campaign(t, "Old", "2025-01-15")
	newer := f.campaign(t, "Newer", "2026-02-01")
	newest := f.campaign(t, "Newest", "2026-09-01")
	list, err := f.store.CampaignChoices(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].ID != newest || list[1].ID != newer || list[2].ID != old ||
		list[2].LaunchOn.Format("2006-01-02") != "2025-01-15" {
		t.Errorf("choices %+v", list)
	}
}

// An edit or a new lead with several problems hears of all of them at
// once, those only the database knows (unknown campaign, email taken)
// with the rest; before, the campaign was named only once the rest was
// fixed.
func TestLeadInputReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	l, err := f.store.Create(ctx, f.marketer, leads.NewLead{Company: "Edit Me", ContactName: "Eve", Email: "eve@editme.example"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Create(ctx, f.marketer, leads.NewLead{Company: "Taken", ContactName: "Tom", Email: "tom@taken.example"}); err != nil {
		t.Fatal(err)
	}
	bad := leads.NewLead{Company: " ", ContactName: "Eve", Email: "TOM@taken.example", Score: 101, SourceCampaignID: 999999}
	want := []string{"company", "email", "score", "source_campaign"}
	check := func(what string, err error) {
		t.Helper()
		var fe leads.FieldErrors
		if !errors.As(err, &fe) || len(fe) != len(want) {
			t.Errorf("%s: %v, want errors on %v", what, err, want)
			return
		}
		for _, k := range want {
			if fe[k] == "" {
				t.Errorf("%s: no error on %s in %v", what, k, fe)
			}
		}
	}
	_, err = f.store.Update(ctx, f.marketer, l.ID, l.Version, bad)
	check("edit", err)
	bad.Email = "tom@taken.example"
	_, err = f.store.Create(ctx, f.marketer, bad)
	check("create", err)
	fe, err := f.store.CheckInput(ctx, bad, 0)
	check("check", errors.Join(err, fe))
	// The lead's own email is not "taken" by itself.
	if fe, err := f.store.CheckInput(ctx, leads.NewLead{Company: "Edit Me", ContactName: "Eve", Email: "eve@editme.example"}, l.ID); err != nil || fe != nil {
		t.Errorf("the lead's own values: %v %v", fe, err)
	}
}
