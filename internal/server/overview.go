package server

import (
	"net/http"

	"tandem/web/pages/overview"
)

func (s *Server) overview(w http.ResponseWriter, r *http.Request) error {
	counts, err := s.users.CountByTeam(r.Context())
	if err != nil {
		return err
	}
	v := overview.Overview{Page: s.page(w, r, "Overview", "overview")}
	for _, c := range counts {
		v.Teams = append(v.Teams, overview.TeamHeadcount{Team: c.Team.Label(), Members: c.Members, Managers: c.Managers, Admins: c.Admins})
	}
	return s.render(w, r, http.StatusOK, overview.OverviewPage(v))
}
