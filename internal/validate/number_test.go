package validate

import (
	"strings"
	"testing"
)

func TestNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw     string
		want    float64
		refused bool
	}{
		{"1250", 1250, false},
		{" 12,500.50 ", 12500.5, false},
		{".5", 0.5, false},
		{"7.", 7, false},
		{"0", 0, false},
		{"NaN", 0, true},
		{"nan", 0, true},
		{"Inf", 0, true},
		{"-Infinity", 0, true},
		{"+inf", 0, true},
		{"1e20", 0, true},
		{"1e3", 0, true},
		{"0x1p4", 0, true},
		{"1_000", 0, true},
		{"", 0, true},
		{".", 0, true},
		{"1.2.3", 0, true},
		{"-5", 0, true},            // below min
		{"1000000000001", 0, true}, // above max
		{"99999999999999999999", 0, true},
	} {
		got, msg := Number(tc.raw, 0, 1e12)
		if tc.refused != (msg != "") {
			t.Errorf("Number(%q) = %v, %q; refused want %v", tc.raw, got, msg, tc.refused)
			continue
		}
		if !tc.refused && got != tc.want {
			t.Errorf("Number(%q) = %v, want %v", tc.raw, got, tc.want)
		}
	}
	if _, msg := Number("12.500,50", 0, 1e12); !strings.Contains(msg, "point for decimals") {
		t.Errorf("decimal comma message: %q", msg)
	}
	for raw, want := range map[string]int{"12": 0, "12.5": 1, "1,250.505": 3, " 7. ": 0} {
		if got := Decimals(raw); got != want {
			t.Errorf("Decimals(%q) = %d, want %d", raw, got, want)
		}
	}
	if _, msg := Number("-1", 0, 1e12); msg != "Enter a number from 0 to 1,000,000,000,000." {
		t.Errorf("range message: %q", msg)
	}
}
