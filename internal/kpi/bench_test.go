package kpi_test

import (
	"context"
	"testing"
	"time"

	"tandem/internal/kpi"
	"tandem/internal/testdb/demo"
)

// BenchmarkKPISeries times each KPI's query over 12 months of the demo
// company (one query per KPI for all twelve periods).
func BenchmarkKPISeries(b *testing.B) {
	e := kpi.NewEngine(demo.New(b), time.UTC)
	ctx := context.Background()
	for _, d := range kpi.Definitions {
		if d.Key == kpi.Alignment {
			continue
		}
		b.Run(string(d.Key), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := e.Series(ctx, d.Key, kpi.Month, time.Now(), kpi.Trend); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDashboard is the whole computation behind a snapshot: every KPI
// over twelve periods, four queries at a time.
func BenchmarkDashboard(b *testing.B) {
	e := kpi.NewEngine(demo.New(b), time.UTC)
	ctx := context.Background()
	for _, kind := range kpi.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := e.Dashboard(ctx, kind, time.Now()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
