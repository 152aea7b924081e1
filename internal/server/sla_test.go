package server

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Everyone signed in reads both sides of the SLA, for every period kind.
func TestSLAPageShowsBothSidesToEveryRole(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for _, who := range []string{"rep@example.com", "sales.manager@example.com", "marketer@example.com",
		"marketing.manager@example.com", "agent@example.com", "admin@example.com"} {
		c := e.client()
		c.login(who)
		for _, path := range []string{"/sla", "/sla?kind=week", "/sla?kind=quarter"} {
			res := c.get(path)
			wantStatus(t, res, http.StatusOK)
			wantMarkup(t, res, "Marketing's side", "Sales' side")
			wantBody(t, res, "MQLs delivered", "Acceptance rate", "Mean quality rating",
				"Rejected leads by reason", "Touched within the SLA", "Median response", "90th percentile response",
				"SLA breaches", "Escalations fired", "Follow-up by owner", "Last 12 periods")
		}
	}
	// The overview's speed-to-lead and MQL tiles open it for their period.
	c := e.client()
	c.login("rep@example.com")
	if n := strings.Count(c.get("/?lens=all&kind=week").Body, `href="/sla?kind=week&amp;period=`); n != 2 {
		t.Errorf("the overview links the SLA page %d times, want from the speed-to-lead and MQL tiles", n)
	}
	wantRedirect(t, e.client().get("/sla"), "/login?next=%2Fsla")
}

var figureValue = regexp.MustCompile(`data-figure="([a-z-]+)">([^<]*)<`)

// A figure's drill-down lists as many leads as the figure says.
func TestSLADrillDownListsTheLeadsOfTheNumber(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("sales.manager@example.com")
	figures := func(path string) map[string]string {
		res := c.get(path)
		wantStatus(t, res, http.StatusOK)
		out := map[string]string{}
		for _, m := range figureValue.FindAllStringSubmatch(res.Body, -1) {
			out[m[1]] = m[2]
		}
		return out
	}
	for figure, show := range map[string]string{"breaches": "breached", "escalations": "escalations", "mql": "mql"} {
		// The shortest period of the demo with some of them.
		checked := false
		for _, kind := range []string{"week", "month", "quarter"} {
			n, err := strconv.Atoi(strings.ReplaceAll(figures("/sla?kind=" + kind)[figure], ",", ""))
			if err != nil {
				t.Fatalf("figure %s: %v", figure, err)
			}
			if n == 0 {
				continue
			}
			res := c.get("/sla?kind=" + kind + "&show=" + show)
			wantStatus(t, res, http.StatusOK)
			_, drill, ok := strings.Cut(res.Body, `id="drill"`)
			if !ok {
				t.Fatalf("show=%s has no drill-down section", show)
			}
			drill, _, _ = strings.Cut(drill, "</section>")
			want := min(n, drillShown)
			if rows := strings.Count(drill, `<a href="/leads/`); rows != want {
				t.Errorf("%s show=%s lists %d leads, the figure says %d", kind, show, rows, n)
			}
			if capped := strings.Contains(drill, "Showing the first"); capped != (n > drillShown) {
				t.Errorf("%s show=%s: %d leads, says it shows only the first: %v", kind, show, n, capped)
			}
			checked = true
			break
		}
		if !checked {
			t.Errorf("no period of the demo has %s to check", figure)
		}
	}
	for _, bad := range []string{"/sla?show=everything", "/sla?show=rejected:whatever", "/sla?kind=year", "/sla?kind=week&period=2030-W02"} {
		res := c.get(bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
	}
	wantBody(t, c.get("/sla?show=breached:abc"), "That list does not exist")
}
