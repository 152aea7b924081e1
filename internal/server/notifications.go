package server

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"tandem/web/components"
	"tandem/web/pages/notifications"
)

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	before := queryCursor(r.URL.Query(), "before")
	list, more, err := s.notes.List(r.Context(), me.ID, before)
	if err != nil {
		return err
	}
	p := s.page(w, r, "Notifications", "")
	v := notifications.List{Page: p}
	for _, n := range list {
		v.Items = append(v.Items, notifications.Item{ID: n.ID, Title: n.Title, When: p.DateTime(n.CreatedAt),
			WhenISO: components.ISO(n.CreatedAt), Unread: n.ReadAt == nil})
	}
	if more {
		v.NextURL = "/notifications?before=" + strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	return s.render(w, r, http.StatusOK, notifications.ListPage(v))
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

func (s *Server) readAllNotifications(w http.ResponseWriter, r *http.Request) error {
	if err := s.notes.MarkAllRead(r.Context(), currentUser(r).ID); err != nil {
		return err
	}
	return redirect(w, r, "/notifications")
}
