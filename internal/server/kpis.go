package server

import (
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"tandem/internal/kpi"
	"tandem/internal/refusal"
	"tandem/internal/users"
	"tandem/web/pages/kpis"
	"tandem/web/pages/overview"
)

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
		if now := time.Now(); p.Start.After(now) {
			// A future period has no numbers yet; judging its zeros
			// against a target would say "behind" about what cannot have
			// happened.
			return kpi.Period{}, badRequest(p.Title() + " has not started yet, so it has no numbers. The current one is " +
				kpi.PeriodOf(kind, now, s.cfg.Location).Title() + ".")
		}
		return p, nil
	}
	return kpi.PeriodOf(kind, time.Now(), s.cfg.Location), nil
}

// picker builds the period links for path, keeping the other parameters.
func picker(path string, q url.Values, p kpi.Period) kpis.Picker {
	return kpis.PickerOf(path, q, p, time.Now())
}

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
	in := overview.Input{Lens: q.Get("lens"), DefaultLens: defaultLens(me), Query: q}
	if in.Lens == "" {
		in.Lens = in.DefaultLens
	}
	if !overview.KnownLens(in.Lens) {
		return badRequest("Unknown team lens; pick All teams, Sales, Marketing or Service.")
	}
	var err error
	if in.Period, err = s.periodChoice(q); err != nil {
		return err
	}
	in.Picker = picker("/", q, in.Period)
	ctx := r.Context()
	// The signs come with the KPIs, at most a minute old.
	if in.Dashboard, err = s.kpi.CachedDashboard(ctx, in.Period.Kind, in.Period.Start, s.log); err != nil {
		return err
	}
	if in.Todos, err = s.kpi.Todos(ctx, in.Lens, me.ID, string(me.Team), me.IsSalesManager()); err != nil {
		return err
	}
	if in.Launches, err = s.kpi.Launches(ctx, 14); err != nil {
		return err
	}
	if in.Wins, err = s.kpi.RecentWins(ctx, 6); err != nil {
		return err
	}
	if in.ReadinessTarget, err = s.kpi.Current(ctx, kpi.Readiness, kpi.Week); err != nil {
		return err
	}
	v := overview.Of(s.page(w, r, "Overview", "overview"), in)
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
	v := kpis.ListOf(s.page(w, r, "KPIs", "kpis"), picker("/kpis", q, p), p, d)
	return s.render(w, r, http.StatusOK, kpis.ListPage(v))
}

func (s *Server) kpiDetail(w http.ResponseWriter, r *http.Request) error {
	def, ok := kpi.Lookup(kpi.Key(chi.URLParam(r, "key")))
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
	v := kpis.DetailOf(s.page(w, r, def.Name, "kpis"), picker("/kpis/"+string(def.Key), q, p), def, p, d)
	if def.Key != kpi.Alignment && !v.Failed {
		rows, err := s.kpi.Rows(r.Context(), def.Key, p, drillShown+1)
		if err != nil {
			// The rows come from their own query: if it fails, the page
			// still shows the KPI and says the list is missing.
			s.log.Warn("kpi rows could not be listed", "kpi", string(def.Key), "period", p.Label(), "err", err)
			v.DrillFailed = true
		}
		if len(rows) > drillShown {
			v.DrillShown, rows = drillShown, rows[:drillShown]
		}
		v.Drill = rows
		v.ListLink = leadListLink(def.Key, p)
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

func (s *Server) targetsView(w http.ResponseWriter, r *http.Request) (kpis.Targets, error) {
	current := kpis.CurrentTargets{}
	get := func(key kpi.Key, kind kpi.Kind) error {
		t, err := s.kpi.Current(r.Context(), key, kind)
		if current[key] == nil {
			current[key] = map[kpi.Kind]*float64{}
		}
		current[key][kind] = t
		return err
	}
	for _, def := range kpi.Definitions {
		for _, k := range kpi.Kinds {
			if err := get(def.Key, k); err != nil {
				return kpis.Targets{}, err
			}
		}
	}
	if err := get(kpi.RevenueGoal, kpi.Quarter); err != nil {
		return kpis.Targets{}, err
	}
	history, err := s.kpi.History(r.Context(), 100)
	if err != nil {
		return kpis.Targets{}, err
	}
	p := s.page(w, r, "Targets", "kpis")
	return kpis.TargetsOf(p, currentUser(r).IsManager(), time.Now().In(s.cfg.Location), current, history), nil
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
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	_, err := s.kpi.SetTarget(ctx, currentUser(r).ID, in)
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if k := refusal.KindOf(err); k != refusal.Unknown {
		v, verr := s.targetsView(w, r)
		if verr != nil {
			return verr
		}
		v.Form = map[string]string{"kpi": string(in.KPI), "kind": string(in.Kind), "value": in.Value, "effective_from": in.EffectiveFrom}
		v.Errors = refusal.FieldMessages(err)
		return s.render(w, r, refusalStatus(k), kpis.TargetsPage(v))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Target saved.")
	return redirect(w, r, "/kpis/targets")
}
