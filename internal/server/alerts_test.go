package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A critical alert is pinned on every page until acknowledged from the
// banner, which brings the user back to the page they were on.
func TestCriticalAlertPinnedUntilAcknowledged(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	agent := e.client()
	agent.login("service.manager@example.com")
	agent.get("/alerts/new")
	res := agent.post("/alerts", url.Values{"headline": {"Recall of batch 77"}, "product": {"Sensor S9"}, "severity": {"critical"},
		"what_happened": {"Faulty."}, "guidance": {"Stop selling it."}, "until_on": {time.Now().AddDate(0, 0, 10).Format("2006-01-02")}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("posting: %d\n%s", res.StatusCode, res.Body)
	}
	alert := strings.TrimPrefix(res.Header.Get("Location"), "/alerts/")
	if strings.Contains(agent.get("/account").Body, "Recall of batch 77") {
		t.Error("the alert is pinned for its own author")
	}

	rep := e.client()
	rep.login("marketer@example.com")
	for _, p := range []string{"/", "/campaigns", "/account", "/notifications"} {
		if !strings.Contains(rep.get(p).Body, "Recall of batch 77") {
			t.Errorf("the critical alert is not pinned on %s", p)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/alerts/"+alert+"/ack",
		strings.NewReader(url.Values{"csrf_token": {rep.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.http.URL)
	req.Header.Set("Referer", e.http.URL+"/notifications")
	wantRedirect(t, rep.do(req), "/notifications")
	if strings.Contains(rep.get("/account").Body, "Recall of batch 77") {
		t.Error("the alert is still pinned after acknowledging")
	}

	// Posting is for service and managers; the form keeps input on errors.
	wantStatus(t, rep.get("/alerts/new"), http.StatusForbidden)
	res = agent.post("/alerts", url.Values{"headline": {"Half an alert"}, "severity": {"critical"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, `value="Half an alert"`) || !strings.Contains(res.Body, "Enter the product concerned.") {
		t.Error("the refused alert form lost its input or message")
	}
}
