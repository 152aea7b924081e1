package server

import (
	"net/http"

	"tandem/internal/campaigns"
	"tandem/web/components"
)

// page builds what the layout needs for this request. For anonymous
// visitors it hands out the anti-forgery cookie their forms will echo.
// The header's counts are best effort: a failure leaves them empty rather
// than failing the page (error pages use this too).
func (s *Server) page(w http.ResponseWriter, r *http.Request, title, nav string) components.Page {
	p := s.basePage(w, r, title, nav)
	p.FormToken = newFormToken(r)
	if u := currentUser(r); u != nil {
		if n, err := s.notes.Unread(r.Context(), u.ID); err == nil {
			p.Unread = n
		}
		s.addBanners(r, &p)
		// Best effort too: without it amounts show without a code.
		if code, err := s.settings.Currency(r.Context()); err == nil {
			p.Currency = code
		}
	}
	return p
}

// basePage is page without the header's database lookups, for error pages.
func (s *Server) basePage(w http.ResponseWriter, r *http.Request, title, nav string) components.Page {
	p := components.Page{Title: title, Nav: nav}
	if sess := currentSession(r); sess != nil {
		p.User = &components.User{Name: sess.User.Name, Team: sess.User.Team.Label(), Role: sess.User.Role.Label(),
			Admin: sess.User.IsAdmin(), Location: sess.User.Location()}
		p.CSRF = sess.CSRFToken
	} else {
		p.CSRF = s.visitorToken(w, r)
	}
	p.Flash = s.takeFlash(r)
	return p
}

// addBanners puts what is pinned below the header on every page: the count
// of notices a sales or service user has yet to acknowledge, and critical
// alerts the user has not acknowledged. Best effort, like the unread count.
func (s *Server) addBanners(r *http.Request, p *components.Page) {
	u := currentUser(r)
	if u == nil {
		return
	}
	today := s.today()
	if campaigns.Acknowledges(*u) {
		if n, err := s.campaign.PendingCount(r.Context(), u.ID, today); err == nil {
			p.PendingNotices = n
		}
	}
	if list, err := s.campaign.PinnedAlerts(r.Context(), u.ID, today); err == nil {
		for _, a := range list {
			p.PinnedAlerts = append(p.PinnedAlerts, components.PinnedAlert{ID: a.ID, Headline: a.Headline, Product: a.Product})
		}
	}
}
