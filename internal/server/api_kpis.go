package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"tandem/internal/digest"
	"tandem/internal/kpi"
	"tandem/web/pages/kpis"
)

// The KPI and digest API: the numbers of the KPI pages and of the weekly
// digest, from the same calls.

// apiPeriod is a week, month or quarter: [start, end) in the business
// timezone.
type apiPeriod struct {
	Kind  string    `json:"kind"`
	Label string    `json:"label"`
	Title string    `json:"title"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

func apiPeriodOf(p kpi.Period) apiPeriod {
	return apiPeriod{string(p.Kind), p.Label(), p.Title(), p.Start, p.End}
}

// apiKPIValue is a KPI in one period: the value, the target and what it is
// judged by, as the KPI pages show it.
type apiKPIValue struct {
	Period     apiPeriod `json:"period"`
	Value      *float64  `json:"value"`
	Target     *float64  `json:"target"`
	Pace       *float64  `json:"pace"`
	Attainment *float64  `json:"attainment"`
	Status     string    `json:"status"`
	Elapsed    float64   `json:"elapsed"`
	Numerator  float64   `json:"numerator"`
	Denom      float64   `json:"denominator"`
}

func apiKPIValueOf(v kpi.Value, failed bool) apiKPIValue {
	out := apiKPIValue{Period: apiPeriodOf(v.Period), Value: v.Value, Target: v.Target, Pace: v.Pace,
		Attainment: v.Attainment, Status: kpis.StatusOf(v).Class, Elapsed: v.Elapsed, Numerator: v.Numerator, Denom: v.Denominator}
	if failed {
		out.Status = "failed"
	}
	return out
}

// apiKPI is one KPI of the dashboard in the period asked for.
type apiKPI struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	Unit   string `json:"unit"`
	Owner  string `json:"owner"`
	Weight *int   `json:"weight"`
	apiKPIValue
}

func apiKPIOf(s kpi.Series, weight *int) apiKPI {
	return apiKPI{Key: string(s.Key), Name: s.Name, Unit: string(s.Unit), Owner: s.Owner, Weight: weight,
		apiKPIValue: apiKPIValueOf(s.Current(), s.Failed)}
}

func (s *Server) apiKPIDashboard(w http.ResponseWriter, r *http.Request) error {
	p, err := s.periodChoice(r.URL.Query())
	if err != nil {
		return err
	}
	d, err := s.kpi.CachedDashboard(r.Context(), p.Kind, p.Start, s.log)
	if err != nil {
		return err
	}
	weights := map[kpi.Key]int{}
	for _, part := range d.Parts {
		weights[part.Key] = part.Weight
	}
	body := struct {
		Period     apiPeriod `json:"period"`
		ComputedAt time.Time `json:"computed_at"`
		KPIs       []apiKPI  `json:"kpis"`
		Alignment  apiKPI    `json:"alignment"`
	}{Period: apiPeriodOf(d.Period), ComputedAt: d.ComputedAt, Alignment: apiKPIOf(d.Alignment, nil)}
	for _, k := range d.KPIs {
		wt := weights[k.Key]
		body.KPIs = append(body.KPIs, apiKPIOf(k, &wt))
	}
	return apiJSON(w, r, http.StatusOK, body)
}

// apiKPISeries is one KPI over the trailing periods of a kind, oldest
// first, ending with the period asked for.
func (s *Server) apiKPISeries(w http.ResponseWriter, r *http.Request) error {
	def, ok := kpi.Lookup(kpi.Key(chi.URLParam(r, "key")))
	if !ok {
		return errNotFound
	}
	p, err := s.periodChoice(r.URL.Query())
	if err != nil {
		return err
	}
	d, err := s.kpi.CachedDashboard(r.Context(), p.Kind, p.Start, s.log)
	if err != nil {
		return err
	}
	series := d.Alignment
	for _, k := range d.KPIs {
		if k.Key == def.Key {
			series = k
		}
	}
	body := struct {
		Key        string        `json:"key"`
		Name       string        `json:"name"`
		Unit       string        `json:"unit"`
		Definition string        `json:"definition"`
		Kind       string        `json:"kind"`
		Failed     bool          `json:"failed"`
		Values     []apiKPIValue `json:"values"`
	}{Key: string(def.Key), Name: def.Name, Unit: string(def.Unit), Definition: def.Words, Kind: string(p.Kind), Failed: series.Failed}
	for _, v := range series.Values {
		body.Values = append(body.Values, apiKPIValueOf(v, series.Failed))
	}
	return apiJSON(w, r, http.StatusOK, body)
}

// floatMoney is an amount in the currency's units as the API writes money.
func floatMoney(v float64, currency string) apiMoney {
	return apiMoney{strconv.FormatFloat(v, 'f', 2, 64), currency}
}

func floatMoneyPtr(v *float64, currency string) *apiMoney {
	if v == nil {
		return nil
	}
	m := floatMoney(*v, currency)
	return &m
}

// apiDigestSummary is one archived digest of the index.
type apiDigestSummary struct {
	Week        string    `json:"week"`
	Title       string    `json:"title"`
	ComposedAt  time.Time `json:"composed_at"`
	ComposedVia string    `json:"composed_via"`
	ComposedBy  string    `json:"composed_by"`
	WinCount    int       `json:"win_count"`
	WonValue    apiMoney  `json:"won_value"`
	Sent        int       `json:"sent"`
	Waiting     int       `json:"waiting"`
	Failed      int       `json:"failed"`
}

// apiDigestList pages the archive, newest week first, as the index does.
func (s *Server) apiDigestList(w http.ResponseWriter, r *http.Request) error {
	page, err := pageCursor(r.URL.Query())
	if err != nil {
		return err
	}
	list, total, err := s.digests.List(r.Context(), page)
	if err != nil {
		return err
	}
	data := make([]apiDigestSummary, len(list))
	for i, d := range list {
		data[i] = apiDigestSummary{Week: d.Week, Title: d.Title, ComposedAt: d.ComposedAt, ComposedVia: d.ComposedVia,
			ComposedBy: d.ComposedBy, WinCount: d.WinCount, WonValue: floatMoney(d.WonValue, d.Currency),
			Sent: d.Sent, Waiting: d.Waiting, Failed: d.Failed}
	}
	return apiJSON(w, r, http.StatusOK, pageOf(w, r, data, nextPage(page, page*digest.PageSize < total)))
}

// apiDigestWeek is the week's digest: archived when composed, else the
// live preview with the draft note, as /digests/{week} shows it.
func (s *Server) apiDigestWeek(w http.ResponseWriter, r *http.Request) error {
	week, err := s.digestPeriod(r)
	if err != nil {
		return err
	}
	d, e, err := s.digestOf(r.Context(), week)
	if err != nil {
		return err
	}
	return apiJSON(w, r, http.StatusOK, apiDigestOf(d, e))
}
