// Package format writes numbers and words for people, once for the whole
// product: pages, the digest e-mail and the trouble signs all read the same
// "1,250,000", "33 %" and "3 leads". It depends on nothing in Tandem, so
// domain packages (which may not import web/) and the templ components use
// the same functions.
package format

import (
	"math"
	"strconv"
	"strings"
)

// Money writes an amount in whole units with thousands separators,
// rounded half away from zero: 1249999.5 → "1,250,000".
func Money(v float64) string {
	return groupThousands(int64(math.Round(v)))
}

// Currency writes an amount in whole units after its ISO 4217 code:
// Currency("USD", 1249999.5) → "USD 1,250,000". The code, not a symbol,
// because "$" is also the Canadian, Australian and a dozen other dollars,
// the code needs no table of symbols and where they go, and it reads the
// same on a page, in a plain-text e-mail and in a spreadsheet. An empty
// code writes the plain amount.
func Currency(code string, v float64) string {
	return withCode(code, Money(v))
}

// CurrencyCents is Currency for an amount held in cents, with the cents
// shown when there are any: "EUR 12,500.50".
func CurrencyCents(code string, cents int64) string {
	return withCode(code, MoneyCents(cents))
}

func withCode(code, amount string) string {
	if code == "" {
		return amount
	}
	return code + " " + amount
}

// MoneyCents writes an amount held in cents for reading: "12,500" when
// whole, "12,500.50" otherwise.
func MoneyCents(cents int64) string {
	out := groupThousands(cents / 100)
	if frac := cents % 100; frac != 0 {
		if frac < 0 {
			frac = -frac
			if cents > -100 {
				out = "-" + out
			}
		}
		out += "." + twoDigits(frac)
	}
	return out
}

// Percent writes a ratio as a whole percentage, halves away from zero:
// 0.333 → "33 %", 0.625 → "63 %".
func Percent(ratio float64) string {
	return strconv.FormatFloat(math.Round(ratio*100), 'f', 0, 64) + " %"
}

// PercentOf writes n of total as a whole percentage, "—" when there is
// nothing to count.
func PercentOf(n, total int) string {
	if total == 0 {
		return "—"
	}
	return Percent(float64(n) / float64(total))
}

// Count writes a number with its noun, thousands grouped: "1 lead",
// "3 leads", "1,250 leads".
func Count(n int, word string) string {
	return Int(n) + " " + Plural(n, word, word+"s")
}

// Matches is the count sentence of a search or filter: "1 lead matches",
// "3 leads match", "0 leads match".
func Matches(n int, word string) string {
	return Count(n, word) + " " + Plural(n, "matches", "match")
}

// Int writes a whole number with thousands separators: 12500 → "12,500".
func Int(n int) string { return groupThousands(int64(n)) }

// Plural picks the noun for n: one for exactly 1, many otherwise.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Excerpt shortens text to about n characters, cut at a word boundary and
// ended with "…"; white space runs fold to one space.
func Excerpt(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

func groupThousands(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}
