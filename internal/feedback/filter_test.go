package feedback

import (
	"errors"
	"strings"
	"testing"
	"time"

	"tandem/internal/refusal"
)

func TestFilterInputParse(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		name     string
		in       FilterInput
		errField string // "" for none
		check    func(t *testing.T, f Filter, in FilterInput)
	}{
		{"nothing: newest first", FilterInput{}, "", func(t *testing.T, f Filter, in FilterInput) {
			if f.Sort != SortNewest || in.Sort != "newest" {
				t.Errorf("sort %q, form %q", f.Sort, in.Sort)
			}
		}},
		{"a search sorts by relevance", FilterInput{Q: "  zebra  "}, "", func(t *testing.T, f Filter, in FilterInput) {
			if f.Query != "zebra" || f.Sort != SortRelevance || in.Q != "zebra" {
				t.Errorf("query %q sort %q", f.Query, f.Sort)
			}
		}},
		{"a chosen sort stays", FilterInput{Q: "zebra", Sort: "heard"}, "", func(t *testing.T, f Filter, _ FilterInput) {
			if f.Sort != SortHeard {
				t.Errorf("sort %q", f.Sort)
			}
		}},
		{"days in the viewer's zone, until included", FilterInput{From: "2026-03-01", To: "2026-03-31"}, "",
			func(t *testing.T, f Filter, _ FilterInput) {
				if !f.From.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, loc)) || !f.To.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, loc)) {
					t.Errorf("from %v to %v", f.From, f.To)
				}
			}},
		{"open status", FilterInput{Status: StatusOpen, Theme: "3", Link: "promise", Sentiment: "negative", Team: "sales"}, "",
			func(t *testing.T, f Filter, _ FilterInput) {
				if f.Status != StatusOpen || f.ThemeID != 3 || f.ChainLink != Promise || f.Sentiment != Negative || f.Team != "sales" {
					t.Errorf("filter %+v", f)
				}
			}},
		{"search too long", FilterInput{Q: strings.Repeat("x", MaxQuery+1)}, "q", nil},
		{"unknown status", FilterInput{Status: "bogus"}, "status", nil},
		{"theme not a number", FilterInput{Theme: "abc"}, "theme", nil},
		{"unknown link", FilterInput{Link: "chain"}, "link", nil},
		{"unknown sentiment", FilterInput{Sentiment: "angry"}, "sentiment", nil},
		{"unknown team", FilterInput{Team: "finance"}, "team", nil},
		{"a date written otherwise", FilterInput{From: "31.12.2026"}, "from", nil},
		{"the end before the start", FilterInput{From: "2026-03-02", To: "2026-03-01"}, "to", nil},
		{"unknown order", FilterInput{Sort: "random"}, "sort", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			f, errs := in.Parse(loc)
			switch {
			case tc.errField == "" && len(errs) > 0:
				t.Errorf("refused: %v", errs)
			case tc.errField != "" && (len(errs) != 1 || errs[tc.errField] == ""):
				t.Errorf("errors %v, want one for %q", errs, tc.errField)
			}
			if tc.check != nil {
				tc.check(t, f, in)
			}
		})
	}
}

func TestParseRefAndOwner(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"42", 42}, {" #42 ", 42}, {"lots", 0}, {"-3", 0}, {"", 0}, {"#", 0}} {
		if got := ParseRef(tc.in); got != tc.want {
			t.Errorf("ParseRef(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in      string
		want    int64
		refused bool
	}{{"", 0, false}, {"9", 9, false}, {"nine", 0, true}, {"0", 0, true}} {
		got, err := ParseOwner(tc.in)
		if got != tc.want || (err != nil) != tc.refused {
			t.Errorf("ParseOwner(%q) = %d, %v", tc.in, got, err)
		}
		if tc.refused && refusal.FieldMessages(err)["owner"] == "" {
			t.Errorf("ParseOwner(%q): %v is not a refusal of the owner field", tc.in, err)
		}
	}
}

func TestRefusalsCarryTheirKindAndText(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		kind  refusal.Kind
		field string
	}{
		{"not triager", ErrNotTriager, refusal.Forbidden, ""},
		{"not reporter", ErrNotReporter, refusal.Forbidden, ""},
		{"no response", ErrNoResponse, refusal.Invalid, "rating"},
		{"own item", ErrOwnItem, refusal.Invalid, "heard"},
		{"heard before", ErrHeardBefore, refusal.Invalid, "heard"},
		{"merged", Merged(5, 3), refusal.Invalid, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _, ok := refusal.As(tc.err)
			if !ok || r.Kind != tc.kind || r.Field != tc.field || r.Message == "" {
				t.Errorf("%v: kind %v field %q", tc.err, refusal.KindOf(tc.err), r.Field)
			}
		})
	}
	err := Merged(5, 3)
	if !errors.Is(err, ErrMerged) || errors.Is(err, ErrOwnItem) {
		t.Error("Merged does not match ErrMerged alone")
	}
	if r, _, _ := refusal.As(err); r.Message != "Feedback #5 was merged into #3; act on #3 instead." {
		t.Errorf("merged message %q", r.Message)
	}
	if errors.Is(ErrNotTriager, ErrNotReporter) {
		t.Error("the two forbidden refusals are the same error")
	}
}
