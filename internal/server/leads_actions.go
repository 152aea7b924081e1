package server

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"tandem/internal/leads"
	"tandem/internal/refusal"
	leadpages "tandem/web/pages/leads"
)

// renderLead shows the lead page; posted names the refused action whose
// form comes back with form's values and errs' messages (key "": the whole
// action was refused).
func (s *Server) renderLead(w http.ResponseWriter, r *http.Request, status int, id int64, posted string, form, errs map[string]string) error {
	me := currentUser(r)
	d, err := s.leads.Detail(r.Context(), id)
	if err != nil {
		return err
	}
	l := d.Lead
	in := leadpages.DetailInput{ShowQueue: sellers.allow(me), ShowRouting: salesManagers.allow(me), Posted: posted, Form: form, Errors: errs,
		Events: d.Events}
	if in.Reps, err = s.leads.Reps(r.Context()); err != nil {
		return err
	}
	if in.Routing, err = s.routing.HasRules(r.Context()); err != nil {
		return err
	}
	if in.Submissions, err = s.intake.ForLead(r.Context(), id); err != nil {
		return err
	}
	v := leadpages.DetailOf(s.page(w, r, l.Company, "leads"), *me, l, in, time.Now())
	return s.render(w, r, status, leadpages.DetailPage(v))
}

func (s *Server) leadDetail(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	return s.renderLead(w, r, http.StatusOK, id, "", nil, nil)
}

// leadRefused turns the domain's answer to an action into the right page:
// a stale form gets the 409 page with what changed; a refusal the lead
// page with the action's form filled in again, the message next to its
// field (or at the top) and the refusal's status.
func (s *Server) leadRefused(w http.ResponseWriter, r *http.Request, id int64, err error, action string, form map[string]string) error {
	var conflict *leads.ConflictError
	if isHTMX(r) {
		return s.queueRefused(w, r, id, err, action, form)
	}
	if errors.As(err, &conflict) {
		changes, terr := s.leads.Timeline(r.Context(), id, conflict.SeenVersion)
		if terr != nil {
			return terr
		}
		v := leadpages.Conflict{Page: s.page(w, r, "Changed by someone else", "leads"), Lead: conflict.Current, Changes: changes}
		return s.render(w, r, http.StatusConflict, leadpages.ConflictPage(v))
	}
	if k := refusal.KindOf(err); k != refusal.Unknown {
		return s.renderLead(w, r, refusalStatus(k), id, action, form, refusal.FieldMessages(err))
	}
	return err
}

// postedForm is the named fields of the posted form.
func postedForm(r *http.Request, fields ...string) map[string]string {
	form := make(map[string]string, len(fields))
	for _, k := range fields {
		form[k] = r.PostFormValue(k)
	}
	return form
}

// leadMove is the handler of one stage move, the action of one form on the
// lead page: it reads the form's fields, has the domain apply the move at
// the version the form was loaded with, and shows the lead again.
func (s *Server) leadMove(action string, to leads.Stage, fields ...string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := s.leadFromPath(r)
		if err != nil {
			return err
		}
		version, err := postedVersion(r)
		if err != nil {
			return err
		}
		form := postedForm(r, fields...)
		if _, err := s.leads.Apply(r.Context(), *currentUser(r), id, version, readMove(to, form)); err != nil {
			return s.leadRefused(w, r, id, err, action, form)
		}
		return s.leadDone(w, r, id, "Lead moved to "+to.Label()+".")
	}
}

// readMove is the move to stage to that form asks for. What cannot be
// read goes into the move's Unread, for the domain to report once it has
// said whether the move is allowed at all.
func readMove(to leads.Stage, form map[string]string) leads.Move {
	m := leads.Move{To: to, Note: form["note"], Reason: leads.Reason(form["reason"]), Lost: form["lost"], Unread: leads.FieldErrors{}}
	m.Rating, _ = strconv.Atoi(form["rating"]) // not a number: 0, which the move's check refuses
	if raw, sent := form["value"]; sent {
		var msg string
		if m.Value, msg = leads.ParseDealValue(raw); msg != "" {
			m.Unread["value"] = msg
		}
	}
	if raw := form["owner"]; raw == leadpages.RouteByRules {
		m.Route = true
	} else if raw != "" {
		var ok bool
		if m.OwnerID, ok = pathID(raw); !ok {
			m.Unread["owner"] = leads.NotARep
		}
	}
	return m
}

func (s *Server) leadTouch(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	form := postedForm(r, "kind", "note")
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	err = s.leads.Touch(ctx, *currentUser(r), id, form["kind"], form["note"])
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if err != nil {
		return s.leadRefused(w, r, id, err, leadpages.ActTouch, form)
	}
	return s.leadDone(w, r, id, "Touch logged.")
}

func (s *Server) leadAssign(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	form := postedForm(r, "owner")
	owner, ok := pathID(form["owner"])
	if !ok {
		return s.renderLead(w, r, http.StatusUnprocessableEntity, id, leadpages.ActAssign, form, map[string]string{"owner": leads.NoRepChosen})
	}
	if err := s.leads.Assign(r.Context(), *currentUser(r), id, version, owner); err != nil {
		return s.leadRefused(w, r, id, err, leadpages.ActAssign, form)
	}
	s.flash(w, r, "success", "Lead assigned.")
	return redirect(w, r, "/leads/"+strconv.FormatInt(id, 10))
}

func (s *Server) leadComment(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	form := postedForm(r, "comment")
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	err = s.leads.Comment(ctx, *currentUser(r), id, form["comment"])
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if err != nil {
		return s.leadRefused(w, r, id, err, leadpages.ActComment, form)
	}
	return redirect(w, r, "/leads/"+strconv.FormatInt(id, 10)+"#timeline-h")
}

// leadDone answers a lead action that worked. From the queue with htmx:
// the lead's queue row again and the message; from the queue without it:
// 303 back to the queue with the flash; from the lead page: 303 to it.
func (s *Server) leadDone(w http.ResponseWriter, r *http.Request, id int64, message string) error {
	if isHTMX(r) {
		return s.queueRow(w, r, http.StatusOK, id, "success", message, nil)
	}
	to := "/leads/" + strconv.FormatInt(id, 10)
	if r.PostFormValue("from") == "queue" {
		to = "/leads/queue"
	}
	return s.done(w, r, to, message)
}

// queueRow answers an htmx action of the queue with the lead's row as it
// is now; refused, when set, fills in the refused form again.
func (s *Server) queueRow(w http.ResponseWriter, r *http.Request, status int, id int64, kind, message string,
	refused func(leadpages.QueueItem) leadpages.QueueItem) error {
	l, err := s.leads.Get(r.Context(), id)
	if err != nil {
		return err
	}
	p := s.page(w, r, "My queue", "leads")
	it := leadpages.QueueItemOf(*currentUser(r), l, time.Now())
	if refused != nil {
		it = refused(it)
	}
	if it.Left && kind == "success" {
		message += " " + l.Company + " left your queue."
	}
	return s.fragment(w, r, status, kind, message, leadpages.QueueRow(p, it))
}

// queueRefused answers a refused htmx action of the queue: a stale form
// gets the row as it is now (409), a refused form the row with that form
// filled in and its messages (422); other refusals (not yours) only their
// message, through serveError.
func (s *Server) queueRefused(w http.ResponseWriter, r *http.Request, id int64, err error, action string, form map[string]string) error {
	var conflict *leads.ConflictError
	if errors.As(err, &conflict) {
		return s.queueRow(w, r, http.StatusConflict, id, "error",
			"Someone else changed this lead after you opened the queue: this is it now.", nil)
	}
	if refusal.KindOf(err) != refusal.Invalid {
		return err
	}
	errs := refusal.FieldMessages(err)
	msg := errs[""]
	if msg == "" {
		msg = "Check the form: " + firstMessage(errs)
	}
	return s.queueRow(w, r, http.StatusUnprocessableEntity, id, "error", msg,
		func(it leadpages.QueueItem) leadpages.QueueItem { return it.WithRefused(action, form, errs) })
}

// firstMessage is one of the messages, for a status line.
func firstMessage(errs map[string]string) string {
	keys := slices.Sorted(maps.Keys(errs))
	if len(keys) == 0 {
		return "it was refused."
	}
	return errs[keys[0]]
}
