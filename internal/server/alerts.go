package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"tandem/internal/campaigns"
	"tandem/internal/refusal"
	"tandem/web/components"
	alertpages "tandem/web/pages/alerts"
)

func alertPath(id int64) string { return "/alerts/" + strconv.FormatInt(id, 10) }

func (s *Server) alertList(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	before := queryCursor(r.URL.Query(), "before")
	today := s.today()
	list, more, err := s.campaign.Alerts(r.Context(), me.ID, before)
	if err != nil {
		return err
	}
	pending, err := s.campaign.UnacknowledgedAlerts(r.Context(), me.ID, today)
	if err != nil {
		return err
	}
	v := alertpages.ListOf(s.page(w, r, "Product alerts", "campaigns"), pending, list, today, before, more, alertPosters.allow(me))
	return s.render(w, r, http.StatusOK, alertpages.ListPage(v))
}

func severityOptions() []components.Option {
	opts := []components.Option{{Value: "", Label: "Choose a severity"}}
	for _, sv := range campaigns.Severities {
		label := sv.Label()
		if sv == campaigns.Critical {
			label += " (pinned on every page until acknowledged)"
		}
		opts = append(opts, components.Option{Value: string(sv), Label: label})
	}
	return opts
}

func (s *Server) renderAlertForm(w http.ResponseWriter, r *http.Request, status int, f campaigns.AlertForm, errs map[string]string) error {
	v := alertpages.Form{
		Page: s.page(w, r, "Post a product alert", "campaigns"), Headline: f.Headline, Product: f.Product,
		Severity: f.Severity, WhatHappened: f.WhatHappened, Guidance: f.Guidance, UntilOn: f.UntilOn,
		Errors: errs, SeverityOptions: severityOptions(),
	}
	return s.render(w, r, status, alertpages.FormPage(v))
}

func (s *Server) alertNewForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderAlertForm(w, r, http.StatusOK, campaigns.AlertForm{Severity: string(campaigns.Warning)}, nil)
}

func (s *Server) alertCreate(w http.ResponseWriter, r *http.Request) error {
	f := campaigns.AlertForm{
		Headline: r.PostFormValue("headline"), Product: r.PostFormValue("product"), Severity: r.PostFormValue("severity"),
		WhatHappened: r.PostFormValue("what_happened"), Guidance: r.PostFormValue("guidance"), UntilOn: r.PostFormValue("until_on"),
	}
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	a, err := s.campaign.CreateAlert(ctx, *currentUser(r), f, time.Now())
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if k := refusal.KindOf(err); k != refusal.Unknown {
		return s.renderAlertForm(w, r, refusalStatus(k), f, refusal.FieldMessages(err))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Alert posted; everyone is notified.")
	return redirect(w, r, alertPath(a.ID))
}

func (s *Server) alertDetail(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return errNotFound
	}
	a, err := s.campaign.GetAlert(r.Context(), id, me.ID)
	if err != nil {
		return err
	}
	reach, err := s.campaign.AlertReachByTeam(r.Context(), id)
	if err != nil {
		return err
	}
	v := alertpages.DetailOf(s.page(w, r, a.Product+": "+a.Headline, "campaigns"), a, reach, s.today(), me.IsManager())
	return s.render(w, r, http.StatusOK, alertpages.DetailPage(v))
}

// alertAck acknowledges an alert from its page, the list or the pinned
// banner, and goes back where the click came from.
func (s *Server) alertAck(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return errNotFound
	}
	added, err := s.campaign.AcknowledgeAlert(r.Context(), currentUser(r).ID, id, time.Now())
	if err != nil {
		return err
	}
	if added {
		s.flash(w, r, "success", "Alert acknowledged.")
	} else {
		s.flash(w, r, "info", "You had already acknowledged this alert.")
	}
	return redirect(w, r, backTo(r, alertPath(id)))
}
