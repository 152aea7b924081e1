// Package sla is the two-sided SLA page: marketing's commitment of MQLs
// and their quality beside sales' commitment to follow up in time.
package sla

import (
	"net/url"
	"strconv"
	"strings"

	"tandem/internal/format"
	"tandem/internal/kpi"
	"tandem/internal/leads"
	"tandem/web/components"
	"tandem/web/pages/kpis"
)

// Page is /sla for one period.
type Page struct {
	components.Page
	Picker kpis.Picker
	// Clock says how the follow-up time is counted: "24 hours" or
	// "8 business hours".
	Clock     string
	Business  bool
	Marketing []Figure
	Sales     []Figure
	Reasons   []Count
	Buckets   []Count
	Reps      []Rep
	Ladder    []Count
	Trend     []TrendRow
	// Drill is the list of leads behind one figure, when one is chosen.
	Drill *Drill
}

// Figure is one headline number of a side, linked to its leads.
type Figure struct {
	ID     string
	Label  string
	Value  string
	Detail string
	Status kpis.Status
	URL    string
}

// Count is one labelled count of a breakdown, linked to its leads.
type Count struct {
	Label string
	Count int
	Share string
	URL   string
}

// Rep is one owner's follow-up of the period's handoffs.
type Rep struct {
	Name        string
	HandedOff   int
	Within      int
	Breaches    int
	BreachesURL string
	Median      string
}

// TrendRow is one period of the trend table.
type TrendRow struct {
	Period      string
	Link        string
	MQL         string
	Committed   string
	Acceptance  string
	Quality     string
	InSLA       string
	Median      string
	Breaches    string
	Escalations string
}

// Drill lists the leads behind a figure.
type Drill struct {
	Title string
	Rows  []kpi.Row
	// Capped is set when the list shows only the first Shown leads.
	Shown  int
	Capped bool
	Failed bool
}

// Hours writes a response time in hours: "0.4 h", "no data".
func Hours(h *float64) string {
	if h == nil {
		return "no data"
	}
	return strconv.FormatFloat(*h, 'f', 1, 64) + " h"
}

// DrillTitle names a drill-down the page offers, for the list's heading.
func DrillTitle(show kpi.SLAShow) string {
	name, arg, _ := strings.Cut(string(show), ":")
	switch kpi.SLAShow(name) {
	case kpi.ShowMQL:
		return "MQLs delivered"
	case kpi.ShowAccepted:
		return "Leads accepted"
	case kpi.ShowRejected:
		if arg != "" {
			return "Leads rejected: " + leads.Reason(arg).Label()
		}
		return "Leads rejected"
	case kpi.ShowRated:
		return "Leads rated"
	case kpi.ShowHandedOff:
		return "Leads handed off"
	case kpi.ShowWithin5m:
		return "First touch within 5 minutes"
	case kpi.ShowWithin1h:
		return "First touch after 5 minutes, within 1 hour"
	case kpi.ShowWithin24h:
		return "First touch after 1 hour, within 24 hours"
	case kpi.ShowLater:
		return "First touch after 24 hours"
	case kpi.ShowNever:
		return "No first touch"
	case kpi.ShowInSLA:
		return "Touched within the SLA"
	case kpi.ShowBreached:
		if arg != "" {
			return "SLA breaches of one owner"
		}
		return "SLA breaches"
	case kpi.ShowEscalated:
		return "Escalation steps fired"
	}
	return "Leads"
}

var actionLabels = map[string]string{"remind_rep": "Reminded the rep", "notify_managers": "Told the sales managers",
	"reroute": "Re-routed"}

// Of builds the page from the report t; link makes a URL that keeps the
// period and shows one drill-down.
func Of(pg components.Page, picker kpis.Picker, clock string, business bool, t kpi.TwoSided, link func(kpi.SLAShow) string) Page {
	v := Page{Page: pg, Picker: picker, Clock: clock, Business: business}
	mql, acc, qual, speed := t.MQL.Current(), t.Acceptance.Current(), t.Quality.Current(), t.Speed.Current()
	resp := t.Response

	delivered := Figure{ID: "mql", Label: "MQLs delivered", Value: format.Int(int(mql.Numerator)), Status: kpis.StatusOf(mql),
		URL: link(kpi.ShowMQL), Detail: "no commitment set for the period"}
	if mql.Target != nil {
		delivered.Detail = "of " + kpis.Format(kpi.Count, mql.Target) + " committed"
		if mql.Pace != nil {
			delivered.Detail += ", " + kpis.Format(kpi.Count, mql.Pace) + " due by now"
		}
	}
	v.Marketing = []Figure{delivered,
		{ID: "acceptance", Label: "Acceptance rate", Value: kpis.Format(kpi.Percent, acc.Value), Status: kpis.StatusOf(acc),
			Detail: format.Int(int(acc.Numerator)) + " accepted of " + format.Int(int(acc.Denominator)) + " decided",
			URL:    link(kpi.ShowAccepted)},
		{ID: "quality", Label: "Mean quality rating", Value: kpis.Format(kpi.Score, qual.Value), Status: kpis.StatusOf(qual),
			Detail: format.Int(int(qual.Denominator)) + " ratings, 1–5", URL: link(kpi.ShowRated)},
	}
	clockWord := "elapsed hours"
	if business {
		clockWord = "business hours"
	}
	fired := 0
	for _, e := range t.Escalations {
		fired += e.Count
	}
	v.Sales = []Figure{
		{ID: "in-sla", Label: "Touched within the SLA", Value: kpis.Format(kpi.Percent, speed.Value), Status: kpis.StatusOf(speed),
			Detail: format.Int(int(speed.Numerator)) + " of " + format.Int(int(speed.Denominator)) + " due by now",
			URL:    link(kpi.ShowInSLA)},
		{ID: "median", Label: "Median response", Value: Hours(resp.Median), Detail: "in " + clockWord + ", touched leads",
			URL: link(kpi.ShowHandedOff)},
		{ID: "p90", Label: "90th percentile response", Value: Hours(resp.P90), Detail: "in " + clockWord,
			URL: link(kpi.ShowHandedOff)},
		{ID: "breaches", Label: "SLA breaches", Value: format.Int(resp.Breaches), Detail: "deadline passed without a touch",
			URL: link(kpi.ShowBreached)},
		{ID: "escalations", Label: "Escalations fired", Value: format.Int(fired), Detail: "steps of the ladder",
			URL: link(kpi.ShowEscalated)},
	}

	rejected := 0
	for _, r := range t.Reasons {
		rejected += r.Count
	}
	for _, r := range t.Reasons {
		v.Reasons = append(v.Reasons, Count{Label: r.Reason.Label(), Count: r.Count, Share: share(r.Count, rejected),
			URL: link(kpi.ShowRejected + kpi.SLAShow(":"+string(r.Reason)))})
	}
	for _, b := range []struct {
		label string
		n     int
		show  kpi.SLAShow
	}{{"Within 5 minutes", resp.Within5m, kpi.ShowWithin5m}, {"5 minutes to 1 hour", resp.Within1h, kpi.ShowWithin1h},
		{"1 to 24 hours", resp.Within24h, kpi.ShowWithin24h}, {"Later", resp.Later, kpi.ShowLater},
		{"No touch", resp.Never, kpi.ShowNever}} {
		v.Buckets = append(v.Buckets, Count{Label: b.label, Count: b.n, Share: share(b.n, resp.HandedOff), URL: link(b.show)})
	}
	for _, r := range t.Reps {
		rep := Rep{Name: r.Name, HandedOff: r.HandedOff, Within: r.Within, Breaches: r.Breaches, Median: Hours(r.Median)}
		owner := "none"
		if r.OwnerID == nil {
			rep.Name = "No rep (queue)"
		} else {
			owner = strconv.FormatInt(*r.OwnerID, 10)
		}
		if r.Breaches > 0 {
			rep.BreachesURL = link(kpi.ShowBreached + kpi.SLAShow(":"+owner))
		}
		v.Reps = append(v.Reps, rep)
	}
	for _, e := range t.Escalations {
		label := actionLabels[e.Action]
		if label == "" {
			label = e.Action
		}
		v.Ladder = append(v.Ladder, Count{Label: label, Count: e.Count, Share: share(e.Count, fired)})
	}
	for i := len(t.Speed.Values) - 1; i >= 0; i-- {
		m, speed := t.MQL.Values[i], t.Speed.Values[i]
		row := TrendRow{Period: speed.Period.Title(), Link: "/sla" + kpis.PeriodQuery(speed.Period),
			MQL: format.Int(int(m.Numerator)), Committed: kpis.Format(kpi.Count, m.Target),
			Acceptance: kpis.Format(kpi.Percent, t.Acceptance.Values[i].Value),
			Quality:    kpis.Format(kpi.Score, t.Quality.Values[i].Value),
			InSLA:      kpis.Format(kpi.Percent, speed.Value), Median: Hours(speed.Extra),
			Breaches: format.Int(t.Breaches(i)), Escalations: format.Int(t.Escalated[i])}
		if m.Target == nil {
			row.Committed = "not set"
		}
		v.Trend = append(v.Trend, row)
	}
	return v
}

func share(n, of int) string {
	if of == 0 {
		return "–"
	}
	return format.Percent(float64(n) / float64(of))
}

// ShowLink is the page's URL for period p showing one drill-down.
func ShowLink(p kpi.Period, show kpi.SLAShow) string {
	return "/sla" + kpis.PeriodQuery(p) + "&show=" + url.QueryEscape(string(show)) + "#drill"
}
