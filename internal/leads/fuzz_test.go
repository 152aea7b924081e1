package leads

import (
	"strings"
	"testing"
)

// The lead form's numbers and fields: a value is either refused with a
// message or within range, and a new lead that passes Validate has what the
// database requires.
func FuzzLeadFormInput(f *testing.F) {
	for _, s := range []string{"12500", "12,500.50", "NaN", "1e20", "0.001", "75", "-1", "7.5", "", " a@b.example ", "x@y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if v, msg := ParseDealValue(raw); msg == "" && (v < MinDealValue || v > MaxDealValue) {
			t.Fatalf("ParseDealValue(%q) = %v", raw, v)
		}
		if n, msg := ParseScore(raw); msg == "" && (n < 0 || n > 100) {
			t.Fatalf("ParseScore(%q) = %d", raw, n)
		}
		in := NewLead{Company: raw, ContactName: raw, Email: raw, Phone: raw, Title: raw, Country: raw, Fit: raw}
		in.Normalize()
		if in.Validate() == nil && (in.Company == "" || in.ContactName == "" || !strings.Contains(in.Email, "@")) {
			t.Fatalf("a lead without company, contact or email passed from %q", raw)
		}
	})
}
