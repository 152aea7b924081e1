package digest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/kpi"
)

// Schedule is when digests go out: a weekday and a time of day in the
// business timezone. The digest of week W covers W and goes out at the
// schedule's moment in the week after W, so with the default (Monday
// 08:00) a week's digest arrives the morning after it ends.
type Schedule struct {
	Weekday time.Weekday
	Hour    int
	Minute  int
}

// DefaultSchedule is PRODUCT.md's Monday 08:00.
var DefaultSchedule = Schedule{Weekday: time.Monday, Hour: 8}

// The settings keys an admin (or an operator, in SQL) may set:
// digest_weekday 1–7 (ISO: Monday = 1) and digest_time HH:MM.
const (
	settingWeekday = "digest_weekday"
	settingTime    = "digest_time"
)

// Schedule reads the schedule from the settings table. A malformed value
// is logged and replaced by the default, so a typo cannot stop the digest.
func (s *Service) Schedule(ctx context.Context) (Schedule, error) {
	rows, err := s.pool.Query(ctx, `SELECT key, value FROM settings WHERE key IN ($1, $2)`, settingWeekday, settingTime)
	if err != nil {
		return DefaultSchedule, err
	}
	kv, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var p [2]string
		err := r.Scan(&p[0], &p[1])
		return p, err
	})
	if err != nil {
		return DefaultSchedule, err
	}
	sc := DefaultSchedule
	for _, p := range kv {
		switch p[0] {
		case settingWeekday:
			n, err := strconv.Atoi(strings.TrimSpace(p[1]))
			if err != nil || n < 1 || n > 7 {
				s.log.Warn("digest schedule: ignoring setting", "key", p[0], "value", p[1])
				continue
			}
			sc.Weekday = time.Weekday(n % 7)
		case settingTime:
			t, err := time.Parse("15:04", strings.TrimSpace(p[1]))
			if err != nil {
				s.log.Warn("digest schedule: ignoring setting", "key", p[0], "value", p[1])
				continue
			}
			sc.Hour, sc.Minute = t.Hour(), t.Minute()
		}
	}
	return sc, nil
}

// String is the schedule in words: "Mondays at 08:00".
func (sc Schedule) String() string {
	return fmt.Sprintf("%ss at %02d:%02d", sc.Weekday, sc.Hour, sc.Minute)
}

// Due is when the digest of week goes out: the schedule's weekday and time
// in the week after it. A time that does not exist that day (a DST gap) is
// normalized forward by time.Date.
func (sc Schedule) Due(week kpi.Period) time.Time {
	next := week.End // Monday 00:00 of the following week
	y, m, d := next.Date()
	offset := (int(sc.Weekday) + 6) % 7 // days after Monday
	return time.Date(y, m, d+offset, sc.Hour, sc.Minute, 0, 0, next.Location())
}

// LatestDue is the week whose digest most recently became due at now:
// last week once this week's moment has passed, else the week before.
func (sc Schedule) LatestDue(now time.Time, loc *time.Location) kpi.Period {
	last := kpi.PeriodOf(kpi.Week, now, loc).Prev()
	if !now.Before(sc.Due(last)) {
		return last
	}
	return last.Prev()
}

// Upcoming is the week whose digest goes out next after now, and when.
func (sc Schedule) Upcoming(now time.Time, loc *time.Location) (kpi.Period, time.Time) {
	w := sc.LatestDue(now, loc).Next()
	return w, sc.Due(w)
}
