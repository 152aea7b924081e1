package sla

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/refusal"
	"tandem/internal/settings"
	"tandem/internal/users"
)

// Load reads the policy in force through any connection or transaction:
// the SLA hours setting and the business calendar with its holidays.
func Load(ctx context.Context, q db.DBTX) (Policy, error) {
	st, err := settings.Load(ctx, q)
	if err != nil {
		return Policy{}, err
	}
	c, err := loadCalendar(ctx, q)
	return Policy{Hours: st.SLAHours, Calendar: c}, err
}

func loadCalendar(ctx context.Context, q db.DBTX) (Calendar, error) {
	c := DefaultCalendar()
	var zone string
	var days []int
	err := q.QueryRow(ctx, `SELECT mode, timezone, work_days::integer[],
			extract(epoch FROM opens)::integer / 60, extract(epoch FROM closes)::integer / 60, version
		FROM sla_calendar`).Scan(&c.Mode, &zone, &days, &c.Opens, &c.Closes, &c.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	c.Days = days
	slices.Sort(c.Days)
	if loc, err := time.LoadLocation(zone); err == nil {
		c.Location = loc
	}
	rows, err := q.Query(ctx, `SELECT day, name FROM sla_holidays ORDER BY day`)
	if err != nil {
		return c, err
	}
	c.Holidays, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Holiday, error) {
		var t time.Time
		var h Holiday
		err := r.Scan(&t, &h.Name)
		h.Day = DayOf(t)
		return h, err
	})
	return c, err
}

// Store reads and edits the business calendar and the escalation ladder.
type Store struct{ pool *pgxpool.Pool }

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Policy returns the policy in force.
func (s *Store) Policy(ctx context.Context) (Policy, error) { return Load(ctx, s.pool) }

// CalendarForm is the calendar as typed on the business hours page.
type CalendarForm struct {
	Mode     string
	Timezone string
	Days     []string
	Opens    string
	Closes   string
}

// FormOf is c as the form shows it.
func FormOf(c Calendar) CalendarForm {
	f := CalendarForm{Mode: string(c.Mode), Timezone: c.Location.String(), Opens: Clock(c.Opens), Closes: Clock(c.Closes)}
	for _, d := range c.Days {
		f.Days = append(f.Days, strconv.Itoa(d))
	}
	return f
}

// Clock writes minutes after midnight as HH:MM.
func Clock(minutes int) string { return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60) }

// Messages of a refused calendar.
const (
	MsgMode     = "Choose how the SLA's hours are counted."
	MsgTimezone = "Enter an IANA timezone, like Europe/Berlin or America/New_York."
	MsgDays     = "Choose at least one working day."
	MsgOpens    = "Enter the opening time as HH:MM, like 09:00."
	MsgCloses   = "Enter a closing time as HH:MM, at least an hour after opening."
)

func parseClock(s string) (int, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

func (f CalendarForm) parse() (Calendar, refusal.Fields) {
	errs := refusal.Fields{}
	c := Calendar{Mode: Mode(f.Mode)}
	if !c.Mode.Valid() {
		errs["mode"] = MsgMode
	}
	zone := strings.TrimSpace(f.Timezone)
	if loc, err := time.LoadLocation(zone); err != nil || zone == "" || zone == "Local" || len(zone) > 64 {
		errs["timezone"] = MsgTimezone
	} else {
		c.Location = loc
	}
	for _, d := range f.Days {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 7 {
			errs["days"] = MsgDays
			break
		}
		if !slices.Contains(c.Days, n) {
			c.Days = append(c.Days, n)
		}
	}
	if len(c.Days) == 0 {
		errs["days"] = MsgDays
	}
	slices.Sort(c.Days)
	var ok bool
	if c.Opens, ok = parseClock(f.Opens); !ok {
		errs["opens"] = MsgOpens
	}
	if c.Closes, ok = parseClock(f.Closes); !ok || errs["opens"] == "" && c.Closes-c.Opens < 60 {
		errs["closes"] = MsgCloses
	}
	if len(errs) > 0 {
		return Calendar{}, errs
	}
	return c, nil
}

// SaveCalendar stores the calendar typed in f, checked against the version
// the form was made from (a stale one is db.ErrConflict), and audits it.
// Deadlines already given stay as they are: the new calendar counts from
// the next handoff.
func (s *Store) SaveCalendar(ctx context.Context, by users.Actor, version int, f CalendarForm) (Calendar, error) {
	c, errs := f.parse()
	if errs != nil {
		return Calendar{}, errs
	}
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		days := make([]int16, len(c.Days))
		for i, d := range c.Days {
			days[i] = int16(d)
		}
		tag, err := tx.Exec(ctx, `UPDATE sla_calendar SET mode = $2, timezone = $3, work_days = $4,
				opens = make_time($5 / 60, $5 % 60, 0), closes = make_time($6 / 60, $6 % 60, 0),
				version = version + 1, updated_at = now()
			WHERE version = $1`, version, c.Mode, c.Location.String(), days, c.Opens, c.Closes)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return db.ErrConflict
		}
		return users.Record(ctx, tx, by, "sla.calendar_changed", fmt.Sprintf("%s, %s, days %v, %s–%s",
			c.Mode.Label(), c.Location, c.Days, Clock(c.Opens), Clock(c.Closes)))
	})
	if err != nil {
		return Calendar{}, err
	}
	return loadCalendar(ctx, s.pool)
}

// Messages of a refused holiday.
const (
	MsgHolidayDay  = "Enter the holiday's date as YYYY-MM-DD."
	MsgHolidayName = "Name the holiday in 1 to 100 characters."
	MsgHolidayTwin = "That day is already a holiday."
)

// AddHoliday makes day (YYYY-MM-DD) a day off named name.
func (s *Store) AddHoliday(ctx context.Context, by users.Actor, day, name string) (Holiday, error) {
	errs := refusal.Fields{}
	d, err := ParseDay(day)
	if err != nil || d.Year < 2000 || d.Year > 2100 {
		errs["day"] = MsgHolidayDay
	}
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 100 {
		errs["name"] = MsgHolidayName
	}
	if len(errs) > 0 {
		return Holiday{}, errs
	}
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO sla_holidays (day, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, d.String(), name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return refusal.Fields{"day": MsgHolidayTwin}
		}
		return users.Record(ctx, tx, by, "sla.holiday_added", d.String()+" "+name)
	})
	return Holiday{Day: d, Name: name}, err
}

// DeleteHoliday makes day a normal day again.
func (s *Store) DeleteHoliday(ctx context.Context, by users.Actor, day string) error {
	d, err := ParseDay(day)
	if err != nil {
		return refusal.Missing("There is no such holiday.")
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var name string
		err := tx.QueryRow(ctx, `DELETE FROM sla_holidays WHERE day = $1 RETURNING name`, d.String()).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			return refusal.Missing("There is no such holiday: it may have been removed already.")
		}
		if err != nil {
			return err
		}
		return users.Record(ctx, tx, by, "sla.holiday_removed", d.String()+" "+name)
	})
}
