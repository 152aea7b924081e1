package server

import (
	"errors"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"tandem/internal/db"
	"tandem/internal/kpi"
	"tandem/internal/settings"
	"tandem/web/pages/admin"
)

// settingKeys are the plain fields of the settings form; the weights follow
// from kpi.Definitions.
var settingKeys = []string{"sla_hours", "notice_days", "digest_weekday", "digest_time", settings.CurrencyKey}

// weightKeys are the settings keys of the alignment-index weights, one per
// KPI the index combines.
func weightKeys() []string {
	var keys []string
	for _, d := range kpi.Definitions {
		if d.Key != kpi.Alignment {
			keys = append(keys, settings.WeightPrefix+string(d.Key))
		}
	}
	return keys
}

// allZero reports whether the form sets every one of keys, each to 0.
func allZero(values map[string]string, keys []string) bool {
	for _, k := range keys {
		if n, err := strconv.Atoi(strings.TrimSpace(values[k])); err != nil || n != 0 {
			return false
		}
	}
	return true
}

func (s *Server) adminSettings(w http.ResponseWriter, r *http.Request) error {
	version, err := s.settings.Version(r.Context())
	if err != nil {
		return err
	}
	values, err := s.settingsValues(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, admin.SettingsPage(s.settingsView(w, r, version, values, nil)))
}

// settingsValues are the current settings as the form shows them.
func (s *Server) settingsValues(r *http.Request) (map[string]string, error) {
	cur, err := s.settings.Get(r.Context())
	if err != nil {
		return nil, err
	}
	values := map[string]string{"sla_hours": strconv.Itoa(cur.SLAHours), "notice_days": strconv.Itoa(cur.NoticeDays),
		"digest_weekday": strconv.Itoa(cur.DigestWeekday), "digest_time": cur.DigestTime, settings.CurrencyKey: cur.Currency}
	for _, d := range kpi.Definitions {
		if d.Key != kpi.Alignment {
			values[settings.WeightPrefix+string(d.Key)] = strconv.Itoa(cur.Weight(string(d.Key)))
		}
	}
	return values, nil
}

// postedSettings reads the settings form. A field the form did not send is
// left as it is (a page from before a setting existed must not blank it);
// one sent empty is refused by the domain.
func postedSettings(r *http.Request) (version string, values map[string]string, err error) {
	version = r.PostFormValue("version")
	if version == "" {
		return "", nil, errMissingVersion
	}
	values = map[string]string{}
	for _, k := range append(settingKeys, weightKeys()...) {
		if _, sent := r.PostForm[k]; sent {
			values[k] = r.PostForm.Get(k)
		}
	}
	return version, values, nil
}

func (s *Server) adminUpdateSettings(w http.ResponseWriter, r *http.Request) error {
	version, values, err := postedSettings(r)
	if err != nil {
		return err
	}
	if keys := weightKeys(); allZero(values, keys) {
		err = settings.FieldErrors{keys[0]: "Give at least one KPI a weight above 0: with every weight at 0 the index has nothing to combine."}
	} else {
		_, err = s.settings.Update(r.Context(), actor(r), version, values)
	}
	var fe settings.FieldErrors
	status := http.StatusUnprocessableEntity
	switch {
	case errors.As(err, &fe):
	case errors.Is(err, db.ErrConflict):
		// Someone saved in between: show the form again at the new version
		// with what this admin typed, so saving is a deliberate second step.
		if version, err = s.settings.Version(r.Context()); err != nil {
			return err
		}
		status = http.StatusConflict
		fe = settings.FieldErrors{"version": "Not saved: another admin changed the settings after you opened this page. " +
			"Your values are in the form below; check them and save again."}
	case err != nil:
		return err
	}
	if fe != nil {
		shown, err := s.settingsValues(r)
		if err != nil {
			return err
		}
		maps.Copy(shown, values)
		return s.render(w, r, status, admin.SettingsPage(s.settingsView(w, r, version, shown, fe)))
	}
	// Any setting may move a KPI (SLA hours, notice days, the weights): the
	// snapshots are recomputed from the new values.
	if err := s.kpi.Invalidate(r.Context()); err != nil {
		return err
	}
	s.flash(w, r, "success", "Settings saved.")
	return redirect(w, r, "/admin/settings")
}

// settingsView fills the form with values (as stored, or as typed when
// refused).
func (s *Server) settingsView(w http.ResponseWriter, r *http.Request, version string, values map[string]string, errs map[string]string) admin.Settings {
	v := admin.Settings{Page: s.page(w, r, "Settings", ""), Version: version,
		SLAHours: values["sla_hours"], NoticeDays: values["notice_days"],
		DigestWeekday: values["digest_weekday"], DigestTime: values["digest_time"], Currency: values[settings.CurrencyKey], Errors: errs}
	for _, d := range kpi.Definitions {
		if d.Key == kpi.Alignment {
			continue
		}
		key := settings.WeightPrefix + string(d.Key)
		v.Weights = append(v.Weights, admin.WeightField{Name: key, Label: d.Name, Value: values[key]})
	}
	return v
}
