package campaigns

import "time"

// Day is the calendar day of t in loc, as the dates of a campaign are
// held: midnight UTC of that day.
func Day(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// LaunchStart is the instant a campaign launches: 00:00 of its launch day
// in the business timezone.
func LaunchStart(launchOn time.Time, loc *time.Location) time.Time {
	return time.Date(launchOn.Year(), launchOn.Month(), launchOn.Day(), 0, 0, 0, 0, loc)
}

// NoticeLead is the notice lead time: launch start minus the announce
// time. It is negative for a notice sent after launch.
func NoticeLead(launchOn, announcedAt time.Time, loc *time.Location) time.Duration {
	return LaunchStart(launchOn, loc).Sub(announcedAt)
}

// NoticeDeadline is the last on-time moment to announce: 00:00 business
// time, noticeDays calendar days before the launch day.
//
// The boundary, as decided: a notice is on time when its lead time is at
// least noticeDays days, and "days" are calendar days in the business
// timezone, so a daylight-saving change between announcement and launch
// moves neither the deadline nor the verdict by an hour. A notice sent at
// exactly the deadline (lead time exactly noticeDays days) is on time; one
// sent a second later is late.
func NoticeDeadline(launchOn time.Time, noticeDays int, loc *time.Location) time.Time {
	return time.Date(launchOn.Year(), launchOn.Month(), launchOn.Day()-noticeDays, 0, 0, 0, 0, loc)
}

// IsLate reports whether announcing at announcedAt is a late notice for a
// launch on launchOn under the noticeDays setting.
func IsLate(launchOn, announcedAt time.Time, noticeDays int, loc *time.Location) bool {
	return announcedAt.After(NoticeDeadline(launchOn, noticeDays, loc))
}
