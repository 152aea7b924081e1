package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// QA found readiness cut off on campaign pages ("4 of 6 (66 %)") where the
// KPI pages round (67 %), and a team with nobody to measure reported as
// "Everyone acknowledged".
func TestReadinessFigureRoundsAndSaysWhenNobodyIsMeasured(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := t.Context()
	m := e.client()
	m.login("marketer@example.com")
	id := m.newCampaign(t, "Rounding webinar", "- Read me", time.Now().AddDate(0, 0, 30))
	path := "/campaigns/" + strconv.FormatInt(id, 10)
	wantRedirect(t, m.post(path+"/announce", url.Values{"confirm": {"yes"}, "version": {m.version(t, id)}}), path)

	// Sales 6, service 3 (Omar leaves): 4 sales and 2 service acknowledge.
	if _, err := e.pool.Exec(ctx, `UPDATE users SET active = false WHERE email = 'omar.haddad@example.com'`); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if _, err := e.pool.Exec(ctx, `INSERT INTO acknowledgements (campaign_id, user_id, revision)
		SELECT $1, id, 1 FROM users WHERE email = ANY($2)`, id, []string{"rep@example.com", "jordan.blake@example.com",
		"priya.nair@example.com", "tom.becker@example.com", "agent@example.com", "hannah.weber@example.com"}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	manager := e.client()
	manager.login("sales.manager@example.com")
	page := manager.get(path)
	wantStatus(t, page, http.StatusOK)
	for _, want := range []string{"6 of 9 (67 %)", "Sales: 4 of 6 (67 %)", "Service: 2 of 3 (67 %)", `value="67"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the campaign page lacks %q (cut off, not rounded?)", want)
		}
	}
	if list := manager.get("/campaigns?view=upcoming"); !strings.Contains(list.Body, "6 of 9 (67 %)") {
		t.Errorf("the campaign list does not show 6 of 9 as 67 %%")
	}

	// Nobody in service now: upcoming, so the team has no active members.
	if _, err := e.pool.Exec(ctx, `UPDATE users SET active = false WHERE team = 'service'`); err != nil {
		t.Fatal(err)
	}
	e.settle()
	page = manager.get(path)
	if want := "Nobody in service is measured yet: the team has no active members."; !strings.Contains(page.Body, want) {
		t.Errorf("with no active service members the page lacks %q:\n%s", want, section(page.Body, "not-ready"))
	}
	if !strings.Contains(page.Body, "Service: nobody measured") || !strings.Contains(page.Body, "Sales: 4 of 6 (67 %)") {
		t.Errorf("team lines:\n%s", section(page.Body, "readiness-h"))
	}

	// Launched before anyone joined: nobody in either team was measured.
	var old int64
	if err := e.pool.QueryRow(ctx, `INSERT INTO campaigns (name, channel, launch_on, end_on, owner_id, status, announced_at,
		notice_lead, notice_days, revision) VALUES ('Before everyone', 'email', '2001-03-01', '2001-03-10',
		(SELECT id FROM users WHERE email = 'marketer@example.com'), 'announced', '2001-02-01', interval '28 days', 14, 1)
		RETURNING id`).Scan(&old); err != nil {
		t.Fatal(err)
	}
	page = manager.get("/campaigns/" + strconv.FormatInt(old, 10))
	wantStatus(t, page, http.StatusOK)
	for _, want := range []string{"Nobody in sales was measured: no active members who joined before launch.",
		"Nobody in service was measured: no active members who joined before launch.", "Sales: nobody measured"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("a campaign launched before anyone joined lacks %q:\n%s", want, section(page.Body, "not-ready"))
		}
	}
	if strings.Contains(page.Body, "Everyone acknowledged") {
		t.Error("a team with nobody to measure says everyone acknowledged")
	}
}

// section is the part of a page from the first occurrence of marker, for
// failure messages.
func section(body, marker string) string {
	i := strings.Index(body, marker)
	if i < 0 {
		return body
	}
	return body[i:min(len(body), i+1500)]
}
