package leads

import (
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"tandem/internal/leads"
	"tandem/internal/users"
	"tandem/web/components"
)

// Rows pairs each lead with its SLA state at now.
func Rows(list []leads.Lead, now time.Time) []Row {
	rows := make([]Row, len(list))
	for i, l := range list {
		rows[i] = Row{Lead: l, SLA: l.SLAState(now)}
	}
	return rows
}

// ListInput is what the lead list shows: the filter as read from query q
// (Form as typed, Errors why a filter was refused), one page of leads and
// the counts per stage under the filter.
type ListInput struct {
	Query  url.Values
	Filter leads.Filter
	Form   map[string]string
	Errors map[string]string
	Page   leads.Page
	Counts leads.StageCounts
	Reps   []leads.Rep
	// Campaigns are the choices of the campaign filter.
	Campaigns []leads.CampaignChoice
	// ShowRouting links the routing rules (sales managers, admins).
	ShowRouting bool
	CanCreate   bool
	CanExport   bool
	ShowQueue   bool
}

// filterCampaigns is how many campaigns the filter offers, the newest
// launches first. Leads come from recent campaigns, and an older one's
// leads are a link away on its page ("Leads sourced"); at 5 000 campaigns
// the 500 choices the lead form offers were half of the list's 71 kB, which
// is compressed on every request (two thirds of its server time at 1M).
const filterCampaigns = 150

// campaignFilterOptions are the campaign filter's choices: any campaign,
// then each by name; a campaign in the link that is not among them (an
// older one, an old bookmark) stays selectable, under its name when list
// has it, so the filter shown is the one applied.
func campaignFilterOptions(list []leads.CampaignChoice, current string) *components.Options {
	offered := list[:min(len(list), filterCampaigns)]
	opts := campaignFilters.Of(offered, anyCampaignThenEach)
	if current == "" || opts.Has(current) {
		return opts
	}
	label := "Campaign no. " + current
	for _, c := range list {
		if strconv.FormatInt(c.ID, 10) == current {
			label = CampaignOptions([]leads.CampaignChoice{c})[1].Label
			break
		}
	}
	return components.NewOptions(append(anyCampaignThenEach(offered), components.Option{Value: current, Label: label}))
}

// The lead list's pickers are rendered once per change of the reps or the
// campaigns, not per page.
var (
	campaignFilters components.OptionsMemo[leads.CampaignChoice]
	ownerFilters    components.OptionsMemo[leads.Rep]
)

func anyCampaignThenEach(list []leads.CampaignChoice) []components.Option {
	opts := CampaignOptions(list)
	opts[0].Label = "Any campaign"
	return opts
}

// ownerFilterOptions are anyone, me, nobody, then each rep.
func ownerFilterOptions(reps []leads.Rep) []components.Option {
	return append([]components.Option{{Value: "", Label: "Anyone"}, {Value: "me", Label: "Me"}, {Value: "none", Label: "Unassigned"}},
		RepOptions(reps, "")[1:]...)
}

// ListOf is the lead list page at now.
func ListOf(p components.Page, in ListInput, now time.Time) List {
	v := List{
		Page: p, Rows: Rows(in.Page.Leads, now), Form: in.Form, FilterErrors: in.Errors,
		OwnerOptions: ownerFilters.Of(in.Reps, ownerFilterOptions), CampaignOptions: campaignFilterOptions(in.Campaigns, in.Form["campaign"]), CanCreate: in.CanCreate, ShowQueue: in.ShowQueue, ShowRouting: in.ShowRouting, Capped: in.Counts.Capped,
		StageOptions: []components.Option{{Value: "", Label: "Any stage"}},
		SLAOptions: []components.Option{{Value: "", Label: "Any"}, {Value: leads.SLABreached, Label: "Breached (no first touch)"},
			{Value: leads.SLAOpen, Label: "Awaiting first touch"}, {Value: leads.SLAMet, Label: "Touched within SLA"},
			{Value: leads.SLAMissed, Label: "Touched after SLA"}},
		SortOptions: []components.Option{{Value: "", Label: "Newest first"}, {Value: leads.SortHandedOff, Label: "Latest handoff"},
			{Value: leads.SortCompany, Label: "Company A–Z"}},
	}
	q, f, counts := in.Query, in.Filter, in.Counts
	tabQuery := components.QueryWithout(q, "stage", "after")
	all := 0
	for _, st := range leads.Stages {
		v.StageOptions = append(v.StageOptions, components.Option{Value: string(st), Label: st.Label()})
		all += counts.ByStage[st]
	}
	v.Tabs = append(v.Tabs, StageTab{Label: "All", Count: all, URL: "/leads?" + tabQuery.Encode(), Current: f.Stage == ""})
	for _, st := range leads.Stages {
		tq := components.QueryWithout(tabQuery)
		tq.Set("stage", string(st))
		v.Tabs = append(v.Tabs, StageTab{Stage: string(st), Label: st.Label(), Count: counts.ByStage[st],
			URL: "/leads?" + tq.Encode(), Current: f.Stage == st})
	}
	v.Total = all
	if f.Stage != "" {
		v.Total = counts.ByStage[f.Stage]
	}
	v.NextURL = nextURL("/leads", q, in.Page.Next)
	if f.After != "" {
		v.FirstURL = "/leads?" + components.QueryWithout(q, "after").Encode()
	}
	if in.CanExport {
		v.ExportURL = "/leads/export.csv?" + components.QueryWithout(q, "after").Encode()
	}
	return v
}

// nextURL links the page after cursor next at path with query q; "" when
// there is none.
func nextURL(path string, q url.Values, next string) string {
	if next == "" {
		return ""
	}
	nq := components.QueryWithout(q)
	nq.Set("after", next)
	return path + "?" + nq.Encode()
}

// QueuePageSize is how many leads one page of the queue shows, each with
// its forms.
const QueuePageSize = 50

// QueueOf is page (from 1; past the last, the last) of me's queue at now;
// manager when it includes the leads waiting for a rep. The breach count
// is the whole queue's.
func QueueOf(p components.Page, me users.User, list []leads.Lead, manager bool, now time.Time, page int) Queue {
	v := Queue{Page: p, Manager: manager, Total: len(list)}
	for _, l := range list {
		if sla := l.SLAState(now); sla.Open && sla.Breached {
			v.Breached++
		}
	}
	v.Pages = max(1, (len(list)+QueuePageSize-1)/QueuePageSize)
	v.PageNum = min(max(page, 1), v.Pages)
	from := (v.PageNum - 1) * QueuePageSize
	shown := list[from:min(from+QueuePageSize, len(list))]
	v.Items = make([]QueueItem, len(shown))
	for i, l := range shown {
		v.Items[i] = QueueItemOf(me, l, now)
	}
	v.First = from + 1
	if v.PageNum > 1 {
		v.PrevURL = queuePageURL(v.PageNum - 1)
	}
	if v.PageNum < v.Pages {
		v.NextURL = queuePageURL(v.PageNum + 1)
	}
	return v
}

func queuePageURL(n int) string {
	if n == 1 {
		return "/leads/queue"
	}
	return "/leads/queue?page=" + strconv.Itoa(n)
}

// RejectedOf is the rejected-leads page: the summary by reason over the
// last days (one of windows), and one page of the leads behind it,
// narrowed to reason if not empty.
func RejectedOf(p components.Page, summary []leads.ReasonCount, page leads.Page, q url.Values, reason leads.Reason,
	days int, windows []int, showQueue, showRouting bool) Rejected {
	v := Rejected{Page: p, Summary: summary, Reason: string(reason), Rows: Rows(page.Leads, time.Time{}), Days: days,
		Windows: windows, ShowQueue: showQueue, ShowRouting: showRouting, NextURL: nextURL("/leads/rejected", q, page.Next)}
	for _, c := range summary {
		v.Total += c.Count
	}
	return v
}

// leadRows keeps the lead list's rows as HTML: the list is read far more
// often than its leads change, and its rows were most of its rendering
// at 1M leads (templ formats each of a row's dozen values on its own).
var leadRows = components.NewFragments[leadRowKey](8192)

// leadRowKey is everything a row shows, as shown to its viewer.
type leadRowKey struct {
	id                               int64
	company, contact, email, owner   string
	stage                            leads.Stage
	slaApplies, slaOpen, slaBreached bool
	handedOff, value                 string
}

// leadRow is one lead of the list.
func leadRow(p components.Page, r Row) templ.Component {
	l := r.Lead
	handedOff := ""
	if l.HandedOffAt != nil {
		handedOff = p.Date(*l.HandedOffAt)
	}
	value := money("", l.DealValue)
	key := leadRowKey{id: l.ID, company: l.Company, contact: l.ContactName, email: l.Email, owner: l.OwnerName,
		stage: l.Stage, slaApplies: r.SLA.Applies, slaOpen: r.SLA.Open, slaBreached: r.SLA.Breached,
		handedOff: handedOff, value: value}
	return leadRows.Of(key, "", func() templ.Component { return leadRowOf(r, handedOff, value) })
}
