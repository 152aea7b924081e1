package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"tandem/internal/sla"
	"tandem/internal/users"
)

var businessHoursAccess = map[string]string{
	"GET /admin/business-hours":                        "admins",
	"POST /admin/business-hours":                       "admins",
	"POST /admin/business-hours/holidays":              "admins",
	"POST /admin/business-hours/holidays/{day}/delete": "admins",
	"POST /admin/business-hours/steps":                 "admins",
	"POST /admin/business-hours/steps/{id}/delete":     "admins",
}

const (
	calendarState = `SELECT mode || ' ' || timezone || ' ' || work_days::text || ' ' || opens::text || '-' || closes::text FROM sla_calendar`
	holidayState  = `SELECT coalesce(string_agg(day::text || ' ' || name, ',' ORDER BY day), '') FROM sla_holidays`
	stepState     = `SELECT coalesce(string_agg(percent || ' ' || action, ',' ORDER BY percent, action), '') FROM escalation_steps`
)

// calendarForm is a valid business-hours submission at version.
func calendarForm(version int) url.Values {
	return url.Values{"version": {strconv.Itoa(version)}, "mode": {"business"}, "timezone": {"America/New_York"},
		"days": {"1", "2", "3", "4"}, "opens": {"08:30"}, "closes": {"16:00"}}
}

func (e *testEnv) calendarVersion() int {
	e.t.Helper()
	return e.count(`SELECT version FROM sla_calendar`)
}

func (e *testEnv) addHoliday(t *testing.T, day, name string) {
	t.Helper()
	if _, err := e.srv.sla.AddHoliday(context.Background(), users.Actor{}, day, name); err != nil {
		t.Fatal(err)
	}
}

var (
	calendarSaveHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/admin/business-hours", form: calendarForm(e.calendarVersion()), state: calendarState}
	}}
	holidayAddHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/admin/business-hours/holidays", form: url.Values{"day": {"2099-08-15"}, "name": {"Assumption Day"}}, state: holidayState}
	}}
	holidayDeleteHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		e.addHoliday(t, "2099-12-25", "Christmas Day")
		return happyPost{path: "/admin/business-hours/holidays/2099-12-25/delete", state: holidayState}
	}}
	stepAddHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/admin/business-hours/steps", form: url.Values{"percent": {"50"}, "action": {"remind_rep"}}, state: stepState}
	}}
	stepDeleteHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.count(`SELECT min(id) FROM escalation_steps`)
		return happyPost{path: "/admin/business-hours/steps/" + strconv.Itoa(id) + "/delete", state: stepState}
	}}
)

func TestBusinessHoursSavedAndShown(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("admin@example.com")
	wantBody(t, c.get("/admin/business-hours"), "Business hours and escalations", "Follow-up clock", "Escalation ladder")
	wantRedirect(t, c.post("/admin/business-hours", calendarForm(e.calendarVersion())), "/admin/business-hours")
	var got string
	if err := e.pool.QueryRow(context.Background(), calendarState).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "business America/New_York {1,2,3,4} 08:30:00-16:00:00"; got != want {
		t.Errorf("calendar stored as %q, want %q", got, want)
	}
	p, err := e.srv.sla.Policy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.Calendar.Mode != sla.Business {
		t.Errorf("policy mode %q after saving business hours", p.Calendar.Mode)
	}
	wantBody(t, c.get("/admin/business-hours"), "Business hours saved", "America/New_York", p.Describe())
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'sla.calendar_changed'`); n != 1 {
		t.Errorf("%d audit events for the change, want 1", n)
	}
}

func TestBusinessHoursRefusedInputKeepsTheForm(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("admin@example.com")
	before := e.count(`SELECT count(*) FROM sla_calendar WHERE mode = 'elapsed'`)
	f := calendarForm(e.calendarVersion())
	f.Set("timezone", "Mars/Olympus_Mons")
	f.Del("days")
	f.Set("closes", "08:45")
	res := c.post("/admin/business-hours", f)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, sla.MsgTimezone, sla.MsgDays, sla.MsgCloses)
	wantMarkup(t, res, `value="Mars/Olympus_Mons"`, `value="08:30"`)
	if after := e.count(`SELECT count(*) FROM sla_calendar WHERE mode = 'elapsed'`); after != before {
		t.Error("a refused calendar changed the stored one")
	}
}

func TestBusinessHoursConcurrentEditIsDetected(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	a, b := e.client(), e.client()
	a.login("admin@example.com")
	b.login("admin@example.com")
	version := e.calendarVersion()
	wantRedirect(t, a.post("/admin/business-hours", calendarForm(version)), "/admin/business-hours")
	late := calendarForm(version)
	late.Set("timezone", "Asia/Tokyo")
	res := b.post("/admin/business-hours", late)
	wantStatus(t, res, http.StatusConflict)
	wantBody(t, res, "another admin changed the business hours")
	wantMarkup(t, res, `value="Asia/Tokyo"`, `name="version" value="`+strconv.Itoa(version+1)+`"`)
	if n := e.count(`SELECT count(*) FROM sla_calendar WHERE timezone = 'America/New_York'`); n != 1 {
		t.Error("the first save was overwritten")
	}
}

func TestHolidaysAddRefuseAndRemove(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("admin@example.com")
	wantRedirect(t, c.post("/admin/business-hours/holidays", url.Values{"day": {"2099-12-24"}, "name": {"Christmas Eve"}}), "/admin/business-hours")
	wantBody(t, c.get("/admin/business-hours"), "2099-12-24", "Christmas Eve")
	res := c.post("/admin/business-hours/holidays", url.Values{"day": {"2099-12-24"}, "name": {"Again"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, sla.MsgHolidayTwin)
	wantMarkup(t, res, `value="Again"`)
	res = c.post("/admin/business-hours/holidays", url.Values{"day": {"24.12.2027"}, "name": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, sla.MsgHolidayDay, sla.MsgHolidayName)
	wantRedirect(t, c.post("/admin/business-hours/holidays/2099-12-24/delete", nil), "/admin/business-hours")
	wantStatus(t, c.post("/admin/business-hours/holidays/2099-12-24/delete", nil), http.StatusNotFound)
	if n := e.count(`SELECT count(*) FROM sla_holidays WHERE day = '2099-12-24'`); n != 0 {
		t.Error("the holiday is still there")
	}
}

func TestEscalationStepsAddRefuseAndRemove(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("admin@example.com")
	wantRedirect(t, c.post("/admin/business-hours/steps", url.Values{"percent": {"200"}, "action": {"reroute"}}), "/admin/business-hours")
	wantBody(t, c.get("/admin/business-hours"), "200 % of the SLA", sla.Reroute.Label())
	res := c.post("/admin/business-hours/steps", url.Values{"percent": {"200"}, "action": {"reroute"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, sla.MsgStepTwin)
	res = c.post("/admin/business-hours/steps", url.Values{"percent": {"-5"}, "action": {"explode"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, sla.MsgPercent, sla.MsgAction)
	wantMarkup(t, res, `value="-5"`)
	id := e.count(`SELECT id FROM escalation_steps WHERE percent = 200`)
	wantRedirect(t, c.post("/admin/business-hours/steps/"+strconv.Itoa(id)+"/delete", nil), "/admin/business-hours")
	wantStatus(t, c.post("/admin/business-hours/steps/"+strconv.Itoa(id)+"/delete", nil), http.StatusNotFound)
	if n := e.count(`SELECT count(*) FROM escalation_steps WHERE percent = 200`); n != 0 {
		t.Error("the step is still there")
	}
}
