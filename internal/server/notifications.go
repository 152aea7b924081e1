package server

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"tandem/internal/notifications"
	"tandem/web/components"
	notepages "tandem/web/pages/notifications"
)

// noteItem is a notification as the list shows it.
func noteItem(p components.Page, n notifications.Notification) notepages.Item {
	return notepages.Item{ID: n.ID, Title: n.Title, When: p.DateTime(n.CreatedAt),
		WhenISO: components.ISO(n.CreatedAt), Unread: n.ReadAt == nil}
}

// noteList is the page of the user's notifications after cursor before.
func (s *Server) noteList(w http.ResponseWriter, r *http.Request, before int64) (notepages.List, error) {
	list, more, err := s.notes.List(r.Context(), currentUser(r).ID, before)
	if err != nil {
		return notepages.List{}, err
	}
	p := s.page(w, r, "Notifications", "")
	v := notepages.List{Page: p}
	if before > 0 {
		v.Before = strconv.FormatInt(before, 10)
	}
	for _, n := range list {
		v.Items = append(v.Items, noteItem(p, n))
	}
	if more {
		v.NextURL = "/notifications?before=" + strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	return v, nil
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.noteList(w, r, queryCursor(r.URL.Query(), "before"))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, notepages.ListPage(v))
}

// openNotification marks it read and goes where it points.
func (s *Server) openNotification(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return errNotFound
	}
	n, err := s.notes.Open(r.Context(), currentUser(r).ID, id)
	if err != nil {
		return err
	}
	return redirect(w, r, safeNext(n.Link))
}

// readNotification marks one notification read and stays on the list:
// with htmx the row again, the unread counts of the navigation and (once
// nothing is unread) the mark-all form gone, out of band.
func (s *Server) readNotification(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return errNotFound
	}
	n, err := s.notes.Open(r.Context(), currentUser(r).ID, id)
	if err != nil {
		return err
	}
	msg := "Marked read: " + n.Title
	if !isHTMX(r) {
		return s.done(w, r, backTo(r, "/notifications"), msg)
	}
	p := s.page(w, r, "Notifications", "")
	return s.done(w, r, "", msg, notepages.Row(p.CSRF, noteItem(p, n)),
		components.UnreadBadges(p.Unread), notepages.ReadAll(notepages.List{Page: p}, true))
}

func (s *Server) readAllNotifications(w http.ResponseWriter, r *http.Request) error {
	if err := s.notes.MarkAllRead(r.Context(), currentUser(r).ID); err != nil {
		return err
	}
	const msg = "All notifications marked read."
	if !isHTMX(r) {
		return s.done(w, r, "/notifications", msg)
	}
	before, _ := pathID(r.PostFormValue("before"))
	v, err := s.noteList(w, r, before)
	if err != nil {
		return err
	}
	return s.done(w, r, "", msg, notepages.Items(v), components.UnreadBadges(v.Unread), notepages.ReadAll(v, true))
}
