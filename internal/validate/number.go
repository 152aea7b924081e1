package validate

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Number parses a typed decimal number and checks it lies in [min, max].
// strconv.ParseFloat accepts "NaN", "Inf", "0x1p4" and "1e400" (±Inf with
// an error); none of them is a number a person means in a form, and NaN
// slips past every comparison, so only plain decimals are taken. Commas
// are allowed only as thousands separators ("12,500.50"): a decimal comma
// ("12.500,50") or stray ones ("1,2,3") are refused rather than guessed,
// since dropping them would read 12.500,50 as 12.50. The message is for the
// user; it is empty when the number is fine.
func Number(raw string, min, max float64) (float64, string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return 0, "Enter a number."
	}
	if strings.Contains(s, ",") {
		if !ThousandsGrouped(s) {
			return 0, CommaMessage
		}
		s = strings.ReplaceAll(s, ",", "")
	}
	if !plainDecimal(s) {
		return 0, "Enter a plain number, like 1250 or 12.5."
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, "Enter a plain number, like 1250 or 12.5."
	}
	if v < min || v > max {
		return 0, fmt.Sprintf("Enter a number from %s to %s.", formatLimit(min), formatLimit(max))
	}
	return v, ""
}

// CommaMessage is Number's answer to a comma that is not a thousands
// separator; callers with their own wording keep this one, which says what
// to change.
const CommaMessage = "Use a point for decimals and commas only between thousands, like 12,500.50."

// Decimals counts the digits after the decimal point of a typed number.
func Decimals(raw string) int {
	_, frac, ok := strings.Cut(strings.TrimSpace(raw), ".")
	if !ok {
		return 0
	}
	return len(frac)
}

// ThousandsGrouped reports whether the commas in s (before any decimal
// point) separate groups of exactly three digits: 1,250 and 12,500.5 but
// not 1,25 or 1.250,5.
func ThousandsGrouped(s string) bool {
	whole, frac, _ := strings.Cut(strings.TrimLeft(s, "+-"), ".")
	if strings.Contains(frac, ",") {
		return false
	}
	groups := strings.Split(whole, ",")
	if len(groups[0]) < 1 || len(groups[0]) > 3 {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

// plainDecimal is an optional sign, digits, and at most one decimal point
// with digits on at least one side: no exponents, hex, NaN or Inf.
func plainDecimal(s string) bool {
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	digits, dots := 0, 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

func formatLimit(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return addThousands(strconv.FormatInt(int64(v), 10))
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func addThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
