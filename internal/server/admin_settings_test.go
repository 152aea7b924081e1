package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// settingsForm is the settings page's form as the browser would submit it.
func settingsForm(t *testing.T, c *client) url.Values {
	t.Helper()
	res := c.get("/admin/settings")
	wantStatus(t, res, http.StatusOK)
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"`).FindAllStringSubmatch(res.Body, -1) {
		form.Set(m[1], m[2])
	}
	// The weekday is a select; keep its current choice.
	if m := regexp.MustCompile(`<option value="(\d)" selected`).FindStringSubmatch(res.Body); m != nil {
		form.Set("digest_weekday", m[1])
	}
	if form.Get("version") == "" || form.Get("weight_conversion") == "" {
		t.Fatalf("the settings form lacks its version or the weights:\n%s", res.Body)
	}
	return form
}

// weightShown is the weight the /kpis explanation shows for a KPI.
func weightShown(t *testing.T, c *client, name string) string {
	t.Helper()
	res := c.get("/kpis")
	wantStatus(t, res, http.StatusOK)
	m := regexp.MustCompile(`<td>` + regexp.QuoteMeta(name) + `</td><td class="num">[^<]*</td><td class="num">(\d+)</td>`).FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("/kpis does not explain the weight of %s:\n%s", name, res.Body)
	}
	return m[1]
}

// Issue 12, item 9: an admin sets the alignment-index weights under
// Settings; the database, the /kpis explanation and the audit log follow.
func TestAdminSetsAlignmentWeights(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	if got := weightShown(t, admin, "Lead-to-customer conversion"); got != "1" {
		t.Fatalf("default weight shown %s, want 1", got)
	}

	form := settingsForm(t, admin)
	form.Set("weight_conversion", "7")
	form.Set("weight_quality", "0")
	form.Set("sla_hours", "36")
	wantRedirect(t, admin.post("/admin/settings", form), "/admin/settings")

	if n := e.count(`SELECT count(*) FROM settings WHERE (key, value) IN (('weight_conversion', '7'), ('weight_quality', '0'), ('sla_hours', '36'))`); n != 3 {
		t.Errorf("%d of the 3 changed settings stored", n)
	}
	if got := weightShown(t, admin, "Lead-to-customer conversion"); got != "7" {
		t.Errorf("/kpis shows weight %s after saving 7", got)
	}
	if got := weightShown(t, admin, "Lead quality"); got != "0" {
		t.Errorf("/kpis shows weight %s for lead quality after saving 0", got)
	}

	adminID := e.userID("admin@example.com")
	for _, detail := range []string{"weight_conversion: 1 → 7", "weight_quality: 1 → 0", "sla_hours: 24 → 36"} {
		if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'setting.changed' AND actor_id = $1 AND detail = $2`, adminID, detail); n != 1 {
			t.Errorf("audit rows for %q: %d, want 1", detail, n)
		}
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'setting.changed'`); n != 3 {
		t.Errorf("%d setting.changed rows, want 3 (unchanged values are not logged)", n)
	}
	audit := admin.get("/admin/audit")
	wantStatus(t, audit, http.StatusOK)
	if !strings.Contains(audit.Body, "setting.changed") || !strings.Contains(audit.Body, "Setting changed") || !strings.Contains(audit.Body, "Lead-to-customer conversion weight: 1 → 7") || !strings.Contains(audit.Body, "Follow-up SLA (hours): 24 → 36") {
		t.Errorf("/admin/audit does not show the change:\n%s", audit.Body)
	}

	// A form opened before this change is stale: 409, nothing overwritten.
	form.Set("weight_conversion", "2")
	res := admin.post("/admin/settings", form)
	wantStatus(t, res, http.StatusConflict)
	if n := e.count(`SELECT count(*) FROM settings WHERE key = 'weight_conversion' AND value = '7'`); n != 1 {
		t.Error("a stale form overwrote the weight")
	}
	// The 409 keeps what was typed, at the current version: saving again
	// is the deliberate second step, and it goes through.
	if !strings.Contains(res.Body, "another admin changed the settings") ||
		!regexp.MustCompile(`name="weight_conversion"[^>]*value="2"`).MatchString(res.Body) {
		t.Fatalf("the 409 page does not keep the typed weight:\n%s", res.Body)
	}
	form.Set("version", regexp.MustCompile(`name="version" value="([^"]+)"`).FindStringSubmatch(res.Body)[1])
	wantRedirect(t, admin.post("/admin/settings", form), "/admin/settings")
	if n := e.count(`SELECT count(*) FROM settings WHERE key = 'weight_conversion' AND value = '2'`); n != 1 {
		t.Error("saving the re-shown form did not store the weight")
	}
}

// Bad weights are refused with a message beside the field, the form kept
// as typed, and nothing stored.
func TestBadWeightsAreRefusedAndTheFormKept(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	for _, bad := range []string{"11", "-1", "2.5", "NaN", "1e1", "lots"} {
		form := settingsForm(t, admin)
		form.Set("weight_conversion", bad)
		form.Set("weight_acceptance", "4")
		res := admin.post("/admin/settings", form)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, "Enter a whole number from 0 to 10.") ||
			!strings.Contains(res.Body, `name="weight_conversion"`) || !strings.Contains(res.Body, `value="`+bad+`"`) ||
			!regexp.MustCompile(`name="weight_acceptance"[^>]*value="4"`).MatchString(res.Body) {
			t.Errorf("weight %q: the 422 page lacks the message or the typed values:\n%s", bad, res.Body)
		}
	}
	// Every weight at 0 leaves the index nothing to combine.
	form := settingsForm(t, admin)
	for k := range form {
		if strings.HasPrefix(k, "weight_") {
			form.Set(k, "0")
		}
	}
	res := admin.post("/admin/settings", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "at least one KPI a weight above 0") {
		t.Errorf("all weights 0: the 422 page does not say why:\n%s", res.Body)
	}
	if n := e.count(`SELECT count(*) FROM settings WHERE key LIKE 'weight_%'`); n != 0 {
		t.Errorf("%d weights stored from refused forms", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'setting.changed'`); n != 0 {
		t.Errorf("%d audit rows from refused forms", n)
	}
}
