package validate

import (
	"testing"
	"time"
)

func TestDay(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		ok      bool
		wantMsg string
	}{
		{"2026-03-31", true, ""},
		{" 2026-03-31 ", true, ""},
		{"9999-01-01", false, DayRangeMessage},
		{"1999-12-31", false, DayRangeMessage},
		{"2999-12-31", true, ""},
		{"2026-02-30", false, ""},
		{"31.03.2026", false, ""},
		{"", false, ""},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			d, msg, ok := Day(tc.raw, time.UTC)
			if ok != tc.ok || msg != tc.wantMsg {
				t.Fatalf("Day(%q) = %v, %q, %v; want ok=%v msg=%q", tc.raw, d, msg, ok, tc.ok, tc.wantMsg)
			}
		})
	}
}
