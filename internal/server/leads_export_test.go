package server

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Issue 13: any signed-in user, a service agent too, could download every
// lead with email and phone. The export is for the teams that work leads;
// service still reads a single lead's page, but gets no export link or file.
func TestLeadExportIsForMarketingAndSales(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	lead := "/leads/" + strconv.Itoa(e.count(`SELECT min(id) FROM leads`))
	for _, who := range []string{"agent@example.com", "service.manager@example.com"} {
		c := e.client()
		c.login(who)
		wantStatus(t, c.get("/leads/export.csv"), http.StatusForbidden)
		if list := c.get("/leads"); strings.Contains(list.Body, "/leads/export.csv") {
			t.Errorf("%s sees an export link on the lead list", who)
		}
		wantStatus(t, c.get(lead), http.StatusOK)
	}
	for _, who := range []string{"marketer@example.com", "rep@example.com"} {
		c := e.client()
		c.login(who)
		res := c.get("/leads/export.csv")
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(res.Body, "@") {
			t.Errorf("%s: the export carries no contact emails", who)
		}
		if list := c.get("/leads"); !strings.Contains(list.Body, "/leads/export.csv") {
			t.Errorf("%s sees no export link on the lead list", who)
		}
	}
}
