package leads

import (
	"slices"
	"strconv"

	"github.com/a-h/templ"

	"tandem/internal/campaigns"
	"tandem/internal/leads"
	"tandem/internal/routing"
	"tandem/web/components"
)

// RoutingPath is the routing rules page.
const RoutingPath = "/leads/routing"

// RulePath is a rule's edit page; its POST saves it.
func RulePath(id int64) string { return RoutingPath + "/" + strconv.FormatInt(id, 10) }

// Routing is the routing rules page: the rules in order, the add-a-rule
// form (kept as typed when refused) and the reps' capacities.
type Routing struct {
	components.Page
	Rules  []routing.Rule
	Reps   []routing.RepState
	Form   RuleForm
	Errors map[string]string
	// Caps are the capacity form's values by field (as typed when
	// refused), CapErrors its messages.
	Caps      map[string]string
	CapErrors map[string]string
	Choices   RuleChoices
}

// RuleForm is a rule's form: empty to add one, or the rule being edited
// (ID, Version).
type RuleForm struct {
	ID      int64
	Version int
	routing.RuleInput
}

// RuleChoices are the pickers of the rule form.
type RuleChoices struct {
	Campaigns []leads.CampaignChoice
	Reps      []leads.Rep
}

// RuleEdit is a rule's own page, where it is edited.
type RuleEdit struct {
	components.Page
	Form    RuleForm
	Errors  map[string]string
	Choices RuleChoices
	// Changed says the rule changed since the form was loaded; the form
	// shows the rule as it is now.
	Changed bool
}

// FormOf is the form of a stored rule.
func FormOf(r routing.Rule) RuleForm {
	in := routing.RuleInput{Name: r.Name, Channel: r.Channel, Fits: r.Fits, Method: string(r.Method), Weights: map[string]string{}}
	for i, c := range r.Countries {
		if i > 0 {
			in.Countries += ", "
		}
		in.Countries += c
	}
	if r.CampaignID != nil {
		in.Campaign = strconv.FormatInt(*r.CampaignID, 10)
	}
	if r.ScoreMin != nil {
		in.ScoreMin = strconv.Itoa(*r.ScoreMin)
	}
	if r.ScoreMax != nil {
		in.ScoreMax = strconv.Itoa(*r.ScoreMax)
	}
	if r.NamedRepID != nil {
		in.NamedRep = strconv.FormatInt(*r.NamedRepID, 10)
	}
	for _, p := range r.Pool {
		id := strconv.FormatInt(p.UserID, 10)
		in.Reps = append(in.Reps, id)
		in.Weights[id] = strconv.Itoa(p.Weight)
	}
	return RuleForm{ID: r.ID, Version: r.Version, RuleInput: in}
}

func (f RuleForm) action() string {
	if f.ID == 0 {
		return RoutingPath
	}
	return RulePath(f.ID)
}

func (f RuleForm) hasRep(id int64) bool { return slices.Contains(f.Reps, strconv.FormatInt(id, 10)) }

func (f RuleForm) weight(id int64) string {
	if w := f.Weights[strconv.FormatInt(id, 10)]; w != "" {
		return w
	}
	return "1"
}

func (f RuleForm) method() string {
	if f.Method == "" {
		return string(routing.RoundRobin)
	}
	return f.Method
}

func (c RuleChoices) campaignOptions() []components.Option {
	opts := CampaignOptions(c.Campaigns)
	opts[0].Label = "Any campaign"
	return opts
}

func channelOptions() []components.Option {
	opts := []components.Option{{Value: "", Label: "Any channel"}}
	for _, ch := range routing.Channels {
		opts = append(opts, components.Option{Value: ch, Label: campaigns.Channel(ch).Label()})
	}
	return opts
}

// methodHints say what each method does, beside its radio button.
var methodHints = map[routing.Method]string{
	routing.RoundRobin:  "Each chosen rep in turn.",
	routing.Weighted:    "In turn, a rep of weight 2 twice as often as one of weight 1.",
	routing.LeastLoaded: "The chosen rep with the fewest leads waiting for their accept or reject.",
	routing.Named:       "Always the one rep named below.",
	routing.Queue:       "Nobody: the lead waits for a sales manager to assign it.",
}

func (c RuleChoices) namedOptions() []components.Option { return RepOptions(c.Reps, "Choose a rep") }

func ruleAction(id int64, action string) templ.SafeURL {
	return templ.SafeURL(RulePath(id) + "/" + action)
}

// poolText lists a rule's reps with their weights (for weighted rules) and
// how many leads the rule gave each.
func poolText(r routing.Rule) string {
	switch r.Method {
	case routing.Named:
		return r.NamedRep
	case routing.Queue:
		return "—"
	}
	s := ""
	for i, p := range r.Pool {
		if i > 0 {
			s += ", "
		}
		s += p.Name
		if r.Method == routing.Weighted {
			s += " ×" + strconv.Itoa(p.Weight)
		}
		s += " (" + strconv.Itoa(p.Routed) + ")"
	}
	return s
}

func capValue(v Routing, id int64) string {
	key := routing.CapacityField(id)
	if typed, ok := v.Caps[key]; ok {
		return typed
	}
	for _, r := range v.Reps {
		if r.ID == id && r.MaxOpen != nil {
			return strconv.Itoa(*r.MaxOpen)
		}
	}
	return ""
}
