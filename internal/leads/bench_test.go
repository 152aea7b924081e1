package leads_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"tandem/internal/leads"
	"tandem/internal/routing"
	"tandem/internal/users"
)

// importCSV builds a file of n distinct, valid leads.
func importCSV(n int, prefix string) []byte {
	var b bytes.Buffer
	b.WriteString("company,contact,email,phone,title,country,score\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Company %d,Contact %d,%s%d@bench.example,+49 30 %07d,Buyer,DE,%d\n", i, i, prefix, i, i, i%101)
	}
	return b.Bytes()
}

// BenchmarkImport100k measures the whole import of 100 000 rows: parse,
// validate (with the duplicate check against the table), COPY and the
// timeline events, in one transaction. It reports rows/s.
func BenchmarkImport100k(b *testing.B) {
	const rows = 100_000
	f := newFixture(b)
	ctx := context.Background()
	b.ResetTimer()
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		content := importCSV(rows, fmt.Sprintf("run%d-", i))
		start := time.Now()
		t, err := leads.ParseCSV(content)
		if err != nil {
			b.Fatal(err)
		}
		v, err := f.store.Validate(ctx, t, leads.GuessMapping(t.Header))
		if err != nil || len(v.Good) != rows {
			b.Fatalf("validate: %v, %d good", err, len(v.Good))
		}
		up, err := f.store.SaveUpload(ctx, f.marketer, "bench.csv", content)
		if err != nil {
			b.Fatal(err)
		}
		if err := f.store.Import(ctx, f.marketer, up, v, t.Header); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(rows*b.N)/elapsed.Seconds(), "rows/s")
}

// BenchmarkListAt100k measures one page of the lead list (and the counts per
// stage it shows) with 100 000 leads in the table.
func BenchmarkListAt100k(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	content := importCSV(100_000, "list-")
	t, _ := leads.ParseCSV(content)
	v, _ := f.store.Validate(ctx, t, leads.GuessMapping(t.Header))
	up, _ := f.store.SaveUpload(ctx, f.marketer, "bench.csv", content)
	if err := f.store.Import(ctx, f.marketer, up, v, t.Header); err != nil {
		b.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, `ANALYZE leads`); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    leads.Filter
	}{
		{"default", leads.Filter{}},
		{"search", leads.Filter{Query: "contact 4242"}},
		{"company-sort", leads.Filter{Sort: leads.SortCompany}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := f.store.List(ctx, tc.f); err != nil {
					b.Fatal(err)
				}
				if _, err := f.store.CountByStage(ctx, tc.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHandOff measures the write path of the move that tells the
// most people: a marketer hands an MQL to a rep (the lead row, its
// timeline, the rep's notification and, since issue 17, the recorded
// event with its fan-out job), one transaction per operation.
func BenchmarkHandOff(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	mqls := make([]leads.Lead, b.N)
	for i := range mqls {
		l, err := f.store.Create(ctx, f.marketer, leads.NewLead{Company: fmt.Sprintf("Bench %d", i), ContactName: "Ann",
			Email: fmt.Sprintf("handoff%d@bench.example", i)})
		if err != nil {
			b.Fatal(err)
		}
		if mqls[i], err = f.store.Apply(ctx, f.marketer, l.ID, l.Version, leads.Move{To: leads.MQL}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := mqls[i]
		if _, err := f.store.Apply(ctx, f.marketer, l.ID, l.Version, leads.Move{To: leads.HandedOff, OwnerID: f.rep.ID, Note: "asked for a demo"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandOffRouted is BenchmarkHandOff through the routing rules:
// four rules that do not match the lead are tried first, then a round-robin
// rule over four reps, one of them capped, one away; the rule's row is
// locked and its pool's turn taken in the handoff's transaction.
func BenchmarkHandOffRouted(b *testing.B) {
	f := newRoutingFixture(b)
	ctx := context.Background()
	for _, c := range []string{"FR", "ES", "Nordics", "UKI"} {
		f.rule(b, routing.RuleInput{Name: "Only " + c, Countries: c, Method: "named", NamedRep: ids(f.reps[5])[0]})
	}
	f.rule(b, routing.RuleInput{Name: "DACH", Countries: "DACH", ScoreMin: "10", Method: "round_robin", Reps: ids(f.reps[:4]...)})
	if err := f.routes.SetCapacities(ctx, users.Actor{}, map[int64]string{f.reps[0].ID: "1000"}); err != nil {
		b.Fatal(err)
	}
	today := time.Now().UTC()
	if err := f.routes.SetAway(ctx, users.Actor{}, f.reps[1].ID, today.Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly), today); err != nil {
		b.Fatal(err)
	}
	mqls := make([]leads.Lead, b.N)
	for i := range mqls {
		mqls[i] = f.mql(b, fmt.Sprintf("routed%d@bench.example", i), "DE", 50)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := mqls[i]
		if _, err := f.store.Apply(ctx, f.marketer, l.ID, l.Version, leads.Move{To: leads.HandedOff, Route: true, Note: "asked for a demo"}); err != nil {
			b.Fatal(err)
		}
	}
}
