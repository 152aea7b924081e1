package leads

import (
	"maps"
	"slices"
	"strconv"
	"tandem/internal/intake"
	"time"

	"github.com/a-h/templ"

	"tandem/internal/leads"
	"tandem/internal/users"
	"tandem/web/components"
)

// Detail is one lead with its timeline and the forms its viewer may use.
type Detail struct {
	components.Page
	Lead      leads.Lead
	SLA       leads.SLA
	Events    []leads.Event
	Moves     []leads.Stage
	CanTouch  bool
	CanAssign bool
	CanEdit   bool
	ShowQueue bool
	// ShowRouting links the routing rules (sales managers, admins).
	ShowRouting bool
	// Reps are the hand-off form's choices, where no rep is a valid
	// answer; AssignReps the assign form's, where a rep must be chosen.
	Reps       *components.Options
	AssignReps *components.Options
	// Posted is the action whose form was refused ("accept", "touch", …);
	// Form holds what it sent, Errors why, each keyed by the form's field
	// names. Only that form is filled in.
	Posted string
	Form   map[string]string
	Errors map[string]string
	// Refusal is the message of an action refused as a whole.
	Refusal string
	// Intake lists the intake submissions of the lead, oldest first.
	Intake []IntakeLine
}

// Action forms of the lead page: each posts to /leads/{id}/{action}.
const (
	ActQualify = "qualify"
	ActHandOff = "hand-off"
	ActAccept  = "accept"
	ActReject  = "reject"
	ActConvert = "convert"
	ActWin     = "win"
	ActLose    = "lose"
	ActRecycle = "recycle"
	ActTouch   = "touch"
	ActAssign  = "assign"
	ActComment = "comment"
)

// DetailInput is what the lead page shows besides the lead: its timeline,
// the reps to pick from, and a refused form to show again (Posted, Form,
// Errors; key "" of Errors refuses the action as a whole).
type DetailInput struct {
	Events []leads.Event
	Reps   []leads.Rep
	// Routing is whether any routing rule exists: the handoff form then
	// offers (and preselects) handing off to the rules.
	Routing     bool
	ShowQueue   bool
	ShowRouting bool
	Posted      string
	Form        map[string]string
	Errors      map[string]string
	// Submissions are the intake submissions that created the lead or
	// merged into it.
	Submissions []intake.Submission
}

// IntakeLine is one intake submission on the lead's page, with its UTM
// parameters.
type IntakeLine struct {
	At, AtISO, Source, Outcome, Campaign string
	UTM                                  [][2]string // name, value; only those sent
}

func intakeLines(p components.Page, subs []intake.Submission) []IntakeLine {
	var out []IntakeLine
	for _, x := range subs {
		l := IntakeLine{At: p.DateTime(x.At), AtISO: x.At.Format(time.RFC3339), Source: x.SourceName,
			Outcome: string(x.Outcome), Campaign: x.Campaign}
		for _, kv := range [][2]string{{"utm_source", x.UTM.Source}, {"utm_medium", x.UTM.Medium},
			{"utm_campaign", x.UTM.Campaign}, {"utm_content", x.UTM.Content}, {"utm_term", x.UTM.Term}} {
			if kv[1] != "" {
				l.UTM = append(l.UTM, kv)
			}
		}
		out = append(out, l)
	}
	return out
}

// DetailOf is the lead page as me sees it at now: the forms me may use, and
// the refused one filled in again.
func DetailOf(p components.Page, me users.User, l leads.Lead, in DetailInput, now time.Time) Detail {
	v := Detail{
		Page: p, Lead: l, SLA: l.SLAState(now), Events: in.Events,
		Moves: l.MovesFor(me), CanTouch: l.CanTouch(me) == nil, CanAssign: l.CanAssign(me) == nil, CanEdit: l.CanEdit(me) == nil,
		ShowQueue: in.ShowQueue, ShowRouting: in.ShowRouting, Reps: handoffOptions(in.Reps, in.Routing),
		AssignReps: assignReps.Of(in.Reps, func(reps []leads.Rep) []components.Option { return RepOptions(reps, "Choose a rep") }),
		Posted:     in.Posted, Form: in.Form, Errors: maps.Clone(in.Errors),
		Intake: intakeLines(p, in.Submissions),
	}
	if v.Form == nil {
		v.Form = map[string]string{}
	}
	if msg, ok := v.Errors[""]; ok {
		v.Refusal = msg
		delete(v.Errors, "")
	}
	return v
}

// assignReps is the assign form's picker, rendered once per change of the
// reps.
var assignReps components.OptionsMemo[leads.Rep]

// RepOptions are the choices of a rep picker, blank first.
func RepOptions(reps []leads.Rep, blank string) []components.Option {
	opts := []components.Option{{Value: "", Label: blank}}
	for _, rep := range reps {
		opts = append(opts, components.Option{Value: strconv.FormatInt(rep.ID, 10), Label: rep.Name})
	}
	return opts
}

// RouteByRules is the handoff form's owner value that hands the lead to
// the routing rules.
const RouteByRules = "rules"

// handoffOptions are the handoff form's owners: the routing rules first
// when there are any, then a sales manager's queue, then each rep.
func handoffOptions(reps []leads.Rep, routing bool) *components.Options {
	if routing {
		return handoffRouted.Of(reps, func(reps []leads.Rep) []components.Option {
			return append([]components.Option{{Value: RouteByRules, Label: "The routing rules choose"}}, handoffChoices(reps)...)
		})
	}
	return handoffUnrouted.Of(reps, handoffChoices)
}

var handoffRouted, handoffUnrouted components.OptionsMemo[leads.Rep]

func handoffChoices(reps []leads.Rep) []components.Option {
	return RepOptions(reps, "Leave for a sales manager")
}

func (v Detail) can(s leads.Stage) bool { return slices.Contains(v.Moves, s) }

// field is the control name of the action's form, filled in when that
// form was the one refused; id keeps element ids unique on the page.
func (v Detail) field(action, name, id, label string) components.Field {
	f := components.Field{Name: name, ID: id, Label: label}
	if v.Posted == action {
		f.Value, f.Error = v.Form[name], v.Errors[name]
	}
	return f
}

func required(f components.Field) components.Field {
	f.Required = true
	return f
}

// limited caps the field at n characters, the server's limit.
func limited(f components.Field, n int) components.Field {
	f.MaxLength = n
	return f
}

func hinted(f components.Field, hint string) components.Field {
	f.Hint = hint
	return f
}

func dealValueField(v Detail) components.Field {
	f := hinted(required(v.field(ActWin, "value", "", v.MoneyHeader("Deal value"))), "A plain amount, like 12500 or 12,500.50.")
	f.Attrs = templ.Attributes{"inputmode": "decimal", "autocomplete": "off"}
	f.MaxLength = leads.MaxDealValueText
	return f
}

// leadFormFields are the new and edit forms' fields top to bottom, the
// error summary's order.
var leadFormFields = []string{"company", "contact_name", "email", "phone", "title", "country", "source_campaign", "fit", "score"}

// handoffOwner is the handoff form's owner field: the routing rules are
// the default when there are any.
func handoffOwner(v Detail) components.Field {
	f := v.field(ActHandOff, "owner", "handoff_owner", "Rep")
	if v.Reps.Has(RouteByRules) {
		if v.Posted != ActHandOff {
			f.Value = RouteByRules
		}
		return hinted(f, "The routing rules pick a rep (the first matching rule wins), or choose one yourself, or leave it for a sales manager to assign.")
	}
	return hinted(f, "Or leave it for a sales manager to assign.")
}
