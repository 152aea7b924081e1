package server

import (
	"errors"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"tandem/internal/leads"
	"tandem/web/components"
	leadpages "tandem/web/pages/leads"
)

// leadForm reads the lead fields of the new-lead and edit forms. Numbers
// that cannot be read are reported in the returned errors, to be shown
// with the domain's own checks.
func leadForm(r *http.Request) (leads.NewLead, map[string]string, leads.FieldErrors) {
	form := map[string]string{}
	for _, k := range []string{"company", "contact_name", "email", "phone", "title", "country", "fit", "score", "source_campaign"} {
		form[k] = r.PostFormValue(k)
	}
	n := leads.NewLead{Company: form["company"], ContactName: form["contact_name"], Email: form["email"],
		Phone: form["phone"], Title: form["title"], Country: form["country"], Fit: form["fit"]}
	errs := leads.FieldErrors{}
	var msg string
	if n.Score, msg = leads.ParseScore(form["score"]); msg != "" {
		errs["score"] = msg
	}
	if raw := strings.TrimSpace(form["source_campaign"]); raw != "" {
		var ok bool
		if n.SourceCampaignID, ok = pathID(raw); !ok {
			errs["source_campaign"] = "Choose a campaign from the list."
		}
	}
	return n, form, errs
}

// refusedLeadInput merges what leadForm could not read with every check
// of the rest, the database's included, so one submission shows every
// problem. leadID is the lead being edited, 0 for a new one.
func (s *Server) refusedLeadInput(r *http.Request, in leads.NewLead, parseErrs leads.FieldErrors, leadID int64) (leads.FieldErrors, error) {
	if len(parseErrs) == 0 {
		return nil, nil
	}
	errs, err := s.leads.CheckInput(r.Context(), in, leadID)
	if err != nil {
		return nil, err
	}
	if errs == nil {
		errs = leads.FieldErrors{}
	}
	maps.Copy(errs, parseErrs)
	return errs, nil
}

func (s *Server) campaignOptions(r *http.Request, current int64) ([]components.Option, error) {
	list, err := s.leads.CampaignChoices(r.Context(), current)
	if err != nil {
		return nil, err
	}
	return leadpages.CampaignOptions(list), nil
}

func (s *Server) renderNewLead(w http.ResponseWriter, r *http.Request, status int, form map[string]string, errs leads.FieldErrors) error {
	campaigns, err := s.campaignOptions(r, 0)
	if err != nil {
		return err
	}
	v := leadpages.NewLead{Page: s.page(w, r, "New lead", "leads"), Form: form, Errors: errs, Campaigns: campaigns}
	return s.render(w, r, status, leadpages.NewLeadPage(v))
}

func (s *Server) leadNewForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderNewLead(w, r, http.StatusOK, map[string]string{}, nil)
}

func (s *Server) leadCreate(w http.ResponseWriter, r *http.Request) error {
	in, form, parseErrs := leadForm(r)
	if errs, err := s.refusedLeadInput(r, in, parseErrs, 0); err != nil || errs != nil {
		if err != nil {
			return err
		}
		return s.renderNewLead(w, r, http.StatusUnprocessableEntity, form, errs)
	}
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	l, err := s.leads.Create(ctx, *currentUser(r), in)
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	var fe leads.FieldErrors
	if errors.As(err, &fe) {
		return s.renderNewLead(w, r, http.StatusUnprocessableEntity, form, fe)
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Lead created.")
	return redirect(w, r, "/leads/"+strconv.FormatInt(l.ID, 10))
}

// editForm is the edit form filled with the lead as it is.
func editForm(l leads.Lead) map[string]string {
	form := storedFields(l)
	for _, k := range editFields {
		form["was_"+k] = form[k]
	}
	form["version"] = strconv.Itoa(l.Version)
	return form
}

// editFields are the fields of the edit form. The form also carries each
// one's value as loaded ("was_" + name), so a stale save can tell what the
// user changed from what someone else changed meanwhile.
var editFields = []string{"company", "contact_name", "email", "phone", "title", "country", "source_campaign", "fit", "score"}

// storedFields are the lead's edit-form values as stored.
func storedFields(l leads.Lead) map[string]string {
	form := map[string]string{"company": l.Company, "contact_name": l.ContactName, "email": l.Email, "phone": l.Phone,
		"title": l.Title, "country": l.Country, "fit": l.Fit, "score": strconv.Itoa(l.Score), "source_campaign": ""}
	if l.SourceCampaignID != nil {
		form["source_campaign"] = strconv.FormatInt(*l.SourceCampaignID, 10)
	}
	return form
}

// mergeStale rebases a stale edit onto the lead as it is now: a field the
// user left as loaded takes the current value (someone else's change is
// kept, not undone by saving again); a field both changed keeps the user's
// value and says what the other person set. The base becomes the current
// values. Without the loaded values (an older page) the typed form stays.
func mergeStale(form map[string]string, current leads.Lead) leads.FieldErrors {
	now := storedFields(current)
	notes := leads.FieldErrors{}
	for _, k := range editFields {
		was, sent := form["was_"+k]
		if !sent {
			continue
		}
		typed := strings.TrimSpace(form[k])
		switch {
		case typed == strings.TrimSpace(was):
			form[k] = now[k]
		case now[k] != was && now[k] != typed:
			shown := now[k]
			if shown == "" {
				shown = "(empty)"
			}
			notes[k] = "Someone else changed this to “" + shown + "” meanwhile; saving keeps your value."
		}
		form["was_"+k] = now[k]
	}
	if len(notes) == 0 {
		return nil
	}
	return notes
}

// renderEditLead shows the edit form with form's values; changes, when
// not nil, are what someone else changed since the form was loaded.
func (s *Server) renderEditLead(w http.ResponseWriter, r *http.Request, status int, l leads.Lead, form map[string]string,
	errs leads.FieldErrors, changes []leads.Event) error {
	current, _ := pathID(form["source_campaign"])
	if l.SourceCampaignID != nil && current == 0 {
		current = *l.SourceCampaignID
	}
	campaigns, err := s.campaignOptions(r, current)
	if err != nil {
		return err
	}
	v := leadpages.EditLead{Page: s.page(w, r, "Edit "+l.Company, "leads"), Lead: l, Form: form, Errors: errs, Campaigns: campaigns,
		Stale: changes != nil, Changes: changes}
	for _, k := range editFields {
		v.Was = append(v.Was, components.Option{Value: form["was_"+k], Label: k})
	}
	return s.render(w, r, status, leadpages.EditLeadPage(v))
}

func (s *Server) leadEditForm(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	l, err := s.leads.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if err := l.CanEdit(*currentUser(r)); err != nil {
		return err
	}
	return s.renderEditLead(w, r, http.StatusOK, l, editForm(l), nil, nil)
}

func (s *Server) leadUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	in, form, parseErrs := leadForm(r)
	form["version"] = r.PostFormValue("version") // a re-shown form keeps the version it was loaded at
	for _, k := range editFields {
		if was, sent := r.PostForm["was_"+k]; sent {
			form["was_"+k] = was[0]
		}
	}
	refused := func(errs leads.FieldErrors) error {
		l, err := s.leads.Get(r.Context(), id)
		if err != nil {
			return err
		}
		return s.renderEditLead(w, r, http.StatusUnprocessableEntity, l, form, errs, nil)
	}
	if errs, err := s.refusedLeadInput(r, in, parseErrs, id); err != nil || errs != nil {
		if err != nil {
			return err
		}
		return refused(errs)
	}
	_, err = s.leads.Update(r.Context(), *currentUser(r), id, version, in)
	var fe leads.FieldErrors
	var conflict *leads.ConflictError
	switch {
	case errors.As(err, &fe):
		return refused(fe)
	case errors.As(err, &conflict) && conflict.Current.CanEdit(*currentUser(r)) == nil:
		return s.staleEdit(w, r, conflict, in, form)
	case err != nil:
		return s.leadRefused(w, r, id, err, "", nil)
	}
	s.flash(w, r, "success", "Lead saved.")
	return redirect(w, r, "/leads/"+strconv.FormatInt(id, 10))
}

// staleEdit answers an edit made on a form older than the lead: 409 with
// the form again, as the user typed it but at the current version, and
// what someone else changed meanwhile, so that saving over their change
// is a deliberate second submit and nothing typed is lost.
func (s *Server) staleEdit(w http.ResponseWriter, r *http.Request, conflict *leads.ConflictError, in leads.NewLead, form map[string]string) error {
	l := conflict.Current
	changes, err := s.leads.Timeline(r.Context(), l.ID, conflict.SeenVersion)
	if err != nil {
		return err
	}
	if changes == nil {
		changes = []leads.Event{}
	}
	// Problems the typed values have against the lead as it is now (an
	// email someone else took meanwhile) are shown at once too.
	errs, err := s.leads.CheckInput(r.Context(), in, l.ID)
	if err != nil {
		return err
	}
	form["version"] = strconv.Itoa(l.Version)
	for k, msg := range mergeStale(form, l) {
		if errs == nil {
			errs = leads.FieldErrors{}
		}
		if errs[k] == "" {
			errs[k] = msg
		}
	}
	return s.renderEditLead(w, r, http.StatusConflict, l, form, errs, changes)
}
