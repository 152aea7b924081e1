package server

import (
	"errors"
	"net/http"

	"tandem/internal/kpi"
	"tandem/internal/sla"
	slapage "tandem/web/pages/sla"
)

// slaPage is /sla: both sides of the SLA for a period, and with ?show= the
// leads behind one of its numbers.
func (s *Server) slaPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p, err := s.periodChoice(q)
	if err != nil {
		return err
	}
	ctx := r.Context()
	show := kpi.SLAShow(q.Get("show"))
	var drill *slapage.Drill
	if show != "" {
		rows, err := s.kpi.SLARows(ctx, p, show, drillShown+1)
		if errors.Is(err, kpi.ErrUnknownShow) {
			return badRequest("That list does not exist; pick a number on the page to see its leads.")
		}
		if err != nil {
			return err
		}
		drill = &slapage.Drill{Title: slapage.DrillTitle(show), Rows: rows}
		if len(rows) > drillShown {
			drill.Rows, drill.Capped, drill.Shown = rows[:drillShown], true, drillShown
		}
	}
	// The KPI series are the overview's snapshot (at most a minute old),
	// so its tiles and this page agree; the rest is counted now.
	snap, err := s.kpi.CachedDashboard(ctx, p.Kind, p.Start, s.log)
	if err != nil {
		return err
	}
	report, err := s.kpi.TwoSided(ctx, p, &snap.Dashboard)
	if err != nil {
		return err
	}
	policy, err := s.sla.Policy(ctx)
	if err != nil {
		return err
	}
	link := func(show kpi.SLAShow) string { return slapage.ShowLink(p, show) }
	v := slapage.Of(s.page(w, r, "Two-sided SLA", "kpis"), picker("/sla", q, p), policy.Describe(),
		policy.Calendar.Mode == sla.Business, report, link)
	v.Drill = drill
	return s.render(w, r, http.StatusOK, slapage.SLAPage(v))
}
