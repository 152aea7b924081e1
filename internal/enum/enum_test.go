package enum_test

import (
	"testing"

	"tandem/internal/enum"
)

type color string

func TestLabelsAndValid(t *testing.T) {
	colors := []color{"red", "dark_blue"}
	labels := enum.Labels[color]{"red": "Red", "dark_blue": "Dark blue"}
	for _, tc := range []struct {
		v         color
		label     string
		wantValid bool
	}{
		{"red", "Red", true},
		{"dark_blue", "Dark blue", true},
		{"mauve", "mauve", false},
		{"", "", false},
	} {
		if got := labels.Of(tc.v); got != tc.label {
			t.Errorf("Of(%q) = %q, want %q", tc.v, got, tc.label)
		}
		if got := enum.Valid(colors, tc.v); got != tc.wantValid {
			t.Errorf("Valid(%q) = %v, want %v", tc.v, got, tc.wantValid)
		}
	}
}
