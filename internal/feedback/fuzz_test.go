package feedback

import "testing"

// The feedback form decoder never panics, and what it accepts carries the
// fields the database requires.
func FuzzFeedbackInput(f *testing.F) {
	for _, s := range []string{"Zebra Logistics", "", "12", "-1", "promise", "negative", "\x00", "<script>", "9999999999999999999999"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		in := Input{Customer: a, Lead: b, Campaign: b, Product: a, Theme: b, Sentiment: a, ChainLink: b, Words: a, Note: b}
		in.Normalize()
		p, errs := in.validate()
		if errs == nil && (p.Customer == "" || p.Words == "") {
			t.Fatalf("accepted without customer or words: %+v", p)
		}
	})
}
