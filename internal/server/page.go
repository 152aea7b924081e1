package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"tandem/internal/campaigns"
	"tandem/internal/users"
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
		h := s.header(r, *u)
		p.Unread, p.PendingNotices, p.PinnedAlerts = h.Unread, h.PendingNotices, h.PinnedAlerts
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
	p.Flash = s.takeFlash(w, r)
	return p
}

// headerData is what the header shows a user on every page: the unread
// count, the notices a sales or service user has yet to acknowledge, and
// the critical alerts the user has not acknowledged, as of day.
type headerData struct {
	Unread         int
	PendingNotices int
	PinnedAlerts   []components.PinnedAlert
	day            time.Time
}

// maxCachedHeaders bounds the header cache (one entry per active user).
const maxCachedHeaders = 100_000

// header returns the user's headerData from memory when it is there for
// today, else from the database. Best effort: a failed count shows as
// none rather than failing the page, and is not kept.
func (s *Server) header(r *http.Request, u users.User) headerData {
	today := s.today()
	load := func(ctx context.Context) (headerData, error) {
		h := headerData{day: today}
		var errs [3]error
		h.Unread, errs[0] = s.notes.Unread(ctx, u.ID)
		if campaigns.Acknowledges(u) {
			h.PendingNotices, errs[1] = s.campaign.PendingCount(ctx, u.ID, today)
		}
		var list []campaigns.Pinned
		list, errs[2] = s.campaign.PinnedAlerts(ctx, u.ID, today)
		for _, a := range list {
			h.PinnedAlerts = append(h.PinnedAlerts, components.PinnedAlert{ID: a.ID, Headline: a.Headline, Product: a.Product})
		}
		return h, errors.Join(errs[:]...)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// A page built by a write (an htmx answer) must show that write,
		// which the notification may not have brought back yet.
		s.headers.Drop(u.ID)
	}
	h, err := s.headers.Get(r.Context(), u.ID, load)
	if err == nil && !h.day.Equal(today) {
		s.headers.Drop(u.ID)
		h, err = s.headers.Get(r.Context(), u.ID, load)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		s.log.Warn("header counts", "user", u.ID, "err", err)
	}
	return h
}
