// Package leads holds the lead pages: list, queue, rejected leads, detail
// with its action forms, import and the stale-edit page.
package leads

import (
	"math"
	"strconv"

	"github.com/a-h/templ"

	"tandem/internal/format"
	"tandem/internal/leads"
	"tandem/web/components"
)

// Row is one lead in a table, with its SLA state worked out.
type Row struct {
	Lead leads.Lead
	SLA  leads.SLA
}

func leadURL(id int64) templ.SafeURL {
	return templ.SafeURL("/leads/" + strconv.FormatInt(id, 10))
}

func leadAction(id int64, action string) templ.SafeURL {
	return templ.SafeURL("/leads/" + strconv.FormatInt(id, 10) + "/" + action)
}

func stageClass(s leads.Stage) string {
	switch s {
	case leads.Won, leads.Accepted, leads.Opportunity:
		return "tag tag-good"
	case leads.Rejected, leads.Lost:
		return "tag tag-bad"
	case leads.HandedOff:
		return "tag tag-warn"
	}
	return "tag"
}

// money shows a deal value with its cents in currency ("" for a table
// column whose header names it), "—" when there is none.
func money(currency string, v *float64) string {
	if v == nil {
		return "—"
	}
	return format.CurrencyCents(currency, int64(math.Round(*v*100)))
}

func rating(r *int) string {
	if r == nil {
		return "—"
	}
	return strconv.Itoa(*r) + "/5"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func str(n int) string { return strconv.Itoa(n) }

// slaText says the SLA state in words (never colour alone).
func slaText(p components.Page, s leads.SLA) string {
	switch {
	case !s.Applies:
		return ""
	case s.Open && s.Breached:
		return "SLA breached — no first touch since " + p.DateTime(s.Deadline)
	case s.Open:
		return "First touch due by " + p.DateTime(s.Deadline)
	case s.Breached:
		return "First touch came after the SLA"
	}
	return "First touch within the SLA"
}

// The choices of the accept, reject and touch forms, rendered once: the
// queue shows them on each of its 50 rows.
var (
	ratingChoices = components.NewOptions([]components.Option{{Value: "", Label: "Choose…"}, {Value: "5", Label: "5 — excellent fit"},
		{Value: "4", Label: "4 — good"}, {Value: "3", Label: "3 — fair"}, {Value: "2", Label: "2 — poor"}, {Value: "1", Label: "1 — not a lead"}})
	reasonChoices = components.NewOptions(reasonOptions())
	touchChoices  = components.NewOptions([]components.Option{{Value: "call", Label: "Call"}, {Value: "email", Label: "Email"},
		{Value: "meeting", Label: "Meeting"}, {Value: "note", Label: "Note"}})
)

func reasonOptions() []components.Option {
	opts := []components.Option{{Value: "", Label: "Choose…"}}
	for _, r := range leads.Reasons {
		opts = append(opts, components.Option{Value: string(r), Label: r.Label()})
	}
	return opts
}

func eventText(e leads.Event) string {
	switch e.Kind {
	case "created":
		return "created the lead"
	case "stage":
		from, to := "", ""
		if e.From != nil {
			from = e.From.Label()
		}
		if e.To != nil {
			to = e.To.Label()
		}
		return "moved it " + from + " → " + to
	case "touch":
		if e.TouchKind != nil {
			return "logged a touch (" + *e.TouchKind + ")"
		}
		return "logged a touch"
	case "assign":
		return "changed the owner"
	case "edit":
		return "edited the lead"
	case "comment":
		return "commented"
	case "route":
		return "handed it to the routing rules"
	}
	return e.Kind
}

func oneDecimal(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// leadsLinks is the leads area's sub-navigation; "My queue" is for sales.
func leadsLinks(sales, routing bool) []components.SubLink {
	links := []components.SubLink{{Key: "all", Label: "All leads", Href: "/leads"}}
	if sales {
		links = append(links, components.SubLink{Key: "queue", Label: "My queue", Href: "/leads/queue"})
	}
	links = append(links, components.SubLink{Key: "rejected", Label: "Rejected leads", Href: "/leads/rejected"})
	if routing {
		links = append(links, components.SubLink{Key: "routing", Label: "Routing", Href: RoutingPath})
	}
	return links
}

// CampaignOptions are the source-campaign picker's choices, newest launch
// first as given, each with its launch day so same-named campaigns of
// different years can be told apart.
func CampaignOptions(list []leads.CampaignChoice) []components.Option {
	opts := []components.Option{{Value: "", Label: "None"}}
	for _, c := range list {
		// launch_on is a calendar day, not an instant: no timezone applies.
		opts = append(opts, components.Option{Value: strconv.FormatInt(c.ID, 10),
			Label: c.Name + " — launch " + c.LaunchOn.Format("2 Jan 2006")})
	}
	return opts
}
