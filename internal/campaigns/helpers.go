package campaigns

import (
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/format"
)

func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return db.ErrNotFound
	}
	return err
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// LeadText writes a notice lead time for people: "9 days 4 hours",
// "5 hours", "less than an hour"; a negative lead (announced after launch)
// as its absolute value. Callers say "before" or "after" launch.
func LeadText(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	switch {
	case days == 0 && hours == 0:
		return "less than an hour"
	case days == 0:
		return format.Count(hours, "hour")
	case hours == 0:
		return format.Count(days, "day")
	}
	return format.Count(days, "day") + " " + format.Count(hours, "hour")
}

// LeadPhrase is LeadText with its direction: "9 days before launch",
// "2 hours after launch".
func LeadPhrase(d time.Duration) string {
	if d < 0 {
		return LeadText(d) + " after launch"
	}
	return LeadText(d) + " before launch"
}
