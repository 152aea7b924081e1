package refusal_test

import (
	"errors"
	"fmt"
	"testing"

	"tandem/internal/refusal"
)

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want refusal.Kind
	}{
		{"invalid field", refusal.InvalidField("email", "Enter an email."), refusal.Invalid},
		{"fields", refusal.Fields{"a": "x"}, refusal.Invalid},
		{"empty fields are not a refusal", refusal.Fields{}, refusal.Unknown},
		{"forbidden wrapped", fmt.Errorf("accept: %w", refusal.Forbid("Only sales.")), refusal.Forbidden},
		{"conflict", refusal.Conflicts("Already accepted."), refusal.Conflict},
		{"not found", refusal.Missing("No such lead."), refusal.NotFound},
		{"plain error", errors.New("boom"), refusal.Unknown},
		{"nil", nil, refusal.Unknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := refusal.KindOf(tc.err); got != tc.want {
				t.Errorf("KindOf(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestFieldMessages(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want map[string]string
	}{
		{"one field", refusal.InvalidField("rating", "Pick 1 to 5."), map[string]string{"rating": "Pick 1 to 5."}},
		{"whole request", refusal.Conflicts("Already won."), map[string]string{"": "Already won."}},
		{"fields kept", refusal.Fields{"a": "x", "b": "y"}, map[string]string{"a": "x", "b": "y"}},
		{"not a refusal", errors.New("boom"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := refusal.FieldMessages(tc.err)
			if len(got) != len(tc.want) {
				t.Fatalf("FieldMessages = %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("FieldMessages[%q] = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestAsPicksTheFirstFieldByName(t *testing.T) {
	r, fields, ok := refusal.As(fmt.Errorf("save: %w", refusal.Fields{"zeta": "z", "alpha": "a"}))
	if !ok || r.Field != "alpha" || r.Message != "a" || len(fields) != 2 {
		t.Fatalf("As = %+v %v %v, want alpha/a with both fields", r, fields, ok)
	}
}
