package server

import (
	"errors"
	"net/http"
	"strconv"

	"tandem/internal/settings"
	"tandem/web/pages/admin"
)

func (s *Server) adminSettings(w http.ResponseWriter, r *http.Request) error {
	cur, err := s.settings.Get(r.Context())
	if err != nil {
		return err
	}
	v := admin.Settings{Page: s.page(w, r, "Settings", ""),
		SLAHours: strconv.Itoa(cur.SLAHours), NoticeDays: strconv.Itoa(cur.NoticeDays),
		DigestWeekday: strconv.Itoa(cur.DigestWeekday), DigestTime: cur.DigestTime}
	return s.render(w, r, http.StatusOK, admin.SettingsPage(v))
}

func (s *Server) adminUpdateSettings(w http.ResponseWriter, r *http.Request) error {
	values := map[string]string{"sla_hours": r.PostFormValue("sla_hours"), "notice_days": r.PostFormValue("notice_days"),
		"digest_weekday": r.PostFormValue("digest_weekday"), "digest_time": r.PostFormValue("digest_time")}
	_, err := s.settings.Update(r.Context(), currentUser(r).ID, values)
	var fe settings.FieldErrors
	if errors.As(err, &fe) {
		v := admin.Settings{Page: s.page(w, r, "Settings", ""), SLAHours: values["sla_hours"],
			NoticeDays: values["notice_days"], DigestWeekday: values["digest_weekday"], DigestTime: values["digest_time"], Errors: fe}
		return s.render(w, r, http.StatusUnprocessableEntity, admin.SettingsPage(v))
	}
	if err != nil {
		return err
	}
	if err := s.kpi.Invalidate(r.Context()); err != nil { // SLA hours and weights move the KPIs
		return err
	}
	s.flash(w, "success", "Settings saved.")
	return redirect(w, r, "/admin/settings")
}
