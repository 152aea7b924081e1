package overview

import (
	"fmt"
	"net/url"

	"tandem/internal/kpi"
	"tandem/web/components"
	"tandem/web/pages/kpis"
)

// Lenses are the team lenses, in the order the overview offers them.
var Lenses = []struct{ Key, Label string }{
	{"all", "All teams"}, {"sales", "Sales"}, {"marketing", "Marketing"}, {"service", "Service"},
}

// KnownLens reports whether lens is one of Lenses.
func KnownLens(lens string) bool {
	for _, l := range Lenses {
		if l.Key == lens {
			return true
		}
	}
	return false
}

// Input is what the overview is made of.
type Input struct {
	Lens        string // the lens shown
	DefaultLens string // the viewer's default, linked without a parameter
	Query       url.Values
	Picker      kpis.Picker
	Period      kpi.Period
	Dashboard   kpi.Snapshot
	Todos       []kpi.Todo
	Launches    []kpi.Launch
	Wins        []kpi.Win
	// ReadinessTarget is the weekly readiness target launches are judged on.
	ReadinessTarget *float64
}

// Of is the overview's view.
func Of(p components.Page, in Input) Overview {
	d := in.Dashboard
	v := Overview{Page: p, Lens: in.Lens, Picker: in.Picker, AsOf: p.DateTime(d.ComputedAt)}
	for _, l := range Lenses {
		nq := url.Values{}
		for k, vs := range in.Query {
			nq[k] = append([]string(nil), vs...)
		}
		nq.Del("lens")
		if l.Key != in.DefaultLens { // the default lens needs no parameter; "all" does for a member
			nq.Set("lens", l.Key)
		}
		u := "/"
		if len(nq) > 0 {
			u += "?" + nq.Encode()
		}
		v.Lenses = append(v.Lenses, kpis.PeriodLink{Label: l.Label, URL: u, Current: l.Key == in.Lens})
		if l.Key == in.Lens {
			v.LensName = l.Label
		}
	}
	pq := kpis.PeriodQuery(in.Period)
	v.Index = kpis.TileOf(d.Alignment, pq, nil, p.Currency)
	v.Tiles = kpis.TilesOf(d, pq, p.Currency)
	v.Signs = SignsOf(d.Signs, in.Lens)
	for _, t := range in.Todos {
		v.Todos = append(v.Todos, Todo{Title: t.Title, Count: t.Count, Link: t.Link})
	}
	for _, l := range in.Launches {
		v.Launches = append(v.Launches, LaunchOf(l, in.ReadinessTarget, p))
	}
	for _, win := range in.Wins {
		v.Wins = append(v.Wins, WinOf(win, p))
	}
	return v
}

// SignsOf lists the trouble signs, the lens team's first.
func SignsOf(signs []kpi.Sign, lens string) []Sign {
	var out []Sign
	for _, pass := range []bool{true, false} {
		for _, sg := range signs {
			if (sg.Subject == lens) == pass {
				out = append(out, Sign{Title: sg.Title, Detail: sg.Detail, Link: sg.Link})
			}
		}
	}
	return out
}

// LaunchOf is an upcoming launch with its readiness, judged on target.
func LaunchOf(l kpi.Launch, target *float64, p components.Page) Launch {
	ol := Launch{Name: l.Name, Link: fmt.Sprintf("/campaigns/%d", l.ID), Date: p.Date(l.LaunchOn)}
	var share *float64
	if l.Eligible > 0 {
		x := float64(l.Acked) / float64(l.Eligible)
		share = &x
	}
	ol.Readiness = fmt.Sprintf("%d of %d acknowledged", l.Acked, l.Eligible)
	ol.Status = kpis.StatusOf(kpi.Value{Value: share, Target: target, Attainment: kpi.Attainment(kpi.Percent, share, target)})
	switch {
	case !l.Announced:
		ol.Note = "not announced yet"
	case l.LateNotice:
		ol.Note = "late notice"
	}
	return ol
}

// WinOf is a recent won deal.
func WinOf(win kpi.Win, p components.Page) Win {
	ow := Win{Company: win.Company, Link: fmt.Sprintf("/leads/%d", win.LeadID), Value: p.Money(win.Value),
		Rep: win.Rep, When: p.Date(win.WonAt)}
	if win.CampaignID != nil {
		ow.Campaign, ow.CampaignLink = win.Campaign, fmt.Sprintf("/campaigns/%d", *win.CampaignID)
	}
	return ow
}
