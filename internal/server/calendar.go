package server

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"tandem/internal/calendar"
)

// The calendar feeds: a secret URL per user (and a team one per manager)
// that calendar apps subscribe to. Making one answers 303 to /account,
// which shows the URL once, carried like a new API token's secret: with
// the flash, kept server-side until that page shows it.

// calendarFeed serves GET and HEAD /calendar/{token}.ics without a
// session: the token opens its owner's feed only, and an unknown or
// replaced token is a plain 404 (a calendar app shows no HTML page).
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) error {
	b, err := s.calendar.Feed(r.Context(), chi.URLParam(r, "token"))
	h := w.Header()
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Referrer-Policy", "no-referrer")
	if errors.Is(err, calendar.ErrNotFound) {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "No calendar feed has this address: it was replaced by a newer one, or never existed.\n")
		return nil
	}
	if err != nil {
		return err
	}
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `inline; filename="tandem.ics"`)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b) // a HEAD request's body is dropped by net/http
	return nil
}

func (s *Server) generatePersonalCalendar(w http.ResponseWriter, r *http.Request) error {
	return s.generateCalendar(w, r, calendar.Personal)
}

func (s *Server) generateTeamCalendar(w http.ResponseWriter, r *http.Request) error {
	return s.generateCalendar(w, r, calendar.Team)
}

// generateCalendar makes the feed of scope, or regenerates it: then the
// form must confirm that the current URL stops working.
func (s *Server) generateCalendar(w http.ResponseWriter, r *http.Request, scope calendar.Scope) error {
	me := currentUser(r)
	feeds, err := s.calendar.Feeds(r.Context(), me.ID)
	if err != nil {
		return err
	}
	exists := false
	for _, f := range feeds {
		exists = exists || f.Scope == scope
	}
	if exists && r.PostFormValue("confirm") != "yes" {
		v, err := s.accountView(w, r, *me)
		if err != nil {
			return err
		}
		v.Calendar.Errors = map[string]string{"confirm_" + string(scope): "Tick the box to confirm: the current URL " +
			"stops working at once, and calendars subscribed to it stop updating until you give them the new one."}
		return s.renderAccount(w, r, http.StatusUnprocessableEntity, v)
	}
	token, err := s.calendar.Generate(r.Context(), me.ID, scope)
	if err != nil {
		return err
	}
	msg := "Your personal calendar feed is ready."
	if scope == calendar.Team {
		msg = "Your team's calendar feed is ready."
	}
	if exists {
		msg += " The old URL no longer works."
	}
	s.flashLink(w, r, "success", msg+" Copy the URL below now: Tandem shows it only this once.", s.calendar.URL(token))
	return redirect(w, r, "/account")
}
