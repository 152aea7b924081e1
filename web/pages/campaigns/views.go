package campaigns

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"tandem/internal/campaigns"
	"tandem/internal/format"
	"tandem/internal/users"
	"tandem/web/components"
)

// CalendarDayText writes a campaign date (a calendar day, no timezone).
func CalendarDayText(t time.Time) string { return t.Format("Mon 2 Jan 2006") }

func dayISO(t time.Time) string { return t.Format("2006-01-02") }

func statusClass(st campaigns.Status) string {
	switch st {
	case campaigns.Announced:
		return "tag-info"
	case campaigns.Live:
		return "tag-good"
	}
	return ""
}

// readinessText is "6 of 7 (86 %)", rounded as the KPI pages round;
// "—" for a draft or when nobody was measured.
func readinessText(c campaigns.Campaign, r campaigns.Readiness) string {
	if !c.Announced || r.Eligible == 0 {
		return "—"
	}
	return strconv.Itoa(r.Ready) + " of " + strconv.Itoa(r.Eligible) + " (" + format.PercentOf(r.Ready, r.Eligible) + ")"
}

// ItemOf is a campaign as a list shows it on the calendar day today;
// viewerAcks adds the viewer's acknowledgement.
func ItemOf(row campaigns.Row, today time.Time, viewerAcks bool) Item {
	st := row.Status(today)
	it := Item{
		ID: row.ID, Name: row.Name, Channel: row.Channel.Label(), Owner: row.OwnerName,
		Launch: CalendarDayText(row.LaunchOn), LaunchISO: dayISO(row.LaunchOn),
		End: CalendarDayText(row.EndOn), EndISO: dayISO(row.EndOn),
		Status: st.Label(), StatusClass: statusClass(st), Late: row.LateNotice,
		Readiness: readinessText(row.Campaign, row.Readiness),
	}
	if viewerAcks {
		it.Ack = string(row.AckState())
	}
	return it
}

// ListInput is what the list page shows: a page of rows (page counts from
// 1), the notices pending for the viewer and the query it was asked with.
type ListInput struct {
	View       campaigns.View
	Query      url.Values
	PageNo     int
	Rows       []campaigns.Row
	Total      int
	Pending    []campaigns.Row
	Today      time.Time
	ViewerAcks bool
	CanCreate  bool
	CanAlert   bool
}

// ListOf is the list page's view.
func ListOf(p components.Page, in ListInput) List {
	v := List{
		Page: p, Audience: in.ViewerAcks, View: string(in.View), Views: viewOptions(), Total: in.Total,
		CanCreate: in.CanCreate, CanAlert: in.CanAlert,
	}
	for _, row := range in.Pending {
		v.Pending = append(v.Pending, ItemOf(row, in.Today, true))
	}
	for _, row := range in.Rows {
		v.Rows = append(v.Rows, ItemOf(row, in.Today, in.ViewerAcks))
	}
	pageURL := func(n int) string {
		q := url.Values{}
		for k, vs := range in.Query {
			q[k] = vs
		}
		q.Set("page", strconv.Itoa(n))
		return "/campaigns?" + q.Encode()
	}
	if in.PageNo > 1 {
		v.PrevURL = pageURL(in.PageNo - 1)
	}
	if in.PageNo*campaigns.ListPageSize < in.Total {
		v.NextURL = pageURL(in.PageNo + 1)
	}
	return v
}

func viewOptions() []components.Option {
	opts := make([]components.Option, len(campaigns.Views))
	for i, v := range campaigns.Views {
		opts[i] = components.Option{Value: string(v), Label: v.Label()}
	}
	return opts
}

// FormOf is the campaign form for a new campaign (c.ID 0) or an edit of c,
// filled with f; owners are the active marketers who may own it.
func FormOf(p components.Page, c campaigns.Campaign, f campaigns.Form, errs map[string]string, owners []users.User) Form {
	v := Form{
		Page: p, ID: c.ID, Version: c.Version, Announced: c.Announced,
		Name: f.Name, Channel: f.Channel, Audience: f.Audience, Offer: f.Offer, Key: f.Key, TalkingPoints: f.TalkingPoints,
		LaunchOn: f.LaunchOn, EndOn: f.EndOn, ExpectedLeads: f.ExpectedLeads, Budget: f.Budget, OwnerID: f.OwnerID,
		LateReason: f.LateReason, Errors: errs,
		ChannelOptions: []components.Option{{Value: "", Label: "Choose a channel"}},
		OwnerOptions:   []components.Option{{Value: "", Label: "Choose an owner"}},
	}
	for _, ch := range campaigns.Channels {
		v.ChannelOptions = append(v.ChannelOptions, components.Option{Value: string(ch), Label: ch.Label()})
	}
	current := false
	for _, o := range owners {
		id := strconv.FormatInt(o.ID, 10)
		current = current || id == f.OwnerID
		v.OwnerOptions = append(v.OwnerOptions, components.Option{Value: id, Label: o.Name})
	}
	if !current && c.ID != 0 && f.OwnerID == strconv.FormatInt(c.OwnerID, 10) {
		// A deactivated owner stays selectable on their own campaign.
		v.OwnerOptions = append(v.OwnerOptions, components.Option{Value: f.OwnerID, Label: c.OwnerName + " (deactivated)"})
	}
	return v
}

// FormTitle is the form page's title.
func FormTitle(c campaigns.Campaign) string {
	if c.ID != 0 {
		return "Edit " + c.Name
	}
	return "New campaign"
}

// CalendarOf is the month grid of m, with month's neighbours linked.
func CalendarOf(p components.Page, month time.Time, m campaigns.Month, today time.Time) Calendar {
	prev, next := month.AddDate(0, -1, 0), month.AddDate(0, 1, 0)
	v := Calendar{
		Page:    p,
		Month:   month.Format("January 2006"),
		PrevURL: "/campaigns/calendar?month=" + prev.Format("2006-01"), PrevName: prev.Format("January"),
		NextURL: "/campaigns/calendar?month=" + next.Format("2006-01"), NextName: next.Format("January"),
		TodayURL: "/campaigns/calendar",
	}
	seen := map[int64]bool{}
	for _, week := range m.Weeks {
		var row [7]CalendarDay
		for i, d := range week {
			cell := CalendarDay{Day: strconv.Itoa(d.Date.Day()), Label: d.Date.Format("Monday 2 January 2006"),
				ISO: dayISO(d.Date), InMonth: d.InMonth, Today: d.Today}
			for _, e := range d.Entries {
				cell.Entries = append(cell.Entries, CalendarEntry{ID: e.Campaign.ID, Name: e.Campaign.Name,
					Launch: e.Launch, Late: e.Campaign.LateNotice, Draft: !e.Campaign.Announced})
				if d.InMonth && !seen[e.Campaign.ID] {
					seen[e.Campaign.ID] = true
					v.InMonth = append(v.InMonth, ItemOf(campaigns.Row{Campaign: e.Campaign}, today, false))
				}
			}
			row[i] = cell
		}
		v.Weeks = append(v.Weeks, row)
	}
	return v
}

// CommentOf is a question or a reply as shown.
func CommentOf(c campaigns.Comment, p components.Page) CommentView {
	return CommentView{ID: c.ID, Author: c.AuthorName, Team: c.AuthorTeam.Label(),
		At: p.DateTime(c.CreatedAt), AtISO: components.ISO(c.CreatedAt), Body: c.Body}
}

// ReadinessOf is the readiness figure of c on the calendar day today.
func ReadinessOf(c campaigns.Campaign, today time.Time, r campaigns.ReadinessReport) ReadinessView {
	v := ReadinessView{Figure: readinessText(c, r.Total)}
	if !c.Announced {
		v.Note = "Measured once the notice is announced: the share of sales and service who acknowledge before launch."
		return v
	}
	upcoming := today.Before(c.LaunchOn)
	v.Percent, v.Known = r.Total.Percent()
	for _, t := range r.Teams {
		line := TeamReadinessLine{Team: t.Team.Label(), Figure: readinessText(c, t.Readiness)}
		if t.Eligible == 0 {
			line.Figure = "nobody measured"
		}
		v.Teams = append(v.Teams, line)
	}
	switch {
	case !v.Known && upcoming:
		v.Note = "Nobody is measured yet: sales and service have no active members. Launch is on " + CalendarDayText(c.LaunchOn) + "."
	case !v.Known:
		v.Note = "Nobody was measured: sales and service had no active members who joined before launch."
	case upcoming:
		v.Note = "Share of active sales and service people who have acknowledged the current talking points; launch is on " +
			CalendarDayText(c.LaunchOn) + "."
	default:
		v.Note = "Share of active sales and service people who had acknowledged, before launch, the talking points in force at launch; " +
			"people who joined later are not counted."
	}
	return v
}

// nobodyMeasured says why a team has nobody to be ready: an empty team
// is not a team where everyone acknowledged.
func nobodyMeasured(team users.Team, upcoming bool) string {
	name := strings.ToLower(team.Label())
	if upcoming {
		return "Nobody in " + name + " is measured yet: the team has no active members."
	}
	return "Nobody in " + name + " was measured: no active members who joined before launch."
}

// NotReadyOf lists, per team, who is not ready and why (for managers).
func NotReadyOf(r campaigns.ReadinessReport, upcoming bool, p components.Page) []TeamPeople {
	out := make([]TeamPeople, len(r.Teams))
	for i, t := range r.Teams {
		out[i].Team = t.Team.Label()
		if t.Eligible == 0 {
			out[i].Nobody = nobodyMeasured(t.Team, upcoming)
		}
		for _, person := range r.NotReady {
			if person.Team != t.Team {
				continue
			}
			state := "not acknowledged"
			switch {
			case person.Why == campaigns.AcknowledgedLate:
				state = "acknowledged only after launch, " + p.DateTime(person.AckedAt)
			case person.Why == campaigns.EarlierRevision && upcoming:
				state = "acknowledged an earlier revision"
			case person.Why == campaigns.EarlierRevision:
				state = "had acknowledged only an earlier revision by launch"
			}
			out[i].People = append(out[i].People, PersonLine{Name: person.Name, State: state})
		}
	}
	return out
}

// ResultsOf is the closed loop of a campaign: its leads, each number a link.
func ResultsOf(p components.Page, r campaigns.Results) ResultsView {
	n := strconv.Itoa
	v := ResultsView{
		Metrics: []Metric{
			{Label: "Leads sourced", Value: n(r.Sourced), URL: r.URL()},
			{Label: "Handed off to sales", Value: n(r.HandedOff), URL: r.URL("sort", "handed_off")},
			{Label: "Accepted", Value: n(r.Accepted), Parts: []Metric{
				{Label: "still accepted", Value: n(r.AcceptedBy[0]), URL: r.URL("stage", "accepted")},
				{Label: "opportunity", Value: n(r.AcceptedBy[1]), URL: r.URL("stage", "opportunity")},
				{Label: "won", Value: n(r.AcceptedBy[2]), URL: r.URL("stage", "won")},
				{Label: "lost", Value: n(r.AcceptedBy[3]), URL: r.URL("stage", "lost")},
			}},
			{Label: "Rejected", Value: n(r.Rejected), URL: r.URL("sort", "rejected")},
			{Label: "Won", Value: n(r.Won), URL: r.URL("stage", "won")},
			{Label: "Won value", Value: p.MoneyCents(r.WonValueCents), URL: r.URL("stage", "won")},
		},
		Conversion: "—",
		CostPerWon: "—",
		Empty:      r.Sourced == 0,
	}
	if conv, ok := r.Conversion(); ok {
		// One decimal: a campaign's conversion is often a few percent.
		v.Conversion = strconv.FormatFloat(conv*100, 'f', 1, 64) + " %"
	}
	if cost, ok := r.CostPerWonCents(); ok {
		v.CostPerWon = p.MoneyCents(cost)
	}
	for _, rc := range r.Rejections {
		u := r.URL("sort", "rejected")
		if rc.Code != "" {
			u = r.URL("sort", "rejected", "reason", rc.Code)
		}
		v.Rejections = append(v.Rejections, Metric{Label: rc.Label, Value: n(rc.Count), URL: u})
	}
	return v
}

// DetailInput is what the campaign page is made of besides the campaign.
type DetailInput struct {
	Campaign   campaigns.Campaign
	Today      time.Time
	Revisions  []campaigns.Revision
	Readiness  campaigns.ReadinessReport
	Comments   []campaigns.Comment
	Results    campaigns.Results
	CanEdit    bool
	ViewerAcks bool
	IsManager  bool
	// MyRevision and MyAckedAt are the viewer's acknowledgement (ViewerAcks).
	MyRevision int
	MyAckedAt  time.Time
	// How announcing now would stand (CanEdit, drafts): the notice it
	// would give, whether that is late and the days required.
	AnnounceLead time.Duration
	AnnounceLate bool
	NoticeDays   int
	// What a refused form on the page sends back.
	CommentErrors map[int64]string
	CommentValues map[int64]string
}

// DetailOf is the campaign page's view.
func DetailOf(p components.Page, in DetailInput) Detail {
	c := in.Campaign
	st := c.Status(in.Today)
	v := Detail{
		Page: p, ID: c.ID, Version: c.Version, Name: c.Name, Channel: c.Channel.Label(), Audience: c.Audience, Offer: c.Offer, Key: c.Key,
		Launch: CalendarDayText(c.LaunchOn), LaunchISO: dayISO(c.LaunchOn), End: CalendarDayText(c.EndOn), EndISO: dayISO(c.EndOn),
		ExpectedLeads: strconv.Itoa(c.ExpectedLeads), Budget: p.MoneyCents(c.BudgetCents), Owner: c.OwnerName,
		Status: st.Label(), StatusClass: statusClass(st), CanEdit: in.CanEdit,
		TalkingPoints: campaigns.RenderMarkdown(c.TalkingPoints),
		Announced:     c.Announced, Late: c.LateNotice, LateReason: c.LateReason, Revision: c.Revision,
		NoticeDays: c.NoticeDays, ViewerAcks: in.ViewerAcks, IsManager: in.IsManager,
		CommentErrors: in.CommentErrors, CommentValues: in.CommentValues,
		Results:   ResultsOf(p, in.Results),
		Readiness: ReadinessOf(c, in.Today, in.Readiness),
	}
	if c.Announced {
		v.AnnouncedAt, v.AnnouncedAtISO = p.DateTime(c.AnnouncedAt), components.ISO(c.AnnouncedAt)
		v.NoticeLead = campaigns.LeadPhrase(c.NoticeLead)
	}
	for _, rev := range in.Revisions {
		v.Revisions = append(v.Revisions, RevisionLine{Revision: rev.Revision, By: rev.EditedBy,
			At: p.DateTime(rev.At), AtISO: components.ISO(rev.At), HTML: campaigns.RenderMarkdown(rev.TalkingPoints)})
	}
	if c.Announced && in.ViewerAcks {
		v.MyAck = string(campaigns.Row{Campaign: c, MyRevision: in.MyRevision}.AckState())
		if !in.MyAckedAt.IsZero() {
			v.MyAckedAt = p.DateTime(in.MyAckedAt)
		}
	}
	if c.Announced && in.IsManager {
		v.NotReady = NotReadyOf(in.Readiness, in.Today.Before(c.LaunchOn), p)
	}
	if in.CanEdit && !c.Announced {
		v.AnnounceLate = in.AnnounceLate
		v.AnnounceNote = announceNote(in.AnnounceLead, in.AnnounceLate, in.NoticeDays, c.TalkingPoints != "")
	}
	for _, q := range in.Comments {
		cv := CommentOf(q, p)
		for _, reply := range q.Replies {
			cv.Replies = append(cv.Replies, CommentOf(reply, p))
		}
		v.Questions = append(v.Questions, cv)
	}
	return v
}

// announceNote says what announcing a draft now would give.
func announceNote(lead time.Duration, late bool, noticeDays int, hasPoints bool) string {
	note := "Announcing now gives " + campaigns.LeadPhrase(lead) + " of notice; " +
		format.Count(noticeDays, "day") + " are required."
	if late {
		note += " It will be marked as a late notice everywhere it is shown, with your reason."
	} else {
		note += " That is on time."
	}
	if !hasPoints {
		note += " Add talking points first: they are what sales and service read."
	}
	return note
}
