package server

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"tandem/internal/campaigns"
	"tandem/internal/refusal"
	"tandem/internal/users"
	campaignpages "tandem/web/pages/campaigns"
)

// today is the business calendar day now.
func (s *Server) today() time.Time { return campaigns.Day(time.Now(), s.cfg.Location) }

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
	v := campaignpages.ListOf(s.page(w, r, "Campaigns and notices", "campaigns"), campaignpages.ListInput{
		View: view, Query: q, PageNo: page, Rows: rows, Total: total, Pending: pending,
		Today: campaigns.Day(now, s.cfg.Location), ViewerAcks: viewerAcks,
		CanCreate: marketers.allow(me), CanAlert: alertPosters.allow(me),
	})
	return s.render(w, r, http.StatusOK, campaignpages.ListPage(v))
}

func campaignForm(r *http.Request) campaigns.Form {
	return campaigns.Form{
		Name: r.PostFormValue("name"), Channel: r.PostFormValue("channel"), Audience: r.PostFormValue("audience"),
		Offer: r.PostFormValue("offer"), Key: r.PostFormValue("key"), TalkingPoints: r.PostFormValue("talking_points"),
		LaunchOn: r.PostFormValue("launch_on"), EndOn: r.PostFormValue("end_on"),
		ExpectedLeads: r.PostFormValue("expected_leads"), Budget: r.PostFormValue("budget"),
		OwnerID: r.PostFormValue("owner_id"), LateReason: r.PostFormValue("late_reason"),
	}
}

// renderCampaignForm shows the form for a new campaign (c.ID 0) or an edit.
func (s *Server) renderCampaignForm(w http.ResponseWriter, r *http.Request, status int, c campaigns.Campaign,
	f campaigns.Form, errs map[string]string) error {
	owners, err := s.campaign.Owners(r.Context())
	if err != nil {
		return err
	}
	v := campaignpages.FormOf(s.page(w, r, campaignpages.FormTitle(c), "campaigns"), c, f, errs, owners)
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
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	c, err := s.campaign.Create(ctx, currentUser(r).ID, f)
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if k := refusal.KindOf(err); k != refusal.Unknown {
		return s.renderCampaignForm(w, r, refusalStatus(k), campaigns.Campaign{}, f, refusal.FieldMessages(err))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Draft saved. Announce it to sales and service when the talking points are ready.")
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
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	f := campaignForm(r)
	updated, err := s.campaign.Update(r.Context(), currentUser(r).ID, c.ID, version, f)
	if k := refusal.KindOf(err); k != refusal.Unknown {
		return s.renderCampaignForm(w, r, refusalStatus(k), c, f, refusal.FieldMessages(err))
	}
	if err != nil {
		return err
	}
	msg := "Changes saved."
	if updated.Revision > c.Revision && c.Announced {
		msg = "Saved as revision " + strconv.Itoa(updated.Revision) +
			" of the talking points. Everyone who acknowledged is asked to read it and acknowledge again."
	}
	s.flash(w, r, "success", msg)
	return redirect(w, r, campaignPath(c.ID))
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
	v := campaignpages.CalendarOf(s.page(w, r, "Campaign calendar", "campaigns"), month, m, today)
	return s.render(w, r, http.StatusOK, campaignpages.CalendarPage(v))
}
