package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"tandem/internal/format"
	"tandem/internal/kpi"
	"tandem/internal/users"
	"tandem/web/components"
	"tandem/web/pages/kpis"
	"tandem/web/pages/overview"
)

func (s *Server) kpiRoutes() []route {
	return []route{
		{"GET", "/", signedIn, s.overview},
		{"GET", "/kpis", signedIn, s.kpiList},
		{"GET", "/kpis/targets", signedIn, s.kpiTargets},
		{"POST", "/kpis/targets", managers, s.kpiSetTarget},
		{"GET", "/kpis/{key}", signedIn, s.kpiDetail},
	}
}

// drillShown caps the drill-down rows a KPI page lists.
const drillShown = 200

// periodChoice reads ?kind=week|month|quarter and ?period=LABEL; the
// default is this month.
func (s *Server) periodChoice(q url.Values) (kpi.Period, error) {
	kind := kpi.Kind(q.Get("kind"))
	if kind == "" {
		kind = kpi.Month
	}
	if !kind.Valid() {
		return kpi.Period{}, badRequest("Choose a week, month or quarter.")
	}
	if label := q.Get("period"); label != "" {
		p, err := kpi.ParsePeriod(label, s.cfg.Location)
		if err != nil || p.Kind != kind {
			return kpi.Period{}, badRequest("That period does not exist; pick one with the arrows.")
		}
		return p, nil
	}
	return kpi.PeriodOf(kind, time.Now(), s.cfg.Location), nil
}

// picker builds the period links for path, keeping the other parameters.
func picker(path string, q url.Values, p kpi.Period) kpis.Picker {
	link := func(kind kpi.Kind, label string) string {
		nq := cloneQuery(q, "kind", "period")
		nq.Set("kind", string(kind))
		if label != "" {
			nq.Set("period", label)
		}
		return path + "?" + nq.Encode()
	}
	pk := kpis.Picker{Title: p.Title(),
		Prev: kpis.PeriodLink{Label: p.Prev().Title(), URL: link(p.Kind, p.Prev().Label())}}
	if p.Next().Start.Before(time.Now()) {
		pk.Next = kpis.PeriodLink{Label: p.Next().Title(), URL: link(p.Kind, p.Next().Label())}
	}
	for _, k := range []struct {
		kind  kpi.Kind
		label string
	}{{kpi.Week, "Week"}, {kpi.Month, "Month"}, {kpi.Quarter, "Quarter"}} {
		pk.Kinds = append(pk.Kinds, kpis.PeriodLink{Label: k.label, URL: link(k.kind, ""), Current: p.Kind == k.kind})
	}
	return pk
}

func periodQuery(p kpi.Period) string {
	return "?kind=" + string(p.Kind) + "&period=" + url.QueryEscape(p.Label())
}

var lenses = []struct{ key, label string }{{"all", "All teams"}, {"sales", "Sales"}, {"marketing", "Marketing"}, {"service", "Service"}}

// defaultLens is the lens an overview opens on: a team member's own
// team, where their to-dos are; managers and admins look across teams.
func defaultLens(u *users.User) string {
	if u.IsManager() {
		return "all"
	}
	switch u.Team {
	case users.Sales, users.Marketing, users.Service:
		return string(u.Team)
	}
	return "all"
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	me := currentUser(r)
	lens := q.Get("lens")
	if lens == "" {
		lens = defaultLens(me)
	}
	valid := false
	for _, l := range lenses {
		valid = valid || l.key == lens
	}
	if !valid {
		return badRequest("Unknown team lens; pick All teams, Sales, Marketing or Service.")
	}
	p, err := s.periodChoice(q)
	if err != nil {
		return err
	}
	d, err := s.kpi.CachedDashboard(r.Context(), p.Kind, p.Start, s.log)
	if err != nil {
		return err
	}
	signs := d.Signs // computed with the KPIs, at most a minute old
	salesManager := me.IsSalesManager()
	todos, err := s.kpi.Todos(r.Context(), lens, me.ID, string(me.Team), salesManager)
	if err != nil {
		return err
	}
	launches, err := s.kpi.Launches(r.Context(), 14)
	if err != nil {
		return err
	}
	wins, err := s.kpi.RecentWins(r.Context(), 6)
	if err != nil {
		return err
	}
	readinessTarget, err := s.kpi.Current(r.Context(), kpi.Readiness, kpi.Week)
	if err != nil {
		return err
	}

	page := s.page(w, r, "Overview", "overview")
	v := overview.Overview{Page: page, Lens: lens, Picker: picker("/", q, p), AsOf: page.DateTime(d.ComputedAt)}
	pq := periodQuery(p)
	for _, l := range lenses {
		nq := cloneQuery(q, "lens")
		if l.key != defaultLens(me) { // the default lens needs no parameter; "all" does for a member
			nq.Set("lens", l.key)
		}
		u := "/"
		if len(nq) > 0 {
			u += "?" + nq.Encode()
		}
		v.Lenses = append(v.Lenses, kpis.PeriodLink{Label: l.label, URL: u, Current: l.key == lens})
		if l.key == lens {
			v.LensName = l.label
		}
	}
	v.Index = kpis.TileOf(d.Alignment, pq, nil)
	for _, s := range d.KPIs {
		v.Tiles = append(v.Tiles, kpis.TileOf(s, pq, signs))
	}
	// The lens team's signs first.
	for _, pass := range []bool{true, false} {
		for _, sg := range signs {
			if (sg.Subject == lens) == pass {
				v.Signs = append(v.Signs, overview.Sign{Title: sg.Title, Detail: sg.Detail, Link: sg.Link})
			}
		}
	}
	for _, t := range todos {
		v.Todos = append(v.Todos, overview.Todo{Title: t.Title, Count: t.Count, Link: t.Link})
	}
	for _, l := range launches {
		ol := overview.Launch{Name: l.Name, Link: fmt.Sprintf("/campaigns/%d", l.ID), Date: page.Date(l.LaunchOn)}
		var share *float64
		if l.Eligible > 0 {
			x := float64(l.Acked) / float64(l.Eligible)
			share = &x
		}
		ol.Readiness = fmt.Sprintf("%d of %d acknowledged", l.Acked, l.Eligible)
		ol.Status = kpis.StatusOf(kpi.Value{Value: share, Target: readinessTarget, Attainment: kpi.Attainment(kpi.Percent, share, readinessTarget)})
		switch {
		case !l.Announced:
			ol.Note = "not announced yet"
		case l.LateNotice:
			ol.Note = "late notice"
		}
		v.Launches = append(v.Launches, ol)
	}
	for _, win := range wins {
		ow := overview.Win{Company: win.Company, Link: fmt.Sprintf("/leads/%d", win.LeadID), Value: format.Money(win.Value),
			Rep: win.Rep, When: page.Date(win.WonAt)}
		if win.CampaignID != nil {
			ow.Campaign, ow.CampaignLink = win.Campaign, fmt.Sprintf("/campaigns/%d", *win.CampaignID)
		}
		v.Wins = append(v.Wins, ow)
	}
	return s.render(w, r, http.StatusOK, overview.OverviewPage(v))
}

func (s *Server) kpiList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p, err := s.periodChoice(q)
	if err != nil {
		return err
	}
	d, err := s.kpi.CachedDashboard(r.Context(), p.Kind, p.Start, s.log)
	if err != nil {
		return err
	}
	pq := periodQuery(p)
	v := kpis.List{Page: s.page(w, r, "KPIs", "kpis"), Picker: picker("/kpis", q, p), Index: kpis.TileOf(d.Alignment, pq, nil)}
	for _, s := range d.KPIs {
		v.Tiles = append(v.Tiles, kpis.TileOf(s, pq, d.Signs))
	}
	for _, part := range d.Parts {
		ip := kpis.IndexPart{Name: part.Name, Weight: part.Weight, Attainment: kpis.Format(kpi.Percent, part.Attainment),
			Included: part.Attainment != nil && part.Weight > 0 && d.Alignment.Current().Value != nil, Failed: part.Failed}
		if part.Failed {
			ip.Attainment = "could not compute"
		}
		v.Parts = append(v.Parts, ip)
	}
	return s.render(w, r, http.StatusOK, kpis.ListPage(v))
}

func (s *Server) kpiDetail(w http.ResponseWriter, r *http.Request) error {
	key := kpi.Key(chi.URLParam(r, "key"))
	def, ok := kpi.Lookup(key)
	if !ok {
		return errNotFound
	}
	q := r.URL.Query()
	p, err := s.periodChoice(q)
	if err != nil {
		return err
	}
	d, err := s.kpi.CachedDashboard(r.Context(), p.Kind, p.Start, s.log)
	if err != nil {
		return err
	}
	series := d.Alignment
	for _, ks := range d.KPIs {
		if ks.Key == key {
			series = ks
		}
	}
	format := func(f float64) string { return kpis.Format(def.Unit, &f) }
	v := kpis.Detail{Page: s.page(w, r, def.Name, "kpis"), Picker: picker("/kpis/"+string(key), q, p), Def: def,
		Tile: kpis.TileOf(series, periodQuery(p), d.Signs), Points: kpis.Points(series), Format: format, Failed: series.Failed}
	for i := len(series.Values) - 1; i >= 0; i-- {
		v.Rows = append(v.Rows, kpis.TableRowOf(series, series.Values[i], trimFloat))
	}
	if key != kpi.Alignment && !series.Failed {
		cur := series.Current()
		v.Numerator, v.Denominator = trimFloat(cur.Numerator), trimFloat(cur.Denominator)
		rows, err := s.kpi.Rows(r.Context(), key, p, drillShown+1)
		if err != nil {
			// The rows come from their own query: if it fails, the page
			// still shows the KPI and says the list is missing.
			s.log.Warn("kpi rows could not be listed", "kpi", string(key), "period", p.Label(), "err", err)
			v.DrillFailed = true
		}
		if len(rows) > drillShown {
			v.DrillShown, rows = drillShown, rows[:drillShown]
		}
		v.Drill = rows
		v.ListLink = leadListLink(key, p)
	}
	return s.render(w, r, http.StatusOK, kpis.DetailPage(v))
}

// leadListLink opens the same leads in the lead list, where its filters
// can express them.
func leadListLink(key kpi.Key, p kpi.Period) string {
	from := p.Start.Format("2006-01-02")
	to := p.End.AddDate(0, 0, -1).Format("2006-01-02")
	switch key {
	case kpi.Conversion, kpi.SpeedToLead:
		return "/leads?sort=handed_off&handed_from=" + from + "&handed_to=" + to
	}
	return ""
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

func (s *Server) targetsView(w http.ResponseWriter, r *http.Request) (kpis.Targets, error) {
	me := currentUser(r)
	p := s.page(w, r, "Targets", "kpis")
	v := kpis.Targets{Page: p, CanEdit: me.IsManager(), Form: map[string]string{"kind": "month",
		"effective_from": time.Now().In(s.cfg.Location).Format("2006-01-02")},
		KindOptions: []components.Option{{Value: "week", Label: "Week"}, {Value: "month", Label: "Month"}, {Value: "quarter", Label: "Quarter"}},
		KPIOptions:  []components.Option{{Value: "", Label: "Choose…"}}}
	for _, def := range kpi.Definitions {
		v.KPIOptions = append(v.KPIOptions, components.Option{Value: string(def.Key), Label: def.Name})
		row := kpis.TargetRow{Name: def.Name}
		for _, k := range kpi.Kinds {
			t, err := s.kpi.Current(r.Context(), def.Key, k)
			if err != nil {
				return v, err
			}
			cell := "—"
			if t != nil {
				cell = kpis.Format(def.Unit, t)
			}
			switch k {
			case kpi.Week:
				row.Week = cell
			case kpi.Month:
				row.Month = cell
			case kpi.Quarter:
				row.Quarter = cell
			}
		}
		v.Current = append(v.Current, row)
	}
	v.KPIOptions = append(v.KPIOptions, components.Option{Value: string(kpi.RevenueGoal), Label: "Quarterly revenue goal"})
	goal, err := s.kpi.Current(r.Context(), kpi.RevenueGoal, kpi.Quarter)
	if err != nil {
		return v, err
	}
	gr := kpis.TargetRow{Name: "Quarterly revenue goal", Week: "—", Month: "—", Quarter: "not set"}
	if goal != nil {
		gr.Quarter = format.Money(*goal)
	}
	v.Current = append(v.Current, gr)
	history, err := s.kpi.History(r.Context(), 100)
	if err != nil {
		return v, err
	}
	for _, h := range history {
		def, _ := kpi.Lookup(h.KPI)
		name, unit := def.Name, def.Unit
		if h.KPI == kpi.RevenueGoal {
			name, unit = "Quarterly revenue goal", kpi.Money
		}
		by := h.SetBy
		if by == "" {
			by = "—"
		}
		v.History = append(v.History, kpis.HistoryRow{KPI: name, Kind: string(h.Kind), Value: kpis.Format(unit, &h.Value),
			From: h.EffectiveFrom.Format("2 Jan 2006"), By: by, At: p.DateTime(h.SetAt)})
	}
	return v, nil
}

func (s *Server) kpiTargets(w http.ResponseWriter, r *http.Request) error {
	v, err := s.targetsView(w, r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, kpis.TargetsPage(v))
}

func (s *Server) kpiSetTarget(w http.ResponseWriter, r *http.Request) error {
	in := kpi.TargetInput{KPI: kpi.Key(r.PostFormValue("kpi")), Kind: kpi.Kind(r.PostFormValue("kind")),
		Value: r.PostFormValue("value"), EffectiveFrom: r.PostFormValue("effective_from")}
	_, err := s.kpi.SetTarget(r.Context(), currentUser(r).ID, in)
	var fe kpi.FieldErrors
	if errors.As(err, &fe) {
		v, verr := s.targetsView(w, r)
		if verr != nil {
			return verr
		}
		v.Form = map[string]string{"kpi": string(in.KPI), "kind": string(in.Kind), "value": in.Value, "effective_from": in.EffectiveFrom}
		v.Errors = fe
		return s.render(w, r, http.StatusUnprocessableEntity, kpis.TargetsPage(v))
	}
	if err != nil {
		return err
	}
	s.flash(w, "success", "Target saved.")
	return redirect(w, r, "/kpis/targets")
}
