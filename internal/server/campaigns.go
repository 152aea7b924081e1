package server

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"tandem/internal/campaigns"
	"tandem/internal/kpi"
	"tandem/internal/users"
	"tandem/web/components"
	campaignpages "tandem/web/pages/campaigns"
)

// campaignRoutes: marketing (any role) and admins run campaigns; sales and
// service acknowledge notices; everyone signed in reads and asks. The
// product alert routes live in alerts.go.
func (s *Server) campaignRoutes() []route {
	marketing := inTeams(users.Marketing)
	return slices.Concat([]route{
		{"GET", "/campaigns", signedIn, s.campaignList},
		{"GET", "/campaigns/new", marketing, s.campaignNewForm},
		{"POST", "/campaigns", marketing, s.campaignCreate},
		{"GET", "/campaigns/calendar", signedIn, s.campaignCalendar},
		{"GET", "/campaigns/{id}", signedIn, s.campaignDetail},
		{"GET", "/campaigns/{id}/edit", marketing, s.campaignEditForm},
		{"POST", "/campaigns/{id}", marketing, s.campaignUpdate},
		{"POST", "/campaigns/{id}/announce", marketing, s.campaignAnnounce},
		{"POST", "/campaigns/{id}/ack", inTeams(users.Sales, users.Service), s.campaignAck},
		{"POST", "/campaigns/{id}/comments", signedIn, s.campaignComment},
	}, s.alertRoutes())
}

// errNotAudience refuses an acknowledgement from outside sales and service
// (admins pass the route's check, being admins).
var errNotAudience = &httpError{http.StatusForbidden, "Not for your team",
	"Campaign notices are acknowledged by the sales and service teams, and readiness is measured on them. " +
		"There is nothing for you to acknowledge here."}

// today is the business calendar day now.
func (s *Server) today() time.Time { return campaigns.Day(time.Now(), s.cfg.Location) }

func canRunCampaigns(u *users.User) bool { return u.IsAdmin() || u.Team == users.Marketing }

// backTo is the same-site page a form was posted from, else fallback.
func backTo(r *http.Request, fallback string) string {
	ref, err := url.Parse(r.Referer())
	if r.Referer() == "" || err != nil || ref.Host != r.Host {
		return fallback
	}
	return safeNext(ref.RequestURI())
}

func campaignPath(id int64) string { return "/campaigns/" + strconv.FormatInt(id, 10) }

func (s *Server) campaignFromPath(r *http.Request) (campaigns.Campaign, error) {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return campaigns.Campaign{}, errNotFound
	}
	return s.campaign.Get(r.Context(), id)
}

// calendarDay writes a campaign date (a calendar day, no timezone).
func calendarDay(t time.Time) string { return t.Format("Mon 2 Jan 2006") }

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

// percentText is n of "of" in whole percent, rounded as every page rounds
// (kpi.Shown), "—" when there is nothing to count.
func percentText(n, of int) string {
	if of == 0 {
		return "—"
	}
	return strconv.FormatFloat(kpi.Shown(kpi.Percent, float64(n)/float64(of))*100, 'f', 0, 64) + "\u00a0%"
}

// readinessText is "6 of 7 (86 %)", rounded as the KPI pages round
// (Readiness.Percent); "—" for a draft or when nobody was measured.
func readinessText(c campaigns.Campaign, r campaigns.Readiness) string {
	pct, ok := r.Percent()
	if !c.Announced || !ok {
		return "—"
	}
	return strconv.Itoa(r.Ready) + " of " + strconv.Itoa(r.Eligible) + " (" + strconv.Itoa(pct) + "\u00a0%)"
}

func campaignItem(row campaigns.Row, today time.Time, viewerAcks bool) campaignpages.Item {
	st := row.Status(today)
	it := campaignpages.Item{
		ID: row.ID, Name: row.Name, Channel: row.Channel.Label(), Owner: row.OwnerName,
		Launch: calendarDay(row.LaunchOn), LaunchISO: dayISO(row.LaunchOn), End: calendarDay(row.EndOn), EndISO: dayISO(row.EndOn),
		Status: st.Label(), StatusClass: statusClass(st), Late: row.LateNotice,
		Readiness: readinessText(row.Campaign, row.Readiness),
	}
	if viewerAcks {
		it.Ack = string(row.AckState())
	}
	return it
}

func viewOptions() []components.Option {
	opts := make([]components.Option, len(campaigns.Views))
	for i, v := range campaigns.Views {
		opts[i] = components.Option{Value: string(v), Label: v.Label()}
	}
	return opts
}

// campaignList is the list of campaigns and, for sales and service, the
// notices page: what waits for their acknowledgement comes first.
func (s *Server) campaignList(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	q := r.URL.Query()
	view := campaigns.View(q.Get("view"))
	if !view.Valid() {
		return badRequest("Unknown view; pick one from the list.")
	}
	page := queryPage(q)
	now := time.Now()
	today := campaigns.Day(now, s.cfg.Location)
	rows, total, err := s.campaign.List(r.Context(), me.ID, view, now, page)
	if err != nil {
		return err
	}
	viewerAcks := campaigns.Acknowledges(*me)
	var pending []campaigns.Row
	if viewerAcks {
		if pending, err = s.campaign.Pending(r.Context(), me.ID, now); err != nil {
			return err
		}
	}
	v := campaignpages.List{
		Page: s.page(w, r, "Campaigns and notices", "campaigns"), Audience: viewerAcks,
		View: string(view), Views: viewOptions(), Total: total,
		CanCreate: canRunCampaigns(me), CanAlert: canPostAlerts(me),
	}
	for _, row := range pending {
		v.Pending = append(v.Pending, campaignItem(row, today, true))
	}
	for _, row := range rows {
		v.Rows = append(v.Rows, campaignItem(row, today, viewerAcks))
	}
	pageURL := func(n int) string {
		q.Set("page", strconv.Itoa(n))
		return "/campaigns?" + q.Encode()
	}
	if page > 1 {
		v.PrevURL = pageURL(page - 1)
	}
	if page*campaigns.ListPageSize < total {
		v.NextURL = pageURL(page + 1)
	}
	return s.render(w, r, http.StatusOK, campaignpages.ListPage(v))
}

func campaignForm(r *http.Request) campaigns.Form {
	return campaigns.Form{
		Name: r.PostFormValue("name"), Channel: r.PostFormValue("channel"), Audience: r.PostFormValue("audience"),
		Offer: r.PostFormValue("offer"), TalkingPoints: r.PostFormValue("talking_points"),
		LaunchOn: r.PostFormValue("launch_on"), EndOn: r.PostFormValue("end_on"),
		ExpectedLeads: r.PostFormValue("expected_leads"), Budget: r.PostFormValue("budget"),
		OwnerID: r.PostFormValue("owner_id"), LateReason: r.PostFormValue("late_reason"),
	}
}

// renderCampaignForm shows the form for a new campaign (c.ID 0) or an edit.
func (s *Server) renderCampaignForm(w http.ResponseWriter, r *http.Request, status int, c campaigns.Campaign,
	f campaigns.Form, errs campaigns.FieldErrors) error {
	owners, err := s.campaign.Owners(r.Context())
	if err != nil {
		return err
	}
	title := "New campaign"
	if c.ID != 0 {
		title = "Edit " + c.Name
	}
	v := campaignpages.Form{
		Page: s.page(w, r, title, "campaigns"), ID: c.ID, Version: c.Version, Announced: c.Announced,
		Name: f.Name, Channel: f.Channel, Audience: f.Audience, Offer: f.Offer, TalkingPoints: f.TalkingPoints,
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
	return s.render(w, r, status, campaignpages.FormPage(v))
}

func (s *Server) campaignNewForm(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	f := campaigns.Form{Channel: string(campaigns.Email)}
	if me.Team == users.Marketing {
		f.OwnerID = strconv.FormatInt(me.ID, 10)
	}
	return s.renderCampaignForm(w, r, http.StatusOK, campaigns.Campaign{}, f, nil)
}

func (s *Server) campaignCreate(w http.ResponseWriter, r *http.Request) error {
	f := campaignForm(r)
	c, err := s.campaign.Create(r.Context(), currentUser(r).ID, f)
	var fe campaigns.FieldErrors
	if errors.As(err, &fe) {
		return s.renderCampaignForm(w, r, http.StatusUnprocessableEntity, campaigns.Campaign{}, f, fe)
	}
	if err != nil {
		return err
	}
	s.flash(w, "success", "Draft saved. Announce it to sales and service when the talking points are ready.")
	return redirect(w, r, campaignPath(c.ID))
}

func (s *Server) campaignEditForm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignFromPath(r)
	if err != nil {
		return err
	}
	return s.renderCampaignForm(w, r, http.StatusOK, c, campaigns.FormOf(c), nil)
}

func (s *Server) campaignUpdate(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignFromPath(r)
	if err != nil {
		return err
	}
	version, ok := formInt(r, "version")
	if !ok {
		return badRequest("The form lacks its version; reload the page and try again.")
	}
	f := campaignForm(r)
	updated, err := s.campaign.Update(r.Context(), currentUser(r).ID, c.ID, version, f)
	var fe campaigns.FieldErrors
	if errors.As(err, &fe) {
		return s.renderCampaignForm(w, r, http.StatusUnprocessableEntity, c, f, fe)
	}
	if err != nil {
		return err
	}
	msg := "Changes saved."
	if updated.Revision > c.Revision && c.Announced {
		msg = "Saved as revision " + strconv.Itoa(updated.Revision) +
			" of the talking points. Everyone who acknowledged is asked to read it and acknowledge again."
	}
	s.flash(w, "success", msg)
	return redirect(w, r, campaignPath(c.ID))
}

func (s *Server) campaignAnnounce(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignFromPath(r)
	if err != nil {
		return err
	}
	version, ok := formInt(r, "version")
	if !ok {
		return badRequest("The form lacks its version; reload the page and try again.")
	}
	reason := r.PostFormValue("late_reason")
	announced, err := s.campaign.Announce(r.Context(), currentUser(r).ID, c.ID, version, reason, time.Now())
	var fe campaigns.FieldErrors
	switch {
	case errors.As(err, &fe):
		return s.renderCampaign(w, r, http.StatusUnprocessableEntity, c, campaignExtras{announceErrs: fe, announceReason: reason})
	case errors.Is(err, campaigns.ErrAlreadyAnnounced):
		return &httpError{http.StatusConflict, "Announced already",
			"Someone announced this campaign while you were looking at it. Reload the page to see its notice."}
	case errors.Is(err, campaigns.ErrEnded):
		return badRequest("This campaign has ended; there is nothing left to announce. Change its dates first if it runs again.")
	case err != nil:
		return err
	}
	msg := "Announced to sales and service."
	if announced.LateNotice {
		msg = "Announced to sales and service, marked as a late notice."
	}
	s.flash(w, "success", msg)
	return redirect(w, r, campaignPath(c.ID))
}

func (s *Server) campaignAck(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignFromPath(r)
	if err != nil {
		return err
	}
	res, err := s.campaign.Acknowledge(r.Context(), *currentUser(r), c.ID, time.Now())
	switch {
	case errors.Is(err, campaigns.ErrNotAudience):
		return errNotAudience
	case errors.Is(err, campaigns.ErrNotAnnounced):
		return badRequest("This campaign is still a draft: there is no notice to acknowledge yet.")
	case err != nil:
		return err
	}
	switch res {
	case campaigns.AckNew:
		s.flash(w, "success", "Acknowledged: "+c.Name+".")
	case campaigns.AckRenewed:
		s.flash(w, "success", "Acknowledged the new talking points of "+c.Name+".")
	default:
		s.flash(w, "info", "You had already acknowledged "+c.Name+".")
	}
	return redirect(w, r, backTo(r, campaignPath(c.ID)))
}

func (s *Server) campaignComment(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignFromPath(r)
	if err != nil {
		return err
	}
	var parent int64
	if raw := r.PostFormValue("parent_id"); raw != "" {
		var ok bool
		if parent, ok = pathID(raw); !ok {
			return badRequest("You can reply only to a question on this campaign.")
		}
	}
	body := r.PostFormValue("body")
	comment, err := s.campaign.AddComment(r.Context(), *currentUser(r), c.ID, parent, body)
	var fe campaigns.FieldErrors
	switch {
	case errors.As(err, &fe):
		return s.renderCampaign(w, r, http.StatusUnprocessableEntity, c, campaignExtras{
			commentErrs: map[int64]string{parent: fe["body"]}, commentValues: map[int64]string{parent: body}})
	case errors.Is(err, campaigns.ErrBadParent):
		return badRequest("You can reply only to a question on this campaign.")
	case err != nil:
		return err
	}
	if parent == 0 {
		s.flash(w, "success", "Question posted. "+c.OwnerName+", the campaign's owner, is told.")
	} else {
		s.flash(w, "success", "Answer posted; the person who asked is told.")
	}
	return redirect(w, r, campaignPath(c.ID)+"#comment-"+strconv.FormatInt(comment.ID, 10))
}

func (s *Server) campaignDetail(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignFromPath(r)
	if err != nil {
		return err
	}
	return s.renderCampaign(w, r, http.StatusOK, c, campaignExtras{})
}

// campaignExtras are what a refused form on the campaign page sends back.
type campaignExtras struct {
	announceErrs   campaigns.FieldErrors
	announceReason string
	commentErrs    map[int64]string
	commentValues  map[int64]string
}

func (s *Server) renderCampaign(w http.ResponseWriter, r *http.Request, status int, c campaigns.Campaign, x campaignExtras) error {
	ctx := r.Context()
	me := currentUser(r)
	today := s.today()
	revisions, err := s.campaign.Revisions(ctx, c.ID)
	if err != nil {
		return err
	}
	readiness, err := s.campaign.ReadinessAt(ctx, c.ID, time.Now())
	if err != nil {
		return err
	}
	comments, err := s.campaign.Comments(ctx, c.ID)
	if err != nil {
		return err
	}
	results, err := s.campaign.Results(ctx, c.ID)
	if err != nil {
		return err
	}
	p := s.page(w, r, c.Name, "campaigns")
	st := c.Status(today)
	v := campaignpages.Detail{
		Page: p, ID: c.ID, Version: c.Version, Name: c.Name, Channel: c.Channel.Label(), Audience: c.Audience, Offer: c.Offer,
		Launch: calendarDay(c.LaunchOn), LaunchISO: dayISO(c.LaunchOn), End: calendarDay(c.EndOn), EndISO: dayISO(c.EndOn),
		ExpectedLeads: strconv.Itoa(c.ExpectedLeads), Budget: campaigns.FormatMoney(c.BudgetCents), Owner: c.OwnerName,
		Status: st.Label(), StatusClass: statusClass(st), CanEdit: canRunCampaigns(me),
		TalkingPoints: campaigns.RenderMarkdown(c.TalkingPoints),
		Announced:     c.Announced, Late: c.LateNotice, LateReason: c.LateReason, Revision: c.Revision,
		NoticeDays: c.NoticeDays, ViewerAcks: campaigns.Acknowledges(*me), IsManager: me.IsManager(),
		AnnounceErrors: x.announceErrs, AnnounceReason: x.announceReason,
		CommentErrors: x.commentErrs, CommentValues: x.commentValues,
		Results: resultsView(results),
	}
	if c.Announced {
		v.AnnouncedAt, v.AnnouncedAtISO = p.DateTime(c.AnnouncedAt), components.ISO(c.AnnouncedAt)
		v.NoticeLead = campaigns.LeadPhrase(c.NoticeLead)
	}
	for _, rev := range revisions {
		v.Revisions = append(v.Revisions, campaignpages.RevisionLine{Revision: rev.Revision, By: rev.EditedBy,
			At: p.DateTime(rev.At), AtISO: components.ISO(rev.At), HTML: campaigns.RenderMarkdown(rev.TalkingPoints)})
	}
	v.Readiness = readinessView(c, today, readiness)
	if c.Announced && v.ViewerAcks {
		mine, at, err := s.campaign.MyAck(ctx, c.ID, me.ID)
		if err != nil {
			return err
		}
		v.MyAck = string(campaigns.Row{Campaign: c, MyRevision: mine}.AckState())
		if !at.IsZero() {
			v.MyAckedAt = p.DateTime(at)
		}
	}
	if c.Announced && v.IsManager {
		v.NotReady = notReadyView(readiness, today.Before(c.LaunchOn), p)
	}
	if v.CanEdit && !c.Announced {
		set, err := s.settings.Get(ctx)
		if err != nil {
			return err
		}
		now := time.Now()
		lead := campaigns.NoticeLead(c.LaunchOn, now, s.cfg.Location)
		v.AnnounceLate = campaigns.IsLate(c.LaunchOn, now, set.NoticeDays, s.cfg.Location)
		v.AnnounceNote = "Announcing now gives " + campaigns.LeadPhrase(lead) + " of notice; " +
			plural(set.NoticeDays, "day") + " are required."
		if v.AnnounceLate {
			v.AnnounceNote += " It will be marked as a late notice everywhere it is shown, with your reason."
		} else {
			v.AnnounceNote += " That is on time."
		}
		if c.TalkingPoints == "" {
			v.AnnounceNote += " Add talking points first: they are what sales and service read."
		}
	}
	for _, q := range comments {
		cv := commentView(q, p)
		for _, reply := range q.Replies {
			cv.Replies = append(cv.Replies, commentView(reply, p))
		}
		v.Questions = append(v.Questions, cv)
	}
	return s.render(w, r, status, campaignpages.DetailPage(v))
}

func commentView(c campaigns.Comment, p components.Page) campaignpages.CommentView {
	return campaignpages.CommentView{ID: c.ID, Author: c.AuthorName, Team: c.AuthorTeam.Label(),
		At: p.DateTime(c.CreatedAt), AtISO: components.ISO(c.CreatedAt), Body: c.Body}
}

func readinessView(c campaigns.Campaign, today time.Time, r campaigns.ReadinessReport) campaignpages.ReadinessView {
	v := campaignpages.ReadinessView{Figure: readinessText(c, r.Total)}
	if !c.Announced {
		v.Note = "Measured once the notice is announced: the share of sales and service who acknowledge before launch."
		return v
	}
	upcoming := today.Before(c.LaunchOn)
	v.Percent, v.Known = r.Total.Percent()
	for _, t := range r.Teams {
		line := campaignpages.TeamReadinessLine{Team: t.Team.Label(), Figure: readinessText(c, t.Readiness)}
		if t.Eligible == 0 {
			line.Figure = "nobody measured"
		}
		v.Teams = append(v.Teams, line)
	}
	switch {
	case !v.Known && upcoming:
		v.Note = "Nobody is measured yet: sales and service have no active members. Launch is on " + calendarDay(c.LaunchOn) + "."
	case !v.Known:
		v.Note = "Nobody was measured: sales and service had no active members who joined before launch."
	case upcoming:
		v.Note = "Share of active sales and service people who have acknowledged the current talking points; launch is on " +
			calendarDay(c.LaunchOn) + "."
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

func notReadyView(r campaigns.ReadinessReport, upcoming bool, p components.Page) []campaignpages.TeamPeople {
	out := make([]campaignpages.TeamPeople, len(r.Teams))
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
			out[i].People = append(out[i].People, campaignpages.PersonLine{Name: person.Name, State: state})
		}
	}
	return out
}

func resultsView(r campaigns.Results) campaignpages.ResultsView {
	n := strconv.Itoa
	v := campaignpages.ResultsView{
		Metrics: []campaignpages.Metric{
			{Label: "Leads sourced", Value: n(r.Sourced), URL: r.URL()},
			{Label: "Handed off to sales", Value: n(r.HandedOff), URL: r.URL("sort", "handed_off")},
			{Label: "Accepted", Value: n(r.Accepted), Parts: []campaignpages.Metric{
				{Label: "still accepted", Value: n(r.AcceptedBy[0]), URL: r.URL("stage", "accepted")},
				{Label: "opportunity", Value: n(r.AcceptedBy[1]), URL: r.URL("stage", "opportunity")},
				{Label: "won", Value: n(r.AcceptedBy[2]), URL: r.URL("stage", "won")},
				{Label: "lost", Value: n(r.AcceptedBy[3]), URL: r.URL("stage", "lost")},
			}},
			{Label: "Rejected", Value: n(r.Rejected), URL: r.URL("sort", "rejected")},
			{Label: "Won", Value: n(r.Won), URL: r.URL("stage", "won")},
			{Label: "Won value", Value: campaigns.FormatMoney(r.WonValueCents), URL: r.URL("stage", "won")},
		},
		Conversion: "—",
		CostPerWon: "—",
		Empty:      r.Sourced == 0,
	}
	if conv, ok := r.Conversion(); ok {
		v.Conversion = strconv.FormatFloat(conv*100, 'f', 1, 64) + "\u00a0%"
	}
	if cost, ok := r.CostPerWonCents(); ok {
		v.CostPerWon = campaigns.FormatMoney(cost)
	}
	for _, rc := range r.Rejections {
		u := r.URL("sort", "rejected")
		if rc.Code != "" {
			u = r.URL("sort", "rejected", "reason", rc.Code)
		}
		v.Rejections = append(v.Rejections, campaignpages.Metric{Label: rc.Label, Value: n(rc.Count), URL: u})
	}
	return v
}

// campaignCalendar is the month grid: launches, running campaigns, late
// notices marked.
func (s *Server) campaignCalendar(w http.ResponseWriter, r *http.Request) error {
	today := s.today()
	month, ok := campaigns.ParseMonth(r.URL.Query().Get("month"), today)
	if !ok {
		return badRequest("Ask for a month as YYYY-MM, e.g. 2026-03.")
	}
	m, err := s.campaign.Calendar(r.Context(), month, today)
	if err != nil {
		return err
	}
	prev, next := month.AddDate(0, -1, 0), month.AddDate(0, 1, 0)
	v := campaignpages.Calendar{
		Page:    s.page(w, r, "Campaign calendar", "campaigns"),
		Month:   month.Format("January 2006"),
		PrevURL: "/campaigns/calendar?month=" + prev.Format("2006-01"), PrevName: prev.Format("January"),
		NextURL: "/campaigns/calendar?month=" + next.Format("2006-01"), NextName: next.Format("January"),
		TodayURL: "/campaigns/calendar",
	}
	seen := map[int64]bool{}
	for _, week := range m.Weeks {
		var row [7]campaignpages.CalendarDay
		for i, d := range week {
			cell := campaignpages.CalendarDay{Day: strconv.Itoa(d.Date.Day()), Label: d.Date.Format("Monday 2 January 2006"),
				ISO: dayISO(d.Date), InMonth: d.InMonth, Today: d.Today}
			for _, e := range d.Entries {
				cell.Entries = append(cell.Entries, campaignpages.CalendarEntry{ID: e.Campaign.ID, Name: e.Campaign.Name,
					Launch: e.Launch, Late: e.Campaign.LateNotice, Draft: !e.Campaign.Announced})
				if d.InMonth && !seen[e.Campaign.ID] {
					seen[e.Campaign.ID] = true
					v.InMonth = append(v.InMonth, campaignItem(campaigns.Row{Campaign: e.Campaign}, today, false))
				}
			}
			row[i] = cell
		}
		v.Weeks = append(v.Weeks, row)
	}
	return s.render(w, r, http.StatusOK, campaignpages.CalendarPage(v))
}
