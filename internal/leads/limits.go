package leads

import (
	"fmt"
	"unicode/utf8"
)

// The longest values the lead forms accept, in characters. The templates
// render them as maxlength, so the browser stops typing where the server
// would refuse. Both sides count characters: Go counts runes, the browser
// UTF-16 units, which differ only for characters outside the Basic
// Multilingual Plane (some emoji), close enough for a limit.
const (
	MaxCompany     = 200
	MaxContactName = 200
	MaxPhone       = 200
	MaxTitle       = 200
	MaxCountry     = 200
	MaxComment     = 4000 // a timeline comment
	MaxNote        = 4000 // a handoff, acceptance, rejection or follow-up note
	MaxLost        = 1000 // why a deal was lost
	MaxQuery       = 200  // the list's search box and the lead picker
	// MaxDealValueText is the longest deal value as typed:
	// "999,999,999,999.99" with room for spaces.
	MaxDealValueText = 24
)

// CheckQuery returns a message when a search is longer than MaxQuery.
func CheckQuery(q string) string {
	if tooLong(q, MaxQuery) {
		return fmt.Sprintf("Keep the search under %d characters.", MaxQuery)
	}
	return ""
}

// tooLong reports whether s has more than n characters.
func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }
