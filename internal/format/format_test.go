package format_test

import (
	"slices"
	"testing"

	"tandem/internal/format"
)

func TestMoney(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {1249999.5, "1,250,000"}, {1250000, "1,250,000"},
		{-1234.4, "-1,234"}, {-0.4, "0"}, {999999.49, "999,999"},
	} {
		if got := format.Money(tc.in); got != tc.want {
			t.Errorf("Money(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMoneyCents(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want string
	}{
		{0, "0"}, {1250000, "12,500"}, {1250050, "12,500.50"}, {5, "0.05"}, {-50, "-0.50"}, {-123456, "-1,234.56"},
	} {
		if got := format.MoneyCents(tc.in); got != tc.want {
			t.Errorf("MoneyCents(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPercentRoundsHalvesAwayFromZero(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0 %"}, {0.333, "33 %"}, {0.625, "63 %"}, {0.29, "29 %"}, {0.995, "100 %"}, {1, "100 %"}, {0.8571, "86 %"},
	} {
		if got := format.Percent(tc.in); got != tc.want {
			t.Errorf("Percent(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := format.PercentOf(6, 7); got != "86 %" {
		t.Errorf("PercentOf(6, 7) = %q, want 86 %% (rounded, not truncated)", got)
	}
	if got := format.PercentOf(1, 0); got != "—" {
		t.Errorf("PercentOf(1, 0) = %q, want —", got)
	}
}

func TestCountAndPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 leads"}, {1, "1 lead"}, {2, "2 leads"}} {
		if got := format.Count(tc.n, "lead"); got != tc.want {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if got := format.Plural(2, "person", "people"); got != "people" {
		t.Errorf("Plural(2) = %q", got)
	}
}

func TestExcerpt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"  folds \n  white   space ", 40, "folds white space"},
		{"The onboarding wizard keeps asking for the same data, twice.", 30, "The onboarding wizard keeps…"},
		{"ÄÖÜäöüßÄÖÜäöüß", 5, "ÄÖÜäö…"},
	} {
		if got := format.Excerpt(tc.in, tc.n); got != tc.want {
			t.Errorf("Excerpt(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestCurrencyPutsTheCodeBeforeTheAmount(t *testing.T) {
	for _, tc := range []struct {
		code string
		in   float64
		want string
	}{
		{"USD", 1249999.5, "USD 1,250,000"}, {"EUR", 0, "EUR 0"}, {"JPY", -1234.4, "JPY -1,234"}, {"", 1000, "1,000"},
	} {
		if got := format.Currency(tc.code, tc.in); got != tc.want {
			t.Errorf("Currency(%q, %v) = %q, want %q", tc.code, tc.in, got, tc.want)
		}
	}
	if got := format.CurrencyCents("GBP", 1250050); got != "GBP 12,500.50" {
		t.Errorf("CurrencyCents = %q", got)
	}
}

func TestCurrencyCodes(t *testing.T) {
	if !slices.IsSorted(format.CurrencyCodes) {
		t.Error("CurrencyCodes are not sorted: IsCurrencyCode searches them")
	}
	for _, c := range []string{"USD", "EUR", "GBP", "JPY", "CHF", "ZWL", "AED"} {
		if !format.IsCurrencyCode(c) {
			t.Errorf("IsCurrencyCode(%q) = false", c)
		}
	}
	for _, c := range []string{"", "usd", "US", "XXX", "DOLLAR", "USD "} {
		if format.IsCurrencyCode(c) {
			t.Errorf("IsCurrencyCode(%q) = true", c)
		}
	}
	for in, want := range map[string]string{"de-DE": "EUR", "en_GB.UTF-8": "GBP", "en": "USD", "": "USD", "xx-ZZ": "USD", "fr_CH": "CHF"} {
		if got := format.CurrencyOfLocale(in); got != want {
			t.Errorf("CurrencyOfLocale(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPercentOfOneInSixIsSeventeen(t *testing.T) {
	if got := format.PercentOf(1, 6); got != "17 %" {
		t.Errorf("PercentOf(1, 6) = %q, want 17 %%", got)
	}
}

func TestCountSentencesAndThousands(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{format.Matches(1, "lead"), "1 lead matches"}, {format.Matches(3, "lead"), "3 leads match"},
		{format.Matches(0, "item"), "0 items match"}, {format.Count(12500, "lead"), "12,500 leads"},
		{format.Int(1000000), "1,000,000"}, {format.Int(-1234), "-1,234"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
