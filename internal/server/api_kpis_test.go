package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"tandem/internal/kpi"
)

func TestAPIKPIDashboardAndSeries(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, agent := e.token("agent@example.com")
	c := e.api(agent)
	res := c.get("/api/v1/kpis?kind=quarter")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %d %s", res.StatusCode, res.Body)
	}
	var d struct {
		Period    apiPeriod `json:"period"`
		KPIs      []apiKPI  `json:"kpis"`
		Alignment apiKPI    `json:"alignment"`
	}
	res.json(t, &d)
	want := kpi.PeriodOf(kpi.Quarter, time.Now(), e.srv.cfg.Location)
	if d.Period.Label != want.Label() || d.Alignment.Key != "alignment" || len(d.KPIs) != len(kpi.Definitions)-1 {
		t.Errorf("dashboard period %+v, alignment %q, %d KPIs", d.Period, d.Alignment.Key, len(d.KPIs))
	}
	// The numbers are the KPI page's: the same snapshot.
	snap, err := e.srv.kpi.CachedDashboard(context.Background(), kpi.Quarter, time.Now(), e.srv.log)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range d.KPIs {
		got, _ := json.Marshal(k.Value)
		exp, _ := json.Marshal(snap.KPIs[i].Current().Value)
		if k.Key != string(snap.KPIs[i].Key) || string(got) != string(exp) || k.Weight == nil {
			t.Errorf("KPI %d: %s = %s, want %s = %s", i, k.Key, got, snap.KPIs[i].Key, exp)
		}
	}
	prev := want.Prev().Label()
	if res := c.get("/api/v1/kpis?kind=quarter&period=" + prev); res.StatusCode != http.StatusOK {
		t.Errorf("previous quarter: %d", res.StatusCode)
	}
	series := c.get("/api/v1/kpis/conversion?kind=week")
	var s struct {
		Key    string        `json:"key"`
		Values []apiKPIValue `json:"values"`
	}
	series.json(t, &s)
	if series.StatusCode != http.StatusOK || s.Key != "conversion" || len(s.Values) != kpi.Trend ||
		s.Values[len(s.Values)-1].Period.Label != kpi.PeriodOf(kpi.Week, time.Now(), e.srv.cfg.Location).Label() {
		t.Errorf("series: %d %+v", series.StatusCode, s)
	}
	if res := c.get("/api/v1/kpis/alignment?kind=month"); res.StatusCode != http.StatusOK {
		t.Errorf("alignment series: %d", res.StatusCode)
	}
	c.invalid = true
	if res := c.get("/api/v1/kpis/nope"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown KPI: %d", res.StatusCode)
	} else {
		res.problem(t)
	}
	for _, q := range []string{"kind=year", "kind=week&period=2026-11", "kind=month&period=2999-01"} {
		if res := c.get("/api/v1/kpis?" + q); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", q, res.StatusCode)
		} else {
			res.problem(t)
		}
	}
}

func TestAPIDigestsListAndWeek(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	last := kpi.PeriodOf(kpi.Week, time.Now(), e.srv.cfg.Location).Prev()
	if _, err := e.srv.digests.Archive(ctx, last, "manager", int64(e.userID("sales.manager@example.com"))); err != nil {
		t.Fatal(err)
	}
	// 60 more archived weeks, copies of it, so the archive has two pages.
	for i := range 60 {
		if _, err := e.pool.Exec(ctx, `INSERT INTO digests (week, body, composed_at, composed_via)
			SELECT $1, body, composed_at, composed_via FROM digests WHERE week = $2`, fmt.Sprintf("%d-W%02d", 2001+i/52, i%52+1), last.Label()); err != nil {
			t.Fatal(err)
		}
	}
	// The demo data archived the week its schedule last sent, which is
	// last week or, early on a Monday, the week before.
	var archived int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM digests WHERE body IS NOT NULL`).Scan(&archived); err != nil {
		t.Fatal(err)
	}
	_, rep := e.token("rep@example.com")
	c := e.api(rep)
	seen := map[string]bool{}
	pages := 0
	for next := "/api/v1/digests"; next != "" && pages < 10; pages++ {
		res := c.get(next)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", next, res.StatusCode, res.Body)
		}
		var page listPage[apiDigestSummary]
		res.json(t, &page)
		for _, d := range page.Data {
			seen[d.Week] = true
		}
		next = ""
		if page.Next != nil {
			next = *page.Next
		}
	}
	if len(seen) != archived || pages != 2 {
		t.Errorf("saw %d digests in %d pages, want %d in 2", len(seen), pages, archived)
	}

	res := c.get("/api/v1/digests/" + last.Label())
	if res.StatusCode != http.StatusOK {
		t.Fatalf("week: %d %s", res.StatusCode, res.Body)
	}
	var d apiDigest
	res.json(t, &d)
	if !d.Archived || d.ComposedAt == nil || d.Week != last.Label() || d.Currency == "" || d.WonValue.Currency != d.Currency {
		t.Errorf("archived digest %+v", d)
	}
	current := kpi.PeriodOf(kpi.Week, time.Now(), e.srv.cfg.Location).Label()
	if res := c.get("/api/v1/digests/" + current); res.StatusCode != http.StatusOK {
		t.Errorf("preview: %d %s", res.StatusCode, res.Body)
	} else if res.json(t, &d); d.Archived {
		t.Error("the running week's preview says archived")
	}
	for _, week := range []string{"nope", kpi.PeriodOf(kpi.Week, time.Now().AddDate(0, 0, 14), e.srv.cfg.Location).Label()} {
		if res := c.get("/api/v1/digests/" + week); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", week, res.StatusCode)
		} else {
			res.problem(t)
		}
	}
}
