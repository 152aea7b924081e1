package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"tandem/internal/feedback"
	"tandem/internal/refusal"
	"tandem/web/pages/admin"
)

// renderThemes shows the theme list; failed is the row whose save was
// refused (0 for none), shown with what the admin typed.
func (s *Server) renderThemes(w http.ResponseWriter, r *http.Request, status int, add admin.Themes, failed admin.ThemeRow) error {
	themes, err := s.feedback.Themes(r.Context(), true)
	if err != nil {
		return err
	}
	add.Page = s.page(w, r, "Feedback themes", "")
	for _, t := range themes {
		row := admin.ThemeRow{ID: t.ID, Name: t.Name, Description: t.Description, Active: t.Active, Version: t.Version, Items: t.Items}
		if failed.ID == t.ID {
			row.Name, row.Description, row.Active, row.Errors = failed.Name, failed.Description, failed.Active, failed.Errors
		}
		add.Rows = append(add.Rows, row)
	}
	return s.render(w, r, status, admin.ThemesPage(add))
}

func (s *Server) adminThemes(w http.ResponseWriter, r *http.Request) error {
	return s.renderThemes(w, r, http.StatusOK, admin.Themes{}, admin.ThemeRow{})
}

func (s *Server) adminCreateTheme(w http.ResponseWriter, r *http.Request) error {
	in := feedback.ThemeInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"), Active: true}
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	t, err := s.feedback.CreateTheme(ctx, in)
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if k := refusal.KindOf(err); k != refusal.Unknown {
		return s.renderThemes(w, r, refusalStatus(k),
			admin.Themes{Name: in.Name, Description: in.Description, Errors: refusal.FieldMessages(err)}, admin.ThemeRow{})
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Theme “"+t.Name+"” added; people can choose it now.")
	return redirect(w, r, "/admin/themes")
}

func (s *Server) adminUpdateTheme(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return errNotFound
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	in := feedback.ThemeInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		Active: r.PostFormValue("active") == "true"}
	t, err := s.feedback.UpdateTheme(r.Context(), id, version, in)
	if k := refusal.KindOf(err); k != refusal.Unknown {
		return s.renderThemes(w, r, refusalStatus(k), admin.Themes{},
			admin.ThemeRow{ID: id, Name: in.Name, Description: in.Description, Active: in.Active, Errors: refusal.FieldMessages(err)})
	}
	if err != nil {
		return err
	}
	msg := "Theme “" + t.Name + "” saved."
	if !t.Active {
		msg += " It is retired: its items keep it, new feedback cannot choose it."
	}
	s.flash(w, r, "success", msg)
	return redirect(w, r, "/admin/themes")
}
