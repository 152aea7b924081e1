package server

import (
	"net/http"

	"tandem/web/components"
	"tandem/web/pages/admin"
)

func (s *Server) scimTokenRows(r *http.Request, p components.Page) ([]admin.SCIMToken, error) {
	return nil, nil
}
