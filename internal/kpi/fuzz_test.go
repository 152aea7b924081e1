package kpi

import (
	"testing"
	"time"
)

// A period label from a URL either is refused or names a real period of
// the allowed years that writes itself back the same way, with twelve
// periods before it that the database can hold.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026-W47", "2026-11", "2026-Q4", "2026-W53", "2025-W53", "9999-12", "0001-01", "2026-13", "2026-Q0", "x"} {
		f.Add(s)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, label string) {
		p, err := ParsePeriod(label, berlin)
		if err != nil {
			return
		}
		if p.Label() != label || !p.Start.Before(p.End) || p.Start.Year() < MinYear || p.Start.Year() > MaxYear {
			t.Fatalf("ParsePeriod(%q) = %s … %s (%s)", label, p.Start, p.End, p.Label())
		}
		for _, q := range p.Trailing(Trend) {
			if q.Start.Year() < MinYear-1 || !q.Start.Before(q.End) {
				t.Fatalf("%q: a trailing period %s … %s", label, q.Start, q.End)
			}
		}
	})
}
