package leads

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/internal/leads"
	"tandem/web/components"
)

// The lead list's rows are kept as HTML across requests, yet each shows
// what its viewer would see rendered afresh: the date in their timezone,
// the owner's current name, the SLA state as of now.
func TestKeptLeadRowsFollowTheViewerAndTheLead(t *testing.T) {
	l := lead(leads.HandedOff)
	l.ID, l.OwnerName = 9201, "Riley"
	handed := time.Date(2026, 3, 4, 23, 30, 0, 0, time.UTC)
	due := handed.Add(4 * time.Hour)
	l.HandedOffAt, l.SLADueAt = &handed, &due
	table := func(p components.Page, l leads.Lead, now time.Time) string {
		return renderString(t, LeadTable(p, Rows([]leads.Lead{l}, now), "none"))
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	utcPage := components.Page{User: &components.User{Location: time.UTC}}
	tokyoPage := components.Page{User: &components.User{Location: tokyo}}
	before := handed.Add(time.Hour)
	utc, inTokyo := table(utcPage, l, before), table(tokyoPage, l, before)
	if !strings.Contains(utc, "4 Mar 2026") || !strings.Contains(inTokyo, "5 Mar 2026") {
		t.Errorf("the handoff date is not in each viewer's timezone:\n%s\n%s", utc, inTokyo)
	}
	if again := table(utcPage, l, before); again != utc {
		t.Errorf("the same row renders differently:\n%s\n%s", utc, again)
	}
	if got := table(utcPage, l, due.Add(time.Hour)); !strings.Contains(got, "SLA breached") || !strings.Contains(utc, "awaiting first touch") {
		t.Errorf("the SLA state does not follow the clock:\n%s\n%s", utc, got)
	}
	renamed := l
	renamed.OwnerName = "Riley Renamed"
	if got := table(utcPage, renamed, before); !strings.Contains(got, "Riley Renamed") {
		t.Errorf("the owner's new name is not shown:\n%s", got)
	}
	value := 1234.5
	l.DealValue = &value
	if got := table(utcPage, l, before); !strings.Contains(got, "1,234.50") {
		t.Errorf("a new deal value is not shown:\n%s", got)
	}
}

// The campaign filter offers the newest filterCampaigns launches; a
// campaign in the link beyond them is still shown, selected, by name.
func TestCampaignFilterOffersTheNewestAndKeepsAnOlderOneChosen(t *testing.T) {
	var list []leads.CampaignChoice
	launch := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range filterCampaigns + 50 {
		list = append(list, leads.CampaignChoice{ID: int64(1000 - i), Name: "Campaign " + strconv.Itoa(1000-i), LaunchOn: launch.AddDate(0, 0, -i)})
	}
	field := components.Field{Name: "campaign", Label: "Campaign"}
	all := renderString(t, components.SelectOf(field, campaignFilterOptions(list, "")))
	if n := strings.Count(all, "<option"); n != filterCampaigns+1 {
		t.Errorf("%d options, want any campaign and the %d newest", n, filterCampaigns)
	}
	older := list[filterCampaigns+10]
	field.Value = strconv.FormatInt(older.ID, 10)
	chosen := renderString(t, components.SelectOf(field, campaignFilterOptions(list, field.Value)))
	if !strings.Contains(chosen, `value="`+field.Value+`" selected>`+older.Name+" — launch") {
		t.Errorf("the older campaign in the link is not offered, chosen, by name:\n%s", chosen[len(chosen)-300:])
	}
	field.Value = "99999"
	if got := renderString(t, components.SelectOf(field, campaignFilterOptions(list, "99999"))); !strings.Contains(got, `value="99999" selected>Campaign no. 99999`) {
		t.Errorf("an unknown campaign in the link is not kept chosen:\n%s", got[len(got)-300:])
	}
}
