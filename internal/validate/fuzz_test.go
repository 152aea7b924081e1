package validate

import (
	"math"
	"strconv"
	"testing"
)

// Whatever is typed, Number either refuses it with a message or returns a
// finite number within the bounds that reads back as itself.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"12500", "12,500.50", "NaN", "-Inf", "1e20", "0x1p4", "1,2,3", "12.500,50", " .5 ", "+7", "", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, msg := Number(raw, -1e12, 1e12)
		if msg != "" {
			if v != 0 {
				t.Errorf("Number(%q) refused with %q but returned %v", raw, msg, v)
			}
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || v < -1e12 || v > 1e12 {
			t.Fatalf("Number(%q) = %v, outside the bounds", raw, v)
		}
		if back, msg := Number(strconv.FormatFloat(v, 'f', -1, 64), -1e12, 1e12); msg != "" || back != v {
			t.Errorf("Number(%q) = %v, which reads back as %v, %q", raw, v, back, msg)
		}
	})
}
