package leads

import (
	"slices"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"tandem/internal/leads"
	"tandem/internal/users"
	"tandem/web/components"
)

// QueueItem is one row of the queue with the actions its viewer may take
// there: accept or reject a handed-off lead, log the first touch of an
// accepted one. A refused action's form comes back filled in (Posted, Form,
// Errors, as on the lead page).
type QueueItem struct {
	Row
	Version  string
	Decide   bool // accept and reject
	CanTouch bool
	// Left: the lead is no longer in the queue (rejected, or touched after
	// accepting); its row says so until the page is loaded again.
	Left   bool
	Posted string
	Form   map[string]string
	Errors map[string]string
}

// InQueue says whether the lead belongs in its owner's queue: handed off,
// or accepted without a first touch (the query of leads.Store.Queue).
func InQueue(l leads.Lead) bool {
	return l.Stage == leads.HandedOff || l.Stage == leads.Accepted && l.FirstTouchAt == nil
}

// QueueItemOf is the lead's queue row as me sees it at now.
func QueueItemOf(me users.User, l leads.Lead, now time.Time) QueueItem {
	moves := l.MovesFor(me)
	it := QueueItem{Row: Row{Lead: l, SLA: l.SLAState(now)}, Version: strconv.Itoa(l.Version),
		Decide:   slices.Contains(moves, leads.Accepted) && slices.Contains(moves, leads.Rejected),
		CanTouch: l.Stage == leads.Accepted && l.CanTouch(me) == nil, Left: !InQueue(l), Form: map[string]string{}}
	return it
}

// WithRefused is the row with the refused action's form filled in again.
func (it QueueItem) WithRefused(action string, form, errs map[string]string) QueueItem {
	it.Posted, it.Form, it.Errors = action, form, errs
	if it.Form == nil {
		it.Form = map[string]string{}
	}
	return it
}

// field is the control of the action's form in this row; ids carry the
// lead's id, so each row's labels point at their own controls.
func (it QueueItem) field(action, name, label string) components.Field {
	f := components.Field{Name: name, ID: "q" + strconv.FormatInt(it.Lead.ID, 10) + "-" + action + "-" + name, Label: label}
	if it.Posted == action {
		f.Value, f.Error = it.Form[name], it.Errors[name]
	}
	return f
}

// rowID is the row's element id, the target of its forms' htmx answers.
func (it QueueItem) rowID() string { return "queue-" + strconv.FormatInt(it.Lead.ID, 10) }

// refusedHere is the message of an action refused as a whole in this row.
func (it QueueItem) refusedHere() string { return it.Errors[""] }

// queueRows keeps the queue's rows as HTML for every viewer alike, the
// CSRF token left as a hole: a rep opens the queue again and again, and
// each of its rows is three forms.
var queueRows = components.NewFragments[queueRowKey](4096)

// queueRowKey is everything a row without a refused form shows: the
// lead's version changes with every change of the lead itself, its
// owner's name does not.
type queueRowKey struct {
	id                               int64
	version                          int
	company, contact, email, owner   string
	stage                            leads.Stage
	slaApplies, slaOpen, slaBreached bool
	decide, canTouch, left           bool
}

// QueueRow is one lead of the queue with its next step.
func QueueRow(p components.Page, it QueueItem) templ.Component {
	if it.Posted != "" || len(it.Errors) > 0 {
		return queueRow(p, it)
	}
	l := it.Lead
	key := queueRowKey{id: l.ID, version: l.Version, company: l.Company, contact: l.ContactName, email: l.Email,
		owner: l.OwnerName, stage: l.Stage, slaApplies: it.SLA.Applies, slaOpen: it.SLA.Open, slaBreached: it.SLA.Breached,
		decide: it.Decide, canTouch: it.CanTouch, left: it.Left}
	return queueRows.Of(key, p.CSRF, func() templ.Component {
		return queueRow(components.Page{CSRF: components.Hole}, it)
	})
}
