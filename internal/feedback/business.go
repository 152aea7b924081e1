package feedback

import "time"

// AckBusinessDays is how long marketing has to acknowledge a new item.
const AckBusinessDays = 2

// AddBusinessDays returns the moment n business days (Monday to Friday in
// loc) after t, at the same wall-clock time. Time on a weekend does not
// count: a t on Saturday or Sunday starts the clock on Monday at midnight.
//
// Days are counted on the calendar in loc, not as 24-hour steps, so a
// daylight-saving change in between does not move the deadline by an hour:
// Friday 10:00 CEST plus two business days is Tuesday 10:00 CET. Public
// holidays are not known and count as business days.
func AddBusinessDays(t time.Time, n int, loc *time.Location) time.Time {
	t = t.In(loc)
	y, m, d := t.Date()
	hh, mm, ss := t.Clock()
	ns := t.Nanosecond()
	for isWeekend(y, m, d, loc) {
		d++
		hh, mm, ss, ns = 0, 0, 0, 0
	}
	for n > 0 {
		d++
		if !isWeekend(y, m, d, loc) {
			n--
		}
	}
	return time.Date(y, m, d, hh, mm, ss, ns, loc)
}

// isWeekend reports whether the calendar day (d may overflow the month;
// time.Date normalizes it) is a Saturday or Sunday. Noon avoids days whose
// midnight does not exist in zones that change the clock at 00:00.
func isWeekend(y int, m time.Month, d int, loc *time.Location) bool {
	switch time.Date(y, m, d, 12, 0, 0, 0, loc).Weekday() {
	case time.Saturday, time.Sunday:
		return true
	}
	return false
}

// AckDue is when an item logged at created must be acknowledged.
func AckDue(created time.Time, loc *time.Location) time.Time {
	return AddBusinessDays(created, AckBusinessDays, loc)
}
