package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tandem/internal/campaigns"
	"tandem/internal/refusal"
	"tandem/web/components"
	campaignpages "tandem/web/pages/campaigns"
)

// The campaign page and the forms on it: announce, acknowledge, ask and
// answer.

func (s *Server) campaignDetail(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignFromPath(r)
	if err != nil {
		return err
	}
	return s.renderCampaign(w, r, http.StatusOK, c, campaignExtras{})
}

// campaignAnnounceConfirm asks before announcing: GET /campaigns/{id}/announce.
func (s *Server) campaignAnnounceConfirm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignFromPath(r)
	if err != nil {
		return err
	}
	return s.renderAnnounce(w, r, http.StatusOK, c, "", announceRefusal(c, s.today()))
}

// announceRefusal is what Announce would refuse before anything is typed:
// an announced or ended campaign, talking points missing.
func announceRefusal(c campaigns.Campaign, today time.Time) error {
	switch {
	case c.Announced:
		return refusal.Conflicts("This campaign is announced already: sales and service have it as a notice.")
	case today.After(c.EndOn):
		return campaigns.ErrEnded
	case strings.TrimSpace(c.TalkingPoints) == "":
		return refusal.Invalidf("Add talking points before announcing: they are what sales and service will read.")
	}
	return nil
}

// renderAnnounce shows the confirm step for c with status; refused is a
// refusal of the announcement: a late reason's comes back next to the
// reason, any other instead of the button.
func (s *Server) renderAnnounce(w http.ResponseWriter, r *http.Request, status int, c campaigns.Campaign, reason string, refused error) error {
	ctx := r.Context()
	set, err := s.settings.Get(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	in := campaignpages.AnnounceInput{Campaign: c, Reason: reason, NoticeDays: set.NoticeDays,
		Lead: campaigns.NoticeLead(c.LaunchOn, now, s.cfg.Location),
		Late: campaigns.IsLate(c.LaunchOn, now, set.NoticeDays, s.cfg.Location)}
	if in.Audience, err = s.campaign.AudienceSize(ctx); err != nil {
		return err
	}
	if refused != nil {
		k := refusal.KindOf(refused)
		if k == refusal.Unknown {
			return refused
		}
		status = refusalStatus(k)
		if fe := refusal.FieldMessages(refused); fe["late_reason"] != "" && len(fe) == 1 {
			in.Errors = fe
		} else {
			ref, _, _ := refusal.As(refused)
			in.Refusal = ref.Message
		}
	}
	v := campaignpages.AnnounceOf(s.page(w, r, "Announce "+c.Name, "campaigns"), in)
	return s.render(w, r, status, campaignpages.AnnouncePage(v))
}

// campaignAnnounce announces c once confirmed (see confirmed); refusals
// come back on the confirm page.
func (s *Server) campaignAnnounce(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignFromPath(r)
	if err != nil {
		return err
	}
	reason := r.PostFormValue("late_reason")
	if !confirmed(r) {
		return s.renderAnnounce(w, r, http.StatusOK, c, reason, announceRefusal(c, s.today()))
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	announced, err := s.campaign.Announce(r.Context(), currentUser(r).ID, c.ID, version, reason, time.Now())
	if refusal.KindOf(err) != refusal.Unknown {
		return s.renderAnnounce(w, r, http.StatusOK, c, reason, err)
	}
	if err != nil {
		return err // a version conflict: the error page explains
	}
	msg := "Announced to sales and service."
	if announced.LateNotice {
		msg = "Announced to sales and service, marked as a late notice."
	}
	s.flash(w, r, "success", msg)
	return redirect(w, r, campaignPath(c.ID))
}

func (s *Server) campaignAck(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignFromPath(r)
	if err != nil {
		return err
	}
	res, err := s.campaign.Acknowledge(r.Context(), *currentUser(r), c.ID, time.Now())
	if err != nil {
		return err // campaigns.ErrNotAudience, ErrNotAnnounced: refusals with their message
	}
	kind, msg := "success", "Acknowledged: "+c.Name+"."
	switch res {
	case campaigns.AckNew:
	case campaigns.AckRenewed:
		msg = "Acknowledged the new talking points of " + c.Name + "."
	default:
		kind, msg = "info", "You had already acknowledged "+c.Name+"."
	}
	if isHTMX(r) {
		// The button becomes "acknowledged"; the banner's count drops.
		p := s.page(w, r, c.Name, "campaigns")
		return s.fragment(w, r, http.StatusOK, kind, msg, campaignpages.AckDone(msg), components.NoticesBanner(p.PendingNotices, true))
	}
	s.flash(w, r, kind, msg)
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
			return campaigns.ErrBadParent
		}
	}
	body := r.PostFormValue("body")
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	comment, err := s.campaign.AddComment(ctx, *currentUser(r), c.ID, parent, body)
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if fe := (campaigns.FieldErrors{}); errors.As(err, &fe) {
		return s.renderCampaign(w, r, http.StatusUnprocessableEntity, c, campaignExtras{
			commentErrs: map[int64]string{parent: fe["body"]}, commentValues: map[int64]string{parent: body}})
	}
	if err != nil {
		return err // campaigns.ErrBadParent: a refusal with its message
	}
	if parent == 0 {
		s.flash(w, r, "success", "Question posted. "+c.OwnerName+", the campaign's owner, is told.")
	} else {
		s.flash(w, r, "success", "Answer posted; the person who asked is told.")
	}
	return redirect(w, r, campaignPath(c.ID)+"#comment-"+strconv.FormatInt(comment.ID, 10))
}

// campaignExtras are what a refused form on the campaign page sends back.
type campaignExtras struct {
	commentErrs   map[int64]string
	commentValues map[int64]string
}

// renderCampaign gathers the campaign page's parts; campaignpages.DetailOf
// lays them out.
func (s *Server) renderCampaign(w http.ResponseWriter, r *http.Request, status int, c campaigns.Campaign, x campaignExtras) error {
	ctx := r.Context()
	me := currentUser(r)
	in := campaignpages.DetailInput{Campaign: c, Today: s.today(), CanEdit: marketers.allow(me),
		ViewerAcks: campaigns.Acknowledges(*me), IsManager: me.IsManager(),
		CommentErrors: x.commentErrs, CommentValues: x.commentValues}
	var err error
	if in.Revisions, err = s.campaign.Revisions(ctx, c.ID); err != nil {
		return err
	}
	if in.Readiness, err = s.campaign.ReadinessAt(ctx, c.ID, time.Now()); err != nil {
		return err
	}
	if in.Comments, err = s.campaign.Comments(ctx, c.ID); err != nil {
		return err
	}
	if in.Results, err = s.campaign.Results(ctx, c.ID); err != nil {
		return err
	}
	if c.Announced && in.ViewerAcks {
		if in.MyRevision, in.MyAckedAt, err = s.campaign.MyAck(ctx, c.ID, me.ID); err != nil {
			return err
		}
	}
	if in.CanEdit && !c.Announced {
		set, err := s.settings.Get(ctx)
		if err != nil {
			return err
		}
		now := time.Now()
		in.NoticeDays = set.NoticeDays
		in.AnnounceLead = campaigns.NoticeLead(c.LaunchOn, now, s.cfg.Location)
		in.AnnounceLate = campaigns.IsLate(c.LaunchOn, now, set.NoticeDays, s.cfg.Location)
	}
	v := campaignpages.DetailOf(s.page(w, r, c.Name, "campaigns"), in)
	return s.render(w, r, status, campaignpages.DetailPage(v))
}
