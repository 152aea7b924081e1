package server

import (
	"io"
	"net/http"

	"tandem/internal/events"
	"tandem/internal/mail"
	"tandem/internal/refusal"
	"tandem/web/pages/account"
)

func (s *Server) notificationSettings(w http.ResponseWriter, r *http.Request) error {
	prefs, err := s.mail.Prefs().Prefs(r.Context(), *currentUser(r))
	if err != nil {
		return err
	}
	v := account.NotificationSettingsOf(s.page(w, r, "Notification settings", ""), s.mail.MailOn(), prefs, nil)
	return s.render(w, r, http.StatusOK, account.NotificationsPage(v))
}

// saveNotificationSettings stores one choice per kind the form sent; a
// kind it left out keeps its setting.
func (s *Server) saveNotificationSettings(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	choices := map[events.Kind]mail.Delivery{}
	posted := map[events.Kind]string{}
	for _, k := range events.Kinds {
		if v := r.PostFormValue(string(k)); v != "" {
			choices[k], posted[k] = mail.Delivery(v), v
		}
	}
	err := s.mail.Prefs().Save(r.Context(), *me, choices)
	if re, _, ok := refusal.As(err); ok && re != nil {
		prefs, perr := s.mail.Prefs().Prefs(r.Context(), *me)
		if perr != nil {
			return perr
		}
		v := account.NotificationSettingsOf(s.page(w, r, "Notification settings", ""), s.mail.MailOn(), prefs, posted)
		v.Errors = map[string]string{"form": re.Message}
		return s.render(w, r, http.StatusUnprocessableEntity, account.NotificationsPage(v))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Your notification settings are saved.")
	return redirect(w, r, "/account/notifications")
}

// The unsubscribe link of a mail opens a page with a button, so link
// scanners cannot unsubscribe anyone by fetching it; the button, and a
// mail client's one-click POST (RFC 8058), post to the signed link itself.

func (s *Server) mailUnsubscribeForm(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	u, err := s.mail.Prefs().CheckUnsubscribe(r.Context(), q.Get("u"), q.Get("k"), q.Get("sig"))
	if err != nil { // mail.ErrBadSignature: a refusal with its message
		return err
	}
	return s.render(w, r, http.StatusOK, account.UnsubscribePage(account.Unsubscribe{
		Page: s.page(w, r, "Unsubscribe", ""), Action: r.URL.RequestURI(), Email: u.Email, Label: u.Label, Done: u.Done}))
}

// mailUnsubscribe is served outside the session and CSRF middleware: a
// mail client posts it with no cookie and no form token.
func (s *Server) mailUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if _, err := s.mail.Prefs().Unsubscribe(r.Context(), q.Get("u"), q.Get("k"), q.Get("sig")); err != nil {
		return err
	}
	if r.PostFormValue("List-Unsubscribe") == "One-Click" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, err := io.WriteString(w, "Unsubscribed.\n")
		return err
	}
	// Back to the signed link's page, which now says it is done.
	return redirect(w, r, r.URL.RequestURI())
}
