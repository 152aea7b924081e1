package server

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"

	"tandem/internal/leads"
	"tandem/internal/safecsv"
	"tandem/internal/users"
	"tandem/web/components"
	leadpages "tandem/web/pages/leads"
)

// salesManagers allows sales managers and admins.
var salesManagers = access{"sales managers, admins", func(u *users.User) bool {
	return u != nil && u.IsSalesManager()
}}

// leadExporters may download the lead list with every contact's email and
// phone: the teams that work leads. Service has no lead work, so one
// signed-in agent cannot walk off with every contact (issue 13); a single
// lead's page stays readable to all, for the customer in front of them.
var leadExporters = inTeams(users.Marketing, users.Sales)

func (s *Server) leadRoutes() []route {
	return []route{
		{"GET", "/leads", signedIn, s.leadList},
		{"GET", "/leads/new", inTeams(users.Marketing), s.leadNewForm},
		{"POST", "/leads", inTeams(users.Marketing), s.leadCreate},
		{"GET", "/leads/queue", inTeams(users.Sales), s.leadQueue},
		{"GET", "/leads/rejected", signedIn, s.leadRejected},
		{"GET", "/leads/export.csv", leadExporters, s.leadExport},
		{"GET", "/leads/import", inTeams(users.Marketing), s.leadImportForm},
		{"POST", "/leads/import", inTeams(users.Marketing), s.leadImportUpload},
		{"POST", "/leads/import/{id}", inTeams(users.Marketing), s.leadImportCommit},
		{"GET", "/leads/import/{id}/rejected.csv", inTeams(users.Marketing), s.leadImportRejected},
		{"GET", "/leads/{id}", signedIn, s.leadDetail},
		{"GET", "/leads/{id}/edit", inTeams(users.Marketing, users.Sales), s.leadEditForm},
		{"POST", "/leads/{id}/edit", inTeams(users.Marketing, users.Sales), s.leadUpdate},
		{"POST", "/leads/{id}/move", inTeams(users.Marketing, users.Sales), s.leadMove},
		{"POST", "/leads/{id}/touch", inTeams(users.Sales), s.leadTouch},
		{"POST", "/leads/{id}/assign", salesManagers, s.leadAssign},
		{"POST", "/leads/{id}/comments", signedIn, s.leadComment},
	}
}

// uploadLimits raises the body limit for upload routes.
var uploadLimits = map[string]int64{"/leads/import": leads.MaxImportBytes + 64<<10}

func (s *Server) slaHours(r *http.Request) (int, error) {
	st, err := s.settings.Get(r.Context())
	return st.SLAHours, err
}

// parseLeadFilter reads the list filters from the query string. Dates are
// calendar days in the business timezone; "to" days are inclusive.
func (s *Server) parseLeadFilter(q url.Values, me *users.User) (leads.Filter, map[string]string, map[string]string) {
	form := map[string]string{}
	for _, k := range []string{"q", "stage", "owner", "sla", "campaign", "created_from", "created_to", "handed_from", "handed_to", "sort", "reason"} {
		form[k] = strings.TrimSpace(q.Get(k))
	}
	errs := map[string]string{}
	f := leads.Filter{Query: form["q"], Sort: form["sort"], After: q.Get("after")}
	if st := leads.Stage(form["stage"]); st.Valid() {
		f.Stage = st
	} else if form["stage"] != "" {
		errs["stage"] = "Unknown stage."
	}
	switch form["owner"] {
	case "":
	case "me":
		f.OwnerID = me.ID
	case "none":
		f.Unassigned = true
	default:
		if id, ok := pathID(form["owner"]); ok {
			f.OwnerID = id
		} else {
			errs["owner"] = "Unknown owner."
		}
	}
	switch form["sla"] {
	case "", leads.SLABreached, leads.SLAOpen, leads.SLAMet, leads.SLAMissed:
		f.SLA = form["sla"]
	default:
		errs["sla"] = "Unknown SLA state."
	}
	if form["campaign"] != "" {
		if id, ok := pathID(form["campaign"]); ok {
			f.CampaignID = id
		} else {
			errs["campaign"] = "A campaign id is a positive whole number."
		}
	}
	if r := leads.Reason(form["reason"]); r.Valid() {
		f.Reason = r
	} else if form["reason"] != "" {
		errs["reason"] = "Unknown rejection reason."
	}
	switch f.Sort {
	case "", leads.SortCreated, leads.SortCompany, leads.SortHandedOff, leads.SortRejected:
	default:
		errs["sort"] = "Unknown sort order."
		f.Sort = ""
	}
	day := func(key string, dst *time.Time, addDay bool) {
		if form[key] == "" {
			return
		}
		d, err := time.ParseInLocation("2006-01-02", form[key], s.cfg.Location)
		if err != nil {
			errs[key] = "Enter a date as YYYY-MM-DD."
			return
		}
		if addDay {
			d = d.AddDate(0, 0, 1)
		}
		*dst = d
	}
	day("created_from", &f.CreatedFrom, false)
	day("created_to", &f.CreatedTo, true)
	day("handed_from", &f.HandedFrom, false)
	day("handed_to", &f.HandedTo, true)
	return f, form, errs
}

func (s *Server) leadRows(list []leads.Lead, slaHours int) []leadpages.Row {
	now := time.Now()
	rows := make([]leadpages.Row, len(list))
	for i, l := range list {
		rows[i] = leadpages.Row{Lead: l, SLA: l.SLAState(slaHours, now)}
	}
	return rows
}

func (s *Server) repOptions(r *http.Request, blank string) ([]components.Option, error) {
	reps, err := s.leads.Reps(r.Context())
	if err != nil {
		return nil, err
	}
	opts := []components.Option{{Value: "", Label: blank}}
	for _, rep := range reps {
		opts = append(opts, components.Option{Value: strconv.FormatInt(rep.ID, 10), Label: rep.Name})
	}
	return opts, nil
}

func (s *Server) leadList(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	q := r.URL.Query()
	f, form, errs := s.parseLeadFilter(q, me)
	sla, err := s.slaHours(r)
	if err != nil {
		return err
	}
	f.SLAHours = sla
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	page, err := s.leads.List(r.Context(), f)
	if errors.Is(err, leads.ErrBadCursor) {
		return badRequest("That page link is broken; start again from the first page.")
	}
	if err != nil {
		return err
	}
	counts, err := s.leads.CountByStage(r.Context(), f)
	if err != nil {
		return err
	}
	owners, err := s.repOptions(r, "Anyone")
	if err != nil {
		return err
	}
	owners = append(owners[:1], append([]components.Option{{Value: "me", Label: "Me"}, {Value: "none", Label: "Unassigned"}}, owners[1:]...)...)

	v := leadpages.List{
		Page: s.page(w, r, "Leads", "leads"), Rows: s.leadRows(page.Leads, sla), Form: form, FilterErrors: errs,
		OwnerOptions: owners, CanCreate: me.Team == users.Marketing || me.IsAdmin(),
		StageOptions: []components.Option{{Value: "", Label: "Any stage"}},
		SLAOptions: []components.Option{{Value: "", Label: "Any"}, {Value: leads.SLABreached, Label: "Breached (no first touch)"},
			{Value: leads.SLAOpen, Label: "Awaiting first touch"}, {Value: leads.SLAMet, Label: "Touched within SLA"},
			{Value: leads.SLAMissed, Label: "Touched after SLA"}},
		SortOptions: []components.Option{{Value: "", Label: "Newest first"}, {Value: leads.SortHandedOff, Label: "Latest handoff"},
			{Value: leads.SortCompany, Label: "Company A–Z"}},
	}
	tabQuery := cloneQuery(q, "stage", "after")
	all := 0
	for _, st := range leads.Stages {
		v.StageOptions = append(v.StageOptions, components.Option{Value: string(st), Label: st.Label()})
		all += counts.ByStage[st]
	}
	v.Capped = counts.Capped
	v.Tabs = append(v.Tabs, leadpages.StageTab{Label: "All", Count: all, URL: "/leads?" + tabQuery.Encode(), Current: f.Stage == ""})
	for _, st := range leads.Stages {
		tq := cloneQuery(tabQuery)
		tq.Set("stage", string(st))
		v.Tabs = append(v.Tabs, leadpages.StageTab{Stage: string(st), Label: st.Label(), Count: counts.ByStage[st],
			URL: "/leads?" + tq.Encode(), Current: f.Stage == st})
	}
	v.Total = all
	if f.Stage != "" {
		v.Total = counts.ByStage[f.Stage]
	}
	if page.Next != "" {
		nq := cloneQuery(q)
		nq.Set("after", page.Next)
		v.NextURL = "/leads?" + nq.Encode()
	}
	if f.After != "" {
		v.FirstURL = "/leads?" + cloneQuery(q, "after").Encode()
	}
	if leadExporters.allow(me) {
		v.ExportURL = "/leads/export.csv?" + cloneQuery(q, "after").Encode()
	}
	return s.render(w, r, status, leadpages.ListPage(v))
}

// cloneQuery copies q without the named keys.
func cloneQuery(q url.Values, drop ...string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	for _, k := range drop {
		out.Del(k)
	}
	return out
}

func (s *Server) leadQueue(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	sla, err := s.slaHours(r)
	if err != nil {
		return err
	}
	manager := me.IsSalesManager()
	list, err := s.leads.Queue(r.Context(), me.ID, manager, sla)
	if err != nil {
		return err
	}
	v := leadpages.Queue{Page: s.page(w, r, "My queue", "leads"), Rows: s.leadRows(list, sla), Manager: manager}
	for _, row := range v.Rows {
		if row.SLA.Open && row.SLA.Breached {
			v.Breached++
		}
	}
	return s.render(w, r, http.StatusOK, leadpages.QueuePage(v))
}

// rejectionWindows are the spans the rejected-leads page looks back over,
// in days; the first is the default.
var rejectionWindows = []int{90, 30, 7}

func (s *Server) leadRejected(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	days := rejectionWindows[0]
	if raw := q.Get("days"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || !slices.Contains(rejectionWindows, n) {
			return badRequest("Look back 7, 30 or 90 days.")
		}
		days = n
	}
	since := time.Now().AddDate(0, 0, -days)
	summary, err := s.leads.RejectionSummary(r.Context(), since)
	if err != nil {
		return err
	}
	reason := leads.Reason(q.Get("reason"))
	if reason != "" && !reason.Valid() {
		return badRequest("Unknown rejection reason.")
	}
	// The list shows the same window as the summary: the rejections behind
	// its numbers, latest first.
	page, err := s.leads.List(r.Context(), leads.Filter{Stage: leads.Rejected, Reason: reason, Sort: leads.SortRejected,
		RejectedFrom: since, After: q.Get("after"), Limit: 50})
	if errors.Is(err, leads.ErrBadCursor) {
		return badRequest("That page link is broken; start again from the first page.")
	}
	if err != nil {
		return err
	}
	v := leadpages.Rejected{Page: s.page(w, r, "Rejected leads", "leads"), Summary: summary, Reason: string(reason),
		Rows: s.leadRows(page.Leads, 0), Days: days, Windows: rejectionWindows}
	for _, c := range summary {
		v.Total += c.Count
	}
	if page.Next != "" {
		nq := cloneQuery(q)
		nq.Set("after", page.Next)
		v.NextURL = "/leads/rejected?" + nq.Encode()
	}
	return s.render(w, r, http.StatusOK, leadpages.RejectedPage(v))
}

func (s *Server) leadFromPath(r *http.Request) (int64, error) {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return 0, errNotFound
	}
	return id, nil
}

// renderLead shows the lead page; form and errs re-fill a refused form.
func (s *Server) renderLead(w http.ResponseWriter, r *http.Request, status int, id int64, form, errs map[string]string, refusal string) error {
	me := currentUser(r)
	l, err := s.leads.Get(r.Context(), id)
	if err != nil {
		return err
	}
	events, err := s.leads.Timeline(r.Context(), id, 0)
	if err != nil {
		return err
	}
	sla, err := s.slaHours(r)
	if err != nil {
		return err
	}
	reps, err := s.repOptions(r, "Leave for a sales manager")
	if err != nil {
		return err
	}
	if form == nil {
		form = map[string]string{}
	}
	v := leadpages.Detail{
		Page: s.page(w, r, l.Company, "leads"), Lead: l, SLA: l.SLAState(sla, time.Now()), Events: events,
		Moves: l.MovesFor(*me), CanTouch: l.CanTouch(*me) == nil, CanAssign: l.CanAssign(*me) == nil, CanEdit: l.CanEdit(*me) == nil,
		Reps: reps, Form: form, Errors: errs, Refusal: refusal,
	}
	return s.render(w, r, status, leadpages.DetailPage(v))
}

func (s *Server) leadDetail(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	return s.renderLead(w, r, http.StatusOK, id, nil, nil, "")
}

// leadRefusal turns the domain's answers into the right page: a stale form
// gets the 409 page, a rule refusal the lead page with its message (403 when
// the user may not make the move at all, 422 when the move is incomplete).
func (s *Server) leadRefusal(w http.ResponseWriter, r *http.Request, id int64, err error, form map[string]string) error {
	var conflict *leads.ConflictError
	var rule *leads.RuleError
	var fe leads.FieldErrors
	switch {
	case errors.As(err, &conflict):
		changes, terr := s.leads.Timeline(r.Context(), id, conflict.SeenVersion)
		if terr != nil {
			return terr
		}
		v := leadpages.Conflict{Page: s.page(w, r, "Changed by someone else", "leads"), Lead: conflict.Current, Changes: changes}
		return s.render(w, r, http.StatusConflict, leadpages.ConflictPage(v))
	case errors.As(err, &rule):
		if rule.Forbidden {
			return s.renderLead(w, r, http.StatusForbidden, id, form, nil, rule.Message)
		}
		errs := map[string]string{}
		if rule.Field != "" {
			errs[rule.Field] = rule.Message
		}
		refusal := ""
		if rule.Field == "" {
			refusal = rule.Message
		}
		return s.renderLead(w, r, http.StatusUnprocessableEntity, id, form, errs, refusal)
	case errors.As(err, &fe):
		return s.renderLead(w, r, http.StatusUnprocessableEntity, id, form, fe, "")
	}
	return err
}

func (s *Server) leadMove(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	to := leads.Stage(r.PostFormValue("to"))
	if !to.Valid() {
		return badRequest("Unknown stage.")
	}
	m := leads.Move{To: to, Note: r.PostFormValue("note"), Reason: leads.Reason(r.PostFormValue("reason")),
		Lost: r.PostFormValue("lost")}
	m.Rating, _ = strconv.Atoi(r.PostFormValue("rating"))
	var valueMsg string
	if to == leads.Won {
		// A refused value stays 0, which the move's own check refuses after
		// it has said whether the move is allowed; the parser's message,
		// which says what to change, then replaces the check's.
		m.Value, valueMsg = leads.ParseDealValue(r.PostFormValue("value"))
	}
	if owner := r.PostFormValue("owner"); owner != "" {
		var ok bool
		if m.OwnerID, ok = pathID(owner); !ok {
			m.OwnerID = -1
		}
	}
	prefix := movePrefix[to]
	form := map[string]string{}
	for _, k := range []string{"owner", "note", "rating", "reason", "value", "lost"} {
		form[prefix+k] = r.PostFormValue(k)
	}
	if _, err := s.leads.Apply(r.Context(), *currentUser(r), id, version, m); err != nil {
		var fe leads.FieldErrors
		if valueMsg != "" && errors.As(err, &fe) && fe["value"] != "" {
			fe["value"] = valueMsg
		}
		return s.leadRefusal(w, r, id, prefixFields(err, prefix), form)
	}
	s.flash(w, "success", "Lead moved to "+to.Label()+".")
	return redirect(w, r, "/leads/"+strconv.FormatInt(id, 10))
}

// movePrefix tells apart the fields of the lead page's move forms that
// share names (the hand-off, accept and reject forms each have a "note"):
// their values and errors are keyed prefix+name, and the page keys each
// control's element id the same way, so labels and messages find their own
// form's control.
var movePrefix = map[leads.Stage]string{leads.HandedOff: "handoff_", leads.Accepted: "accept_", leads.Rejected: "reject_"}

// prefixFields renames the fields a refusal names ("rating" →
// "accept_rating") to the keys of the form they came from.
func prefixFields(err error, prefix string) error {
	if prefix == "" {
		return err
	}
	var rule *leads.RuleError
	var fe leads.FieldErrors
	switch {
	case errors.As(err, &fe):
		out := leads.FieldErrors{}
		for k, msg := range fe {
			out[prefix+k] = msg
		}
		return out
	case errors.As(err, &rule) && rule.Field != "":
		return &leads.RuleError{Field: prefix + rule.Field, Message: rule.Message, Forbidden: rule.Forbidden}
	}
	return err
}

func (s *Server) leadTouch(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	kind, note := r.PostFormValue("kind"), r.PostFormValue("note")
	if err := s.leads.Touch(r.Context(), *currentUser(r), id, kind, note); err != nil {
		return s.leadRefusal(w, r, id, prefixFields(err, "touch_"), map[string]string{"touch_kind": kind, "touch_note": note})
	}
	s.flash(w, "success", "Touch logged.")
	return redirect(w, r, "/leads/"+strconv.FormatInt(id, 10))
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
	owner, ok := pathID(r.PostFormValue("owner"))
	if !ok {
		return s.renderLead(w, r, http.StatusUnprocessableEntity, id, nil, map[string]string{"assign_owner": "Choose a rep."}, "")
	}
	if err := s.leads.Assign(r.Context(), *currentUser(r), id, version, owner); err != nil {
		return s.leadRefusal(w, r, id, prefixFields(err, "assign_"), map[string]string{"assign_owner": r.PostFormValue("owner")})
	}
	s.flash(w, "success", "Lead assigned.")
	return redirect(w, r, "/leads/"+strconv.FormatInt(id, 10))
}

func (s *Server) leadComment(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	text := r.PostFormValue("comment")
	if err := s.leads.Comment(r.Context(), *currentUser(r), id, text); err != nil {
		return s.leadRefusal(w, r, id, err, map[string]string{"comment": text})
	}
	return redirect(w, r, "/leads/"+strconv.FormatInt(id, 10)+"#timeline-h")
}

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
	l, err := s.leads.Create(r.Context(), *currentUser(r), in)
	var fe leads.FieldErrors
	if errors.As(err, &fe) {
		return s.renderNewLead(w, r, http.StatusUnprocessableEntity, form, fe)
	}
	if err != nil {
		return err
	}
	s.flash(w, "success", "Lead created.")
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
		return &httpError{http.StatusForbidden, "Not allowed", err.Error()}
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
		return s.leadRefusal(w, r, id, err, nil)
	}
	s.flash(w, "success", "Lead saved.")
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

// leadExport streams the filtered list as CSV, row by row.
func (s *Server) leadExport(w http.ResponseWriter, r *http.Request) error {
	f, _, errs := s.parseLeadFilter(r.URL.Query(), currentUser(r))
	if len(errs) > 0 {
		return badRequest("The filters are not valid; fix them on the lead list and export again.")
	}
	loc := currentUser(r).Location()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="leads-`+time.Now().In(loc).Format("2006-01-02")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := safecsv.NewWriter(w)
	if err := cw.Write([]string{"id", "company", "contact_name", "email", "phone", "title", "country", "stage", "owner",
		"source_campaign_id", "quality_rating", "rejection_reason", "deal_value", "created_at", "handed_off_at", "first_touch_at"}); err != nil {
		return err
	}
	opt := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	n := 0
	err := s.leads.Export(r.Context(), f, func(l leads.Lead) error {
		rec := []string{strconv.FormatInt(l.ID, 10), l.Company, l.ContactName, l.Email, l.Phone, l.Title, l.Country,
			string(l.Stage), l.OwnerName, "", "", "", "", l.CreatedAt.In(loc).Format(time.RFC3339), opt(l.HandedOffAt), opt(l.FirstTouchAt)}
		if l.SourceCampaignID != nil {
			rec[9] = strconv.FormatInt(*l.SourceCampaignID, 10)
		}
		if l.QualityRating != nil {
			rec[10] = strconv.Itoa(*l.QualityRating)
		}
		if l.RejectionReason != nil {
			rec[11] = string(*l.RejectionReason)
		}
		if l.DealValue != nil {
			rec[12] = strconv.FormatFloat(*l.DealValue, 'f', 2, 64)
		}
		if n++; n%1000 == 0 {
			cw.Flush()
		}
		return cw.Write(rec)
	})
	cw.Flush()
	switch {
	case err == nil:
	case r.Context().Err() != nil || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET):
		// The download was cancelled: nothing is wrong on our side.
		s.log.Info("lead export stopped: the client went away", "rows", n)
	default:
		// Headers are gone; the truncated file is the best we can do. Log it.
		s.log.Error("lead export failed", "err", err, "rows", n)
	}
	return nil
}
