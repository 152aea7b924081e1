package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"tandem/internal/format"
	"tandem/internal/leads"
	"tandem/internal/refusal"
	"tandem/internal/users"
	"tandem/web/components"
	"tandem/web/pages/admin"
)

func teamOptions(blank string) []components.Option {
	opts := []components.Option{}
	if blank != "" {
		opts = append(opts, components.Option{Value: "", Label: blank})
	}
	for _, t := range users.Teams {
		opts = append(opts, components.Option{Value: string(t), Label: t.Label()})
	}
	return opts
}

func roleOptions(blank string) []components.Option {
	opts := []components.Option{}
	if blank != "" {
		opts = append(opts, components.Option{Value: "", Label: blank})
	}
	for _, r := range users.Roles {
		opts = append(opts, components.Option{Value: string(r), Label: r.Label()})
	}
	return opts
}

func userRow(u users.User) admin.UserRow {
	return admin.UserRow{ID: u.ID, Name: u.Name, Email: u.Email, Team: u.Team.Label(), Role: u.Role.Label(), Active: u.Active}
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := users.Filter{Team: users.Team(q.Get("team")), Role: users.Role(q.Get("role")), Active: q.Get("active")}
	if f.Team != "" && !f.Team.Valid() || f.Role != "" && !f.Role.Valid() ||
		f.Active != "" && f.Active != "active" && f.Active != "inactive" {
		return badRequest("Unknown filter value; pick a team, role and status from the lists.")
	}
	f.Page = queryPage(q)
	list, total, err := s.users.List(r.Context(), f)
	if err != nil {
		return err
	}
	v := admin.Users{
		Page: s.page(w, r, "Users", ""), Team: string(f.Team), Role: string(f.Role), Active: f.Active,
		Total: total, PageNum: f.Page,
		TeamOptions: teamOptions("Any team"), RoleOptions: roleOptions("Any role"),
		StateOptions: []components.Option{{Value: "", Label: "Any status"}, {Value: "active", Label: "Active"}, {Value: "inactive", Label: "Deactivated"}},
	}
	for _, u := range list {
		v.Rows = append(v.Rows, userRow(u))
	}
	pageURL := func(n int) string {
		q.Set("page", strconv.Itoa(n))
		return "/admin/users?" + q.Encode()
	}
	if f.Page > 1 {
		v.PrevURL = pageURL(f.Page - 1)
	}
	if f.Page*users.PageSize < total {
		v.NextURL = pageURL(f.Page + 1)
	}
	return s.render(w, r, http.StatusOK, admin.UsersPage(v))
}

func (s *Server) adminNewUserForm(w http.ResponseWriter, r *http.Request) error {
	v := admin.NewUser{Page: s.page(w, r, "Add a user", ""), Team: string(users.Sales), Role: string(users.Member),
		TeamOptions: teamOptions(""), RoleOptions: roleOptions("")}
	return s.render(w, r, http.StatusOK, admin.NewUserPage(v))
}

func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request) error {
	in := users.NewUser{
		Email: r.PostFormValue("email"), Name: r.PostFormValue("name"),
		Team: users.Team(r.PostFormValue("team")), Role: users.Role(r.PostFormValue("role")),
		Timezone: s.cfg.Location.String(),
	}
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	u, err := s.users.Create(ctx, actor(r), in, "")
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if err != nil && refusal.KindOf(err) != refusal.Invalid {
		return err
	}
	if fe := refusal.FieldMessages(err); fe != nil {
		v := admin.NewUser{Page: s.page(w, r, "Add a user", ""), Email: in.Email, Name: in.Name,
			Team: string(in.Team), Role: string(in.Role), Errors: fe,
			TeamOptions: teamOptions(""), RoleOptions: roleOptions("")}
		return s.render(w, r, http.StatusUnprocessableEntity, admin.NewUserPage(v))
	}
	return s.showPasswordLink(w, r, u, u.Name+" is added.")
}

// showPasswordLink issues a one-time set-password link for u and answers
// 303 to u's page, which shows it once: the link is a credential, so it
// waits server-side with the flash, never in the URL.
func (s *Server) showPasswordLink(w http.ResponseWriter, r *http.Request, u users.User, msg string) error {
	token, err := s.users.IssuePasswordLink(r.Context(), actor(r), u.ID)
	if err != nil {
		return err
	}
	link := s.cfg.BaseURL.String() + "/set-password/" + url.PathEscape(token)
	s.flashLink(w, r, "success", msg, link)
	return redirect(w, r, userDetailPath(u.ID))
}

func userDetailPath(id int64) string { return "/admin/users/" + strconv.FormatInt(id, 10) }

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userFromPath(r)
	if err != nil {
		return err
	}
	return s.renderUserDetail(w, r, http.StatusOK, u, nil)
}

func (s *Server) userFromPath(r *http.Request) (users.User, error) {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return users.User{}, errNotFound
	}
	return s.users.Get(r.Context(), id)
}

func (s *Server) renderUserDetail(w http.ResponseWriter, r *http.Request, status int, u users.User, errs users.FieldErrors) error {
	n, err := s.users.CountSessions(r.Context(), u.ID)
	if err != nil {
		return err
	}
	p := s.page(w, r, u.Name, "")
	v := admin.UserDetail{
		Page: p, User: userRow(u), Version: u.Version, Timezone: u.Timezone,
		Created: p.DateTime(u.CreatedAt), Sessions: n, IsSelf: currentUser(r).ID == u.ID, Errors: errs,
		FormTeam: string(u.Team), FormRole: string(u.Role),
		TeamOptions: teamOptions(""), RoleOptions: roleOptions(""),
	}
	if p.Flash != nil && p.Flash.Link != "" {
		v.PasswordLink = p.Flash.Link
	}
	return s.render(w, r, status, admin.UserDetailPage(v))
}

// adminMutation reads the target user, applies change, and shows the
// domain's refusals of the input on the detail page.
func (s *Server) adminMutation(w http.ResponseWriter, r *http.Request, change func(u users.User) (string, error)) error {
	u, err := s.userFromPath(r)
	if err != nil {
		return err
	}
	msg, err := change(u)
	if k := refusal.KindOf(err); k == refusal.Invalid {
		return s.renderUserDetail(w, r, refusalStatus(k), u, refusal.FieldMessages(err))
	} else if err != nil {
		return err
	}
	s.flash(w, r, "success", msg)
	return redirect(w, r, userDetailPath(u.ID))
}

func (s *Server) adminChangeAccess(w http.ResponseWriter, r *http.Request) error {
	return s.adminMutation(w, r, func(u users.User) (string, error) {
		version, err := postedVersion(r)
		if err != nil {
			return "", err
		}
		_, err = s.users.ChangeAccess(r.Context(), actor(r), u.ID, version,
			users.Team(r.PostFormValue("team")), users.Role(r.PostFormValue("role")))
		return "Team and role saved. " + u.Name + " was signed out if their access changed.", err
	})
}

// adminSetActive reactivates a user, or deactivates one once confirmed
// (see confirmed); a refused deactivation comes back on the confirm page.
func (s *Server) adminSetActive(w http.ResponseWriter, r *http.Request) error {
	if r.PostFormValue("active") == "true" {
		return s.adminMutation(w, r, func(u users.User) (string, error) {
			version, err := postedVersion(r)
			if err != nil {
				return "", err
			}
			_, err = s.users.SetActive(r.Context(), actor(r), u.ID, version, true)
			return u.Name + " is active again.", err
		})
	}
	u, err := s.userFromPath(r)
	if err != nil {
		return err
	}
	if !confirmed(r) || !u.Active {
		return s.renderDeactivate(w, r, http.StatusOK, u, nil)
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	if _, err := s.users.SetActive(r.Context(), actor(r), u.ID, version, false); err != nil {
		if refusal.KindOf(err) == refusal.Unknown {
			return err // a version conflict: the error page explains
		}
		return s.renderDeactivate(w, r, http.StatusOK, u, err)
	}
	s.flash(w, r, "success", u.Name+" is deactivated and signed out.")
	return redirect(w, r, userDetailPath(u.ID))
}

// adminDeactivateConfirm asks before deactivating: GET /admin/users/{id}/deactivate.
func (s *Server) adminDeactivateConfirm(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userFromPath(r)
	if err != nil {
		return err
	}
	return s.renderDeactivate(w, r, http.StatusOK, u, nil)
}

// renderDeactivate shows the confirm step for u; refused is the store's
// refusal of a post (the last admin), shown instead of the button with its
// status, as is a user who is deactivated already (409).
func (s *Server) renderDeactivate(w http.ResponseWriter, r *http.Request, status int, u users.User, refused error) error {
	msg := ""
	switch {
	case refused != nil:
		ref, _, _ := refusal.As(refused)
		status, msg = refusalStatus(ref.Kind), ref.Message
	case !u.Active:
		status, msg = http.StatusConflict, u.Name+" is deactivated already; reactivate them from their page."
	}
	ctx := r.Context()
	sessions, err := s.users.CountSessions(ctx, u.ID)
	if err != nil {
		return err
	}
	counts, err := s.leads.CountByStage(ctx, leads.Filter{OwnerID: u.ID})
	if err != nil {
		return err
	}
	assigned := 0 // the leads in the rep's hands, which deactivation leaves with them
	for _, st := range []leads.Stage{leads.HandedOff, leads.Accepted, leads.Opportunity} {
		assigned += counts.ByStage[st]
	}
	v := admin.DeactivateOf(s.page(w, r, "Deactivate "+u.Name, ""), u, sessions, assigned, msg)
	return s.render(w, r, status, admin.DeactivatePage(v))
}

func (s *Server) adminEndSessions(w http.ResponseWriter, r *http.Request) error {
	return s.adminMutation(w, r, func(u users.User) (string, error) {
		n, err := s.users.EndAllSessions(r.Context(), actor(r), u.ID)
		return "Ended " + format.Count(int(n), "session") + " of " + u.Name + ".", err
	})
}

func (s *Server) adminPasswordLink(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userFromPath(r)
	if err != nil {
		return err
	}
	return s.showPasswordLink(w, r, u, "A new set-password link for "+u.Name+" is ready.")
}

func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) error {
	events, more, err := s.users.Audit(r.Context(), queryCursor(r.URL.Query(), "before"))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, admin.AuditPage(admin.AuditOf(s.page(w, r, "Audit log", ""), events, more)))
}
