package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"tandem/internal/db"
	"tandem/internal/refusal"
	"tandem/internal/sla"
	"tandem/web/pages/admin"
)

// recentEscalations is how many fired steps the business hours page lists.
const recentEscalations = 20

func (s *Server) adminBusinessHours(w http.ResponseWriter, r *http.Request) error {
	v, err := s.businessHoursView(w, r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, admin.BusinessHoursPage(v))
}

// businessHoursView is the page with the stored calendar in its form.
func (s *Server) businessHoursView(w http.ResponseWriter, r *http.Request) (admin.BusinessHours, error) {
	ctx := r.Context()
	policy, err := s.sla.Policy(ctx)
	if err != nil {
		return admin.BusinessHours{}, err
	}
	steps, err := s.sla.Steps(ctx)
	if err != nil {
		return admin.BusinessHours{}, err
	}
	fired, err := s.leads.RecentEscalations(ctx, recentEscalations)
	if err != nil {
		return admin.BusinessHours{}, err
	}
	p := s.page(w, r, "Business hours and escalations", "admin")
	v := admin.BusinessHours{Page: p, Policy: policy, Steps: steps, Calendar: sla.FormOf(policy.Calendar),
		Version: itoa(policy.Calendar.Version)}
	for _, e := range fired {
		v.Recent = append(v.Recent, admin.Escalation{LeadID: e.LeadID, Company: e.Company,
			Step: strconv.Itoa(e.Percent) + " %: " + e.Action.Label(), Outcome: e.Outcome, FiredAt: p.DateTime(e.FiredAt)})
	}
	return v, nil
}

func (s *Server) adminSaveCalendar(w http.ResponseWriter, r *http.Request) error {
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	f := sla.CalendarForm{Mode: r.PostFormValue("mode"), Timezone: r.PostFormValue("timezone"),
		Days: r.PostForm["days"], Opens: r.PostFormValue("opens"), Closes: r.PostFormValue("closes")}
	_, err = s.sla.SaveCalendar(r.Context(), actor(r), version, f)
	conflict := errors.Is(err, db.ErrConflict)
	if conflict || refusal.KindOf(err) == refusal.Invalid {
		v, verr := s.businessHoursView(w, r)
		if verr != nil {
			return verr
		}
		// The form keeps what was typed; after a conflict it carries the
		// current version, so saving again overwrites knowingly.
		v.Calendar, v.Errors = f, refusal.FieldMessages(err)
		status := http.StatusUnprocessableEntity
		if conflict {
			status = http.StatusConflict
			v.Errors = map[string]string{"version": "Not saved: another admin changed the business hours after you opened this page. " +
				"Your values are in the form below; check them and save again."}
		}
		return s.render(w, r, status, admin.BusinessHoursPage(v))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Business hours saved. They count from the next handoff; deadlines already given stay as they are.")
	return redirect(w, r, "/admin/business-hours")
}

func (s *Server) adminAddHoliday(w http.ResponseWriter, r *http.Request) error {
	f := admin.HolidayForm{Day: r.PostFormValue("day"), Name: r.PostFormValue("name")}
	h, err := s.sla.AddHoliday(r.Context(), actor(r), f.Day, f.Name)
	if refusal.KindOf(err) == refusal.Invalid {
		v, verr := s.businessHoursView(w, r)
		if verr != nil {
			return verr
		}
		v.Holiday, v.HolidayErrors = f, refusal.FieldMessages(err)
		return s.render(w, r, http.StatusUnprocessableEntity, admin.BusinessHoursPage(v))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Holiday added: "+h.Name+" on "+h.Day.String()+".")
	return redirect(w, r, "/admin/business-hours")
}

func (s *Server) adminDeleteHoliday(w http.ResponseWriter, r *http.Request) error {
	if err := s.sla.DeleteHoliday(r.Context(), actor(r), chi.URLParam(r, "day")); err != nil {
		return err
	}
	s.flash(w, r, "success", "Holiday removed: that day counts as a working day again.")
	return redirect(w, r, "/admin/business-hours")
}

func (s *Server) adminAddStep(w http.ResponseWriter, r *http.Request) error {
	f := admin.StepForm{Percent: r.PostFormValue("percent"), Action: r.PostFormValue("action")}
	step, err := s.sla.AddStep(r.Context(), actor(r), f.Percent, f.Action)
	if refusal.KindOf(err) == refusal.Invalid {
		v, verr := s.businessHoursView(w, r)
		if verr != nil {
			return verr
		}
		v.Step, v.StepErrors = f, refusal.FieldMessages(err)
		return s.render(w, r, http.StatusUnprocessableEntity, admin.BusinessHoursPage(v))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Step added: at "+strconv.Itoa(step.Percent)+" % of the SLA, "+step.Action.Label()+".")
	return redirect(w, r, "/admin/business-hours")
}

func (s *Server) adminDeleteStep(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return errNotFound
	}
	if err := s.sla.DeleteStep(r.Context(), actor(r), id); err != nil {
		return err
	}
	s.flash(w, r, "success", "Step removed from the ladder.")
	return redirect(w, r, "/admin/business-hours")
}
