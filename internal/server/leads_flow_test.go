package server

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// handOffVia qualifies the marketer's new lead and hands it to owner ("" to
// leave it for a sales manager).
func handOffVia(t *testing.T, e *testEnv, marketer *client, id, owner string) {
	t.Helper()
	path := "/leads/" + id
	marketer.get(path)
	wantRedirect(t, marketer.post(path+"/qualify", url.Values{"version": {e.leadVersion(id)}}), path)
	wantRedirect(t, marketer.post(path+"/hand-off", url.Values{"owner": {owner}, "note": {"asked for a demo"},
		"version": {e.leadVersion(id)}}), path)
}

func (e *testEnv) idOf(email string) string { return strconv.FormatInt(e.userID(email), 10) }

// wantBody fails unless the page contains every text (HTML-escaped as the
// page would write it).
func wantBody(t *testing.T, res response, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(res.Body, html.EscapeString(s)) {
			t.Errorf("%s %s: the page lacks %q", res.Request.Method, res.Request.URL.Path, s)
		}
	}
}

// A lead left for a sales manager is assigned from the queue; the rep then
// owns it, finds it in their queue and has been told. This POST answered
// 500 on every call before ("column reference version is ambiguous").
func TestAssignFromTheQueueOverHTTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	marketer := e.client()
	marketer.login("marketer@example.com")
	id := newLeadVia(t, marketer, url.Values{"company": {"Unassigned Ltd"}, "contact_name": {"Uma"}, "email": {"uma@unassigned.example"}})
	handOffVia(t, e, marketer, id, "")
	path := "/leads/" + id

	manager := e.client()
	manager.login("sales.manager@example.com")
	wantBody(t, manager.get("/leads/queue"), "Unassigned Ltd")
	wantBody(t, manager.get("/notifications"), "Unassigned Ltd waits for a rep: Mia Novak handed it off for a sales manager to assign")
	page := manager.get(path)
	if !strings.Contains(page.Body, `action="`+path+`/assign"`) {
		t.Fatalf("no assign form on the lead page:\n%s", page.Body)
	}
	stale := e.leadVersion(id)
	res := manager.post(path+"/assign", url.Values{"owner": {""}, "version": {stale}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Choose a rep.")
	res = manager.post(path+"/assign", url.Values{"owner": {e.idOf("rep@example.com")}, "version": {stale}})
	wantRedirect(t, res, path)
	if owner := e.count(`SELECT coalesce(owner_id, 0) FROM leads WHERE id = $1`, id); int64(owner) != e.userID("rep@example.com") {
		t.Errorf("owner after assigning: %d", owner)
	}
	wantBody(t, manager.get(path), "assigned to Riley Chen")

	rep := e.client()
	rep.login("rep@example.com")
	wantBody(t, rep.get("/leads/queue"), "Unassigned Ltd")
	wantBody(t, rep.get("/notifications"), "Sam Patel assigned Unassigned Ltd to you")
	if n := e.count(`SELECT count(*) FROM notifications WHERE kind = 'lead_assigned' AND link = $1`, path); n != 1 {
		t.Errorf("%d assignment notifications, want 1", n)
	}

	// A second manager tab still holds the old version: 409, nothing changes.
	res = manager.post(path+"/assign", url.Values{"owner": {e.idOf("jordan.blake@example.com")}, "version": {stale}})
	wantStatus(t, res, http.StatusConflict)
	wantBody(t, res, "changed while you were looking", "changed the owner")
	if owner := e.count(`SELECT owner_id FROM leads WHERE id = $1`, id); int64(owner) != e.userID("rep@example.com") {
		t.Errorf("a stale assign changed the owner to %d", owner)
	}
}

// opportunityVia makes a lead and works it to opportunity as the rep.
func opportunityVia(t *testing.T, e *testEnv, email string) (string, *client) {
	t.Helper()
	marketer := e.client()
	marketer.login("marketer@example.com")
	id := newLeadVia(t, marketer, url.Values{"company": {"Deal " + email}, "contact_name": {"Dee"}, "email": {email}})
	handOffVia(t, e, marketer, id, e.idOf("rep@example.com"))
	rep := e.client()
	rep.login("rep@example.com")
	path := "/leads/" + id
	rep.get(path)
	wantRedirect(t, rep.post(path+"/accept", url.Values{"rating": {"4"}, "version": {e.leadVersion(id)}}), path)
	wantRedirect(t, rep.post(path+"/convert", url.Values{"version": {e.leadVersion(id)}}), path)
	return id, rep
}

// A won deal's value must be a plain number that numeric(14, 2) holds:
// NaN passed ParseFloat and "value <= 0", was stored, and then broke every
// KPI page for everyone.
func TestWonDealValueIsRefusedUnlessAPlainAmount(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	id, rep := opportunityVia(t, e, "won@deal.example")
	path := "/leads/" + id
	for _, raw := range []string{"NaN", "nan", "Inf", "-Infinity", "1e20", "1e3", "-5", "0", "0.001", "1000000000000", "", "lots"} {
		res := rep.post(path+"/win", url.Values{"value": {raw}, "version": {e.leadVersion(id)}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("value %q: status %d, want 422", raw, res.StatusCode)
			continue
		}
		wantBody(t, res, "Enter the won deal's value: a plain number from 0.01 to 999,999,999,999.99")
		if !strings.Contains(res.Body, `name="value" type="text" value="`+html.EscapeString(raw)+`"`) && raw != "" {
			t.Errorf("value %q: the form does not keep what was typed", raw)
		}
	}
	// A decimal comma and sub-cent values were read as 12.50 and 1.24.
	for raw, msg := range map[string]string{"12.500,50": "Use a point for decimals", "1,2,3": "Use a point for decimals",
		"1.239": "at most two decimals"} {
		res := rep.post(path+"/win", url.Values{"value": {raw}, "version": {e.leadVersion(id)}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, msg)
	}
	if n := e.count(`SELECT count(*) FROM leads WHERE id = $1 AND stage = 'opportunity' AND deal_value IS NULL`, id); n != 1 {
		t.Fatal("a refused value changed the lead")
	}
	wantRedirect(t, rep.post(path+"/win", url.Values{"value": {"12,500.50"}, "version": {e.leadVersion(id)}}), path)
	if cents := e.count(`SELECT (deal_value * 100)::int FROM leads WHERE id = $1 AND stage = 'won'`, id); cents != 1250050 {
		t.Errorf("deal value in cents %d", cents)
	}
}

// An accepted lead that goes cold is closed as lost, with a reason.
func TestAcceptedLeadToLostOverHTTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	marketer := e.client()
	marketer.login("marketer@example.com")
	id := newLeadVia(t, marketer, url.Values{"company": {"Cold Co"}, "contact_name": {"Cal"}, "email": {"cal@cold.example"}})
	handOffVia(t, e, marketer, id, e.idOf("rep@example.com"))
	rep := e.client()
	rep.login("rep@example.com")
	path := "/leads/" + id
	rep.get(path)
	wantRedirect(t, rep.post(path+"/accept", url.Values{"rating": {"3"}, "version": {e.leadVersion(id)}}), path)
	page := rep.get(path)
	if !strings.Contains(page.Body, `action="/leads/`+id+`/lose"`) {
		t.Fatalf("no lost form on an accepted lead:\n%s", page.Body)
	}
	res := rep.post(path+"/lose", url.Values{"lost": {" "}, "version": {e.leadVersion(id)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Say why the deal was lost.")
	wantRedirect(t, rep.post(path+"/lose", url.Values{"lost": {"went silent after the demo"}, "version": {e.leadVersion(id)}}), path)
	if n := e.count(`SELECT count(*) FROM leads WHERE id = $1 AND stage = 'lost' AND lost_at IS NOT NULL AND lost_reason = 'went silent after the demo'`, id); n != 1 {
		t.Error("the lead was not closed as lost with its reason and time")
	}
}

func latestCampaign(t *testing.T, e *testEnv) (string, string) {
	t.Helper()
	var id int64
	var name string
	if err := e.pool.QueryRow(t.Context(), `SELECT id, name FROM campaigns ORDER BY launch_on DESC, id DESC LIMIT 1`).Scan(&id, &name); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10), name
}

// The new-lead form picks the source campaign from a list (newest launch
// first) and refuses numbers that are not scores.
func TestNewLeadWithSourceCampaignAndScore(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	marketer := e.client()
	marketer.login("marketer@example.com")
	campaignID, campaignName := latestCampaign(t, e)
	form := marketer.get("/leads/new")
	options := regexp.MustCompile(`<select[^>]*name="source_campaign"[^>]*>(.*?)</select>`).FindStringSubmatch(form.Body)
	if options == nil {
		t.Fatalf("no source campaign picker:\n%s", form.Body)
	}
	first := regexp.MustCompile(`<option value="(\d+)"[^>]*>([^<]*)</option>`).FindStringSubmatch(options[1])
	if first == nil || first[1] != campaignID || !strings.HasPrefix(first[2], html.EscapeString(campaignName)+" — launch ") {
		t.Errorf("first campaign option %q, want %s %q with its launch day", first, campaignID, campaignName)
	}
	if want := e.count(`SELECT count(*) FROM campaigns`); strings.Count(options[1], "<option") != want+1 {
		t.Errorf("%d options for %d campaigns and None", strings.Count(options[1], "<option"), want)
	}

	lead := url.Values{"company": {"Picked Co"}, "contact_name": {"Pia"}, "email": {"pia@picked.example"}, "source_campaign": {campaignID}}
	for _, score := range []string{"NaN", "Inf", "1e2", "101", "-1", "55.5", "many"} {
		lead.Set("score", score)
		res := marketer.post("/leads", lead)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("score %q: status %d, want 422", score, res.StatusCode)
			continue
		}
		wantBody(t, res, "Score is a whole number from 0 to 100.")
		if !strings.Contains(res.Body, `value="Picked Co"`) || !strings.Contains(res.Body, `value="`+campaignID+`" selected`) {
			t.Errorf("score %q: the form was not kept", score)
		}
	}
	lead.Set("score", "70")
	lead.Set("source_campaign", "99999999")
	res := marketer.post("/leads", lead)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "That campaign does not exist")
	lead.Set("source_campaign", "first")
	res = marketer.post("/leads", lead)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Choose a campaign from the list.")

	lead.Set("score", "70")
	lead.Set("source_campaign", campaignID)
	id := newLeadVia(t, marketer, lead)
	if n := e.count(`SELECT count(*) FROM leads WHERE id = $1 AND source_campaign_id = $2 AND score = 70`, id, campaignID); n != 1 {
		t.Error("the lead was not created with its campaign and score")
	}
	wantBody(t, marketer.get("/leads/"+id), campaignName)
}

// Marketing fixes a mistyped email and the source campaign; the timeline
// names the changed fields; stale forms, duplicates and bad scores are
// refused with the form kept; only the people who may see the Edit link.
func TestEditALeadOverHTTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	marketer := e.client()
	marketer.login("marketer@example.com")
	id := newLeadVia(t, marketer, url.Values{"company": {"Typo GmbH"}, "contact_name": {"Tom"}, "email": {"tom@typo.exmaple"}})
	path := "/leads/" + id
	campaignID, campaignName := latestCampaign(t, e)

	if !strings.Contains(marketer.get(path).Body, `href="`+path+`/edit"`) {
		t.Error("no Edit link for marketing")
	}
	form := marketer.get(path + "/edit")
	wantStatus(t, form, http.StatusOK)
	if !strings.Contains(form.Body, `value="tom@typo.exmaple"`) || !strings.Contains(form.Body, `name="version" value="`+e.leadVersion(id)+`"`) {
		t.Fatalf("edit form not filled:\n%s", form.Body)
	}
	loaded := e.leadVersion(id)
	edit := url.Values{"company": {"Typo GmbH"}, "contact_name": {"Tom"}, "email": {"tom@typo.example"}, "source_campaign": {campaignID},
		"score": {"40"}, "version": {loaded}}

	taken := url.Values{}
	for k, v := range edit {
		taken[k] = v
	}
	taken.Set("email", "fay@taken.example")
	newLeadVia(t, marketer, url.Values{"company": {"Taken"}, "contact_name": {"Fay"}, "email": {"fay@taken.example"}})
	marketer.get(path + "/edit")
	res := marketer.post(path+"/edit", taken)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "A lead with this email exists already.")
	if !strings.Contains(res.Body, `value="fay@taken.example"`) || !strings.Contains(res.Body, `aria-invalid="true"`) {
		t.Errorf("duplicate email: the form was not kept with the field marked:\n%s", res.Body)
	}
	taken.Set("email", "tom@typo.example")
	taken.Set("score", "NaN")
	res = marketer.post(path+"/edit", taken)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Score is a whole number from 0 to 100.")

	wantRedirect(t, marketer.post(path+"/edit", edit), path)
	if n := e.count(`SELECT count(*) FROM leads WHERE id = $1 AND email = 'tom@typo.example' AND source_campaign_id = $2 AND score = 40`, id, campaignID); n != 1 {
		t.Error("the edit was not saved")
	}
	page := marketer.get(path)
	wantBody(t, page, "edited the lead", "changed email, source campaign, score", campaignName)

	// The same form sent again is stale now.
	edit.Set("email", "lost@update.example")
	res = marketer.post(path+"/edit", edit)
	wantStatus(t, res, http.StatusConflict)
	wantBody(t, res, "someone else changed this lead while you were editing it", "changed email, source campaign, score")
	if n := e.count(`SELECT count(*) FROM leads WHERE email = 'lost@update.example'`); n != 0 {
		t.Error("a stale edit was saved")
	}

	// Handed to the rep: the rep may edit it, another rep and service may not.
	handOffVia(t, e, marketer, id, e.idOf("rep@example.com"))
	rep := e.client()
	rep.login("rep@example.com")
	if !strings.Contains(rep.get(path).Body, `href="`+path+`/edit"`) {
		t.Error("no Edit link for the owning rep")
	}
	rep.get(path + "/edit")
	wantRedirect(t, rep.post(path+"/edit", url.Values{"company": {"Typo GmbH"}, "contact_name": {"Tom Tyler"}, "email": {"tom@typo.example"},
		"source_campaign": {campaignID}, "score": {"40"}, "phone": {"+49 30 1234"}, "version": {e.leadVersion(id)}}), path)
	wantBody(t, rep.get(path), "changed contact name, phone")

	other := e.client()
	other.login("jordan.blake@example.com")
	if strings.Contains(other.get(path).Body, `href="`+path+`/edit"`) {
		t.Error("Edit link for a rep who does not own the lead")
	}
	wantStatus(t, other.get(path+"/edit"), http.StatusForbidden)
	res = other.post(path+"/edit", url.Values{"company": {"Hijacked"}, "contact_name": {"X"}, "email": {"x@x.example"}, "version": {e.leadVersion(id)}})
	wantStatus(t, res, http.StatusForbidden)
	agent := e.client()
	agent.login("agent@example.com")
	if strings.Contains(agent.get(path).Body, `href="`+path+`/edit"`) {
		t.Error("Edit link for the service team")
	}
	if n := e.count(`SELECT count(*) FROM leads WHERE company = 'Hijacked'`); n != 0 {
		t.Error("a refused edit was saved")
	}
}

// Handoff → the rep is told; rejection → the marketer who handed it off
// is told, with the reason and the rating.
func TestHandoffAndVerdictNotifyOverHTTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	marketer := e.client()
	marketer.login("marketer@example.com")
	id := newLeadVia(t, marketer, url.Values{"company": {"Told Co"}, "contact_name": {"Tod"}, "email": {"tod@told.example"}})
	handOffVia(t, e, marketer, id, e.idOf("rep@example.com"))
	path := "/leads/" + id
	rep := e.client()
	rep.login("rep@example.com")
	wantBody(t, rep.get("/notifications"), "Mia Novak handed Told Co to you")
	rep.get(path)
	wantRedirect(t, rep.post(path+"/reject", url.Values{"reason": {"no_budget"}, "rating": {"2"}, "version": {e.leadVersion(id)}}), path)
	wantBody(t, marketer.get("/notifications"), "Riley Chen rejected Told Co: No budget or authority, quality 2/5")
	if n := e.count(`SELECT count(*) FROM notifications WHERE link = $1`, path); n != 2 {
		t.Errorf("%d notifications about the lead, want 2 (handoff, rejection)", n)
	}
}

// The import maps a source campaign column by name or id and reports rows
// naming no campaign with their line.
func TestImportWithSourceCampaignOverHTTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	campaignID, campaignName := latestCampaign(t, e)
	c.get("/leads/import")
	file := "company,contact,email,source campaign,score\n" +
		"One,Ona,ona@one.example, " + strings.ToUpper(campaignName) + " ,10\n" +
		"Two,Tia,tia@two.example," + campaignID + ",\n" +
		"Three,Theo,theo@three.example,No Such Campaign,\n" +
		"Four,Flo,flo@four.example,,1e2\n"
	res := c.follow(t, c.upload("/leads/import", "campaigns.csv", []byte(file)))
	if !strings.Contains(res.Body, `name="map_source_campaign"`) || !strings.Contains(res.Body, `<option value="3" selected>`) {
		t.Fatalf("preview without a guessed source campaign mapping:\n%s", res.Body)
	}
	action := regexp.MustCompile(`action="(/leads/import/\d+)"`).FindStringSubmatch(res.Body)
	res = c.follow(t, c.post(action[1], url.Values{"map_company": {"0"}, "map_contact_name": {"1"}, "map_email": {"2"}, "map_source_campaign": {"3"}, "map_score": {"4"}}))
	wantBody(t, res, "2 leads imported; 2 rows skipped", `source campaign: no campaign has the name or id "No Such Campaign"`, "score: Score is a whole number")
	if !regexp.MustCompile(`<td class="num">4</td><td>source campaign`).MatchString(res.Body) {
		t.Errorf("the unknown campaign is not reported on line 4:\n%s", res.Body)
	}
	if n := e.count(`SELECT count(*) FROM leads WHERE email IN ('ona@one.example', 'tia@two.example') AND source_campaign_id = $1`, campaignID); n != 2 {
		t.Errorf("%d imported leads carry the campaign, want 2", n)
	}
}
