package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"tandem/internal/intake"
	"tandem/internal/refusal"
	intakepages "tandem/web/pages/intake"
)

// intakeForm reads the source form.
func intakeForm(r *http.Request) intake.Form {
	return intake.Form{
		Name: r.PostFormValue("name"), Slug: r.PostFormValue("slug"), DefaultCampaignID: r.PostFormValue("default_campaign"),
		LandingStage: r.PostFormValue("landing_stage"), MapCompany: r.PostFormValue("map_company"),
		MapContactName: r.PostFormValue("map_contact_name"), MapEmail: r.PostFormValue("map_email"),
		MapPhone: r.PostFormValue("map_phone"), MapTitle: r.PostFormValue("map_title"),
		MapCountry: r.PostFormValue("map_country"), MapNote: r.PostFormValue("map_note"),
		ThankYouURL: r.PostFormValue("thank_you_url"), RatePerMinute: r.PostFormValue("rate_per_minute"),
		AllowForms: r.PostFormValue("allow_forms") == "true", Enabled: r.PostFormValue("enabled") == "true",
	}
}

func (s *Server) intakeList(w http.ResponseWriter, r *http.Request) error {
	list, err := s.intake.List(r.Context())
	if err != nil {
		return err
	}
	v := intakepages.ListOf(s.page(w, r, "Lead intake sources", "leads"), list, intakeManagers.allow(currentUser(r)))
	return s.render(w, r, http.StatusOK, intakepages.ListPage(v))
}

// renderIntakeForm shows the form for a new source (id 0) or an edit.
func (s *Server) renderIntakeForm(w http.ResponseWriter, r *http.Request, status int, id int64, version int,
	f intake.Form, errs map[string]string) error {
	choices, err := s.leads.CampaignChoices(r.Context(), 0)
	if err != nil {
		return err
	}
	title := "New intake source"
	if id != 0 {
		title = "Edit intake source"
	}
	v := intakepages.FormOf(s.page(w, r, title, "leads"), id, version, f, errs, choices)
	return s.render(w, r, status, intakepages.FormPage(v))
}

func (s *Server) intakeNewForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderIntakeForm(w, r, http.StatusOK, 0, 0, intake.DefaultForm(), nil)
}

// intakeCreate stores the source and shows its secret once, in the flash
// of its page.
func (s *Server) intakeCreate(w http.ResponseWriter, r *http.Request) error {
	f := intakeForm(r)
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	src, err := s.intake.Create(ctx, currentUser(r).ID, f)
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if k := refusal.KindOf(err); k != refusal.Unknown {
		return s.renderIntakeForm(w, r, refusalStatus(k), 0, 0, f, refusal.FieldMessages(err))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Source created. Its webhook secret, shown only this once: "+src.Secret+
		" — copy it into the marketing tool now.")
	return redirect(w, r, intakepages.Path(src.ID))
}

func (s *Server) intakeFromPath(r *http.Request) (intake.Source, error) {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return intake.Source{}, errNotFound
	}
	return s.intake.Get(r.Context(), id)
}

func (s *Server) intakeDetail(w http.ResponseWriter, r *http.Request) error {
	src, err := s.intakeFromPath(r)
	if err != nil {
		return err
	}
	before := queryCursor(r.URL.Query(), "before")
	log, more, err := s.intake.Log(r.Context(), src.ID, before)
	if err != nil {
		return err
	}
	v := intakepages.DetailOf(s.page(w, r, src.Name, "leads"), src, s.cfg.BaseURL.String(), log, before, more,
		intakeManagers.allow(currentUser(r)))
	return s.render(w, r, http.StatusOK, intakepages.DetailPage(v))
}

func (s *Server) intakeEditForm(w http.ResponseWriter, r *http.Request) error {
	src, err := s.intakeFromPath(r)
	if err != nil {
		return err
	}
	return s.renderIntakeForm(w, r, http.StatusOK, src.ID, src.Version, intake.FormOf(src), nil)
}

func (s *Server) intakeUpdate(w http.ResponseWriter, r *http.Request) error {
	src, err := s.intakeFromPath(r)
	if err != nil {
		return err
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	f := intakeForm(r)
	_, err = s.intake.Update(r.Context(), src.ID, version, f)
	if k := refusal.KindOf(err); k != refusal.Unknown {
		return s.renderIntakeForm(w, r, refusalStatus(k), src.ID, version, f, refusal.FieldMessages(err))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Source saved.")
	return redirect(w, r, intakepages.Path(src.ID))
}

// intakeRotateConfirm asks before rotating: GET /leads/intake/{id}/rotate.
func (s *Server) intakeRotateConfirm(w http.ResponseWriter, r *http.Request) error {
	src, err := s.intakeFromPath(r)
	if err != nil {
		return err
	}
	v := intakepages.RotateOf(s.page(w, r, "Rotate the secret of "+src.Name, "leads"), src)
	return s.render(w, r, http.StatusOK, intakepages.RotatePage(v))
}

// intakeRotate replaces the secret once confirmed and shows the new one
// once, in the flash of the source's page.
func (s *Server) intakeRotate(w http.ResponseWriter, r *http.Request) error {
	if !confirmed(r) {
		return s.intakeRotateConfirm(w, r)
	}
	src, err := s.intakeFromPath(r)
	if err != nil {
		return err
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	secret, err := s.intake.RotateSecret(r.Context(), src.ID, version)
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Secret rotated. The new secret, shown only this once: "+secret+
		" — webhooks signed with the old one are refused from now on.")
	return redirect(w, r, intakepages.Path(src.ID))
}
