package validate

import (
	"strings"
	"time"
)

// The calendar days Tandem accepts: a typed 9999-12-31 or 0001-01-01 is a
// slip, and it would land outside every period and every chart.
const (
	FirstYear = 2000
	LastYear  = 2999
)

// DayRangeMessage is the refusal of a well-formed day outside the range.
const DayRangeMessage = "Enter a date between 1 Jan 2000 and 31 Dec 2999."

// Day reads a YYYY-MM-DD calendar day in loc. ok is false when raw is not
// such a day; msg then says why only when the day is well-formed but out
// of range (the caller words the "not a date" message for its field).
func Day(raw string, loc *time.Location) (day time.Time, msg string, ok bool) {
	d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(raw), loc)
	if err != nil {
		return time.Time{}, "", false
	}
	if d.Year() < FirstYear || d.Year() > LastYear {
		return time.Time{}, DayRangeMessage, false
	}
	return d, "", true
}
