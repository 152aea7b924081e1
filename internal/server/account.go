package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"tandem/internal/calendar"
	"tandem/internal/users"
	"tandem/web/pages/account"
)

// commonTimezones seeds the timezone suggestions; any IANA name is accepted.
var commonTimezones = []string{
	"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Europe/Madrid",
	"Europe/Rome", "Europe/Amsterdam", "Europe/Zurich", "Europe/Vienna", "Europe/Stockholm", "Europe/Warsaw",
	"Europe/Helsinki", "Europe/Athens", "Europe/Istanbul", "America/New_York", "America/Chicago", "America/Denver",
	"America/Los_Angeles", "America/Toronto", "America/Sao_Paulo", "America/Mexico_City", "Asia/Dubai",
	"Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
}

func (s *Server) accountView(w http.ResponseWriter, r *http.Request, u users.User) (account.Account, error) {
	optOut, err := s.digests.OptedOut(r.Context(), u.ID)
	if err != nil {
		return account.Account{}, err
	}
	feeds, err := s.calendar.Feeds(r.Context(), u.ID)
	if err != nil {
		return account.Account{}, err
	}
	away, err := s.routing.AwayOf(r.Context(), u.ID)
	if err != nil {
		return account.Account{}, err
	}
	p := s.page(w, r, "Your account", "")
	cal := account.CalendarFeeds{CanTeam: u.IsManager()}
	for _, f := range feeds {
		switch f.Scope {
		case calendar.Personal:
			cal.Personal = f.CreatedAt
		case calendar.Team:
			cal.Team = f.CreatedAt
		}
	}
	if p.Flash != nil && p.Flash.Link != "" {
		// Only a feed made just now puts a link on this page, and that
		// feed is the newer of the two.
		cal.NewURL, cal.NewScope = p.Flash.Link, string(calendar.Personal)
		if cal.Team.After(cal.Personal) {
			cal.NewScope = string(calendar.Team)
		}
	}
	v := account.Account{
		Page:     p,
		Calendar: cal,
		Email:    u.Email, Team: u.Team.Label(), Role: u.Role.Label(),
		Name: u.Name, Timezone: u.Timezone, Version: u.Version,
		Timezones: commonTimezones,
		Digest:    !optOut, MailOn: s.digests.MailOn(),
		Away: account.Away{Show: u.Team == users.Sales},
	}
	if away.IsSet() {
		v.Away.From, v.Away.To = away.From.Format(time.DateOnly), away.To.Format(time.DateOnly)
		today := time.Now().In(u.Location()).Format(time.DateOnly)
		v.Away.Now = v.Away.From <= today && today <= v.Away.To
	}
	return v, nil
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) error {
	v, err := s.accountView(w, r, *currentUser(r))
	if err != nil {
		return err
	}
	return s.renderAccount(w, r, http.StatusOK, v)
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, v account.Account) error {
	return s.render(w, r, status, account.AccountPage(v))
}

func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	tz := strings.TrimSpace(r.PostFormValue("timezone"))
	_, err = s.users.UpdateProfile(r.Context(), me.ID, version, name, tz)
	var fe users.FieldErrors
	if errors.As(err, &fe) {
		v, err := s.accountView(w, r, *me)
		if err != nil {
			return err
		}
		v.Name, v.Timezone, v.ProfileErrors = name, tz, fe
		return s.render(w, r, http.StatusUnprocessableEntity, account.AccountPage(v))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Your profile is saved.")
	return redirect(w, r, "/account")
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	sess := currentSession(r)
	err := s.users.ChangePassword(r.Context(), actor(r), sess.User.ID,
		r.PostFormValue("current"), r.PostFormValue("new"), sess.Token)
	var fe users.FieldErrors
	if errors.As(err, &fe) {
		v, err := s.accountView(w, r, sess.User)
		if err != nil {
			return err
		}
		v.PasswordErrors = fe
		return s.render(w, r, http.StatusUnprocessableEntity, account.AccountPage(v))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Your password is changed; your other sessions are signed out.")
	return redirect(w, r, "/account")
}
