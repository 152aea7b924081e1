package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// newLeadVia creates a lead as the marketer and returns its id.
func newLeadVia(t *testing.T, c *client, fields url.Values) string {
	t.Helper()
	c.get("/leads/new")
	res := c.post("/leads", fields)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create lead: %d\n%s", res.StatusCode, res.Body)
	}
	return strings.TrimPrefix(res.Header.Get("Location"), "/leads/")
}

func (e *testEnv) leadVersion(id string) string {
	return strconv.Itoa(e.count(`SELECT version FROM leads WHERE id = $1`, id))
}

func TestHandoffRejectJourneyOverHTTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	marketer := e.client()
	marketer.login("marketer@example.com")
	id := newLeadVia(t, marketer, url.Values{"company": {"Fresh Co"}, "contact_name": {"Fay"}, "email": {"fay@fresh.example"}})
	path := "/leads/" + id

	res := marketer.post(path+"/qualify", url.Values{"version": {e.leadVersion(id)}})
	wantRedirect(t, res, path)
	// A handoff without a note is refused, and the chosen rep is kept.
	repID := strconv.FormatInt(e.userID("rep@example.com"), 10)
	res = marketer.post(path+"/hand-off", url.Values{"owner": {repID}, "note": {" "}, "version": {e.leadVersion(id)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Write a handoff note") || !strings.Contains(res.Body, `value="`+repID+`" selected`) {
		t.Errorf("refused handoff page:\n%s", res.Body)
	}
	res = marketer.post(path+"/hand-off", url.Values{"owner": {repID}, "note": {"asked for pricing"}, "version": {e.leadVersion(id)}})
	wantRedirect(t, res, path)

	// Another rep may not act on it (data level), the service team may not at all (policy).
	other := e.client()
	other.login("jordan.blake@example.com")
	other.get(path)
	res = other.post(path+"/reject", url.Values{"reason": {"no_budget"}, "rating": {"2"}, "version": {e.leadVersion(id)}})
	wantStatus(t, res, http.StatusForbidden)
	if !strings.Contains(res.Body, "Only the assigned rep or a sales manager") {
		t.Errorf("data-level refusal:\n%s", res.Body)
	}
	agent := e.client()
	agent.login("agent@example.com")
	agent.get(path)
	res = agent.post(path+"/accept", url.Values{"rating": {"5"}, "version": {e.leadVersion(id)}})
	if classify(res) != "forbidden" {
		t.Errorf("service agent moving a lead: %d", res.StatusCode)
	}

	rep := e.client()
	rep.login("rep@example.com")
	if body := rep.get("/leads/queue").Body; !strings.Contains(body, "Fresh Co") {
		t.Error("the lead is not in the rep's queue")
	}
	stale := e.leadVersion(id)
	rep.get(path)
	res = rep.post(path+"/reject", url.Values{"reason": {"other"}, "rating": {"2"}, "note": {""}, "version": {stale}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	res = rep.post(path+"/reject", url.Values{"reason": {"bad_timing"}, "rating": {"2"}, "note": {"next year"}, "version": {stale}})
	wantRedirect(t, res, path)

	// The manager's form was loaded before the rejection: 409 with what changed.
	manager := e.client()
	manager.login("sales.manager@example.com")
	res = manager.post(path+"/accept", url.Values{"rating": {"4"}, "version": {stale}})
	wantStatus(t, res, http.StatusConflict)
	if !strings.Contains(res.Body, "changed while you were looking") || !strings.Contains(res.Body, "Handed off → Rejected") ||
		!strings.Contains(res.Body, "Riley Chen") || !strings.Contains(res.Body, "</span>, owned by Riley Chen.") {
		t.Errorf("409 page:\n%s", res.Body)
	}

	body := marketer.get("/leads/rejected?reason=bad_timing").Body
	if !strings.Contains(body, "Fresh Co") || !strings.Contains(body, "next year") {
		t.Error("the rejection is not on marketing's rejected view")
	}
}

func TestHostileLeadTextIsEscapedEverywhere(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	marketer := e.client()
	marketer.login("marketer@example.com")
	x := `<script>alert(1)</script>`
	id := newLeadVia(t, marketer, url.Values{"company": {x + "Corp"}, "contact_name": {x}, "email": {"evil@x.example"},
		"phone": {x}, "title": {x}, "country": {x}})
	path := "/leads/" + id
	marketer.post(path+"/comments", url.Values{"comment": {x + `<img src=x onerror=alert(2)>`}})
	marketer.post(path+"/qualify", url.Values{"version": {e.leadVersion(id)}})
	marketer.post(path+"/hand-off", url.Values{"note": {x}, "version": {e.leadVersion(id)}})
	for _, p := range []string{path, "/leads", "/leads?q=script", "/leads/queue"} {
		c := marketer
		if p == "/leads/queue" {
			c = e.client()
			c.login("sales.manager@example.com")
		}
		body := c.get(p).Body
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s renders lead text raw", p)
		}
		if !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("%s does not show the escaped text", p)
		}
	}
}

func TestExportOfAFilteredList(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	newLeadVia(t, c, url.Values{"company": {"=HYPERLINK(\"http://x\")"}, "contact_name": {"Formula"}, "email": {"f@formula.example"}})
	want := e.count(`SELECT count(*) FROM leads WHERE stage = 'won'`)
	if want == 0 {
		t.Fatal("demo data has no won leads")
	}
	res := c.get("/leads/export.csv?stage=won")
	wantStatus(t, res, http.StatusOK)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("headers %v", res.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs)-1 != want {
		t.Errorf("%d rows exported, %d won leads", len(recs)-1, want)
	}
	// Issue 15: the stage is its label, its code in a column of its own;
	// the campaign by name beside its id; amounts with their currency.
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, r := range recs[1:] {
		if r[col["stage_code"]] != "won" || r[col["stage"]] != "Won" {
			t.Errorf("row of stage %s (%s) in a won-only export", r[col["stage"]], r[col["stage_code"]])
		}
		if r[col["source_campaign_id"]] != "" && r[col["source_campaign"]] == "" {
			t.Errorf("campaign %s exported without its name", r[col["source_campaign_id"]])
		}
		if r[col["deal_value"]] != "" && r[col["currency"]] != "USD" {
			t.Errorf("deal value %s without its currency", r[col["deal_value"]])
		}
	}
	body := c.get("/leads/export.csv?q=formula").Body
	if !strings.Contains(body, `'=HYPERLINK`) {
		t.Errorf("formula not defused:\n%s", body)
	}
}

func multipartFile(t testing.TB, name string, content []byte, csrf string) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("csrf_token", csrf)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = w.Close()
	return &buf, w.FormDataContentType()
}

func (c *client) upload(path, name string, content []byte) response {
	c.env.t.Helper()
	body, ct := multipartFile(c.env.t, name, content, c.csrf)
	req, _ := http.NewRequest(http.MethodPost, c.env.http.URL+path, body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Origin", c.env.http.URL)
	return c.do(req)
}

func TestImportOverHTTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	before := e.count(`SELECT count(*) FROM leads`)
	c.get("/leads/import")
	file := "company,contact,email\nNew One,Nia,nia@one.example\nBad,Bo,bo-at-bad\nNew Two,Ned,ned@two.example\n"
	res := c.follow(t, c.upload("/leads/import", "leads.csv", []byte(file)))
	action := regexp.MustCompile(`action="(/leads/import/\d+)"`).FindStringSubmatch(res.Body)
	if action == nil || !strings.Contains(res.Body, "nia@one.example") {
		t.Fatalf("preview:\n%s", res.Body)
	}
	form := url.Values{"map_company": {"0"}, "map_contact_name": {"1"}, "map_email": {"-1"}}
	res = c.post(action[1], form)
	wantStatus(t, res, http.StatusUnprocessableEntity) // email not mapped
	form.Set("map_email", "2")
	res = c.follow(t, c.post(action[1], form))
	if !strings.Contains(res.Body, "2 leads imported; 1 row skipped") {
		t.Errorf("result:\n%s", res.Body)
	}
	if got := e.count(`SELECT count(*) FROM leads`); got != before+2 {
		t.Errorf("%d leads added, want 2", got-before)
	}
	csvRes := c.get(action[1] + "/rejected.csv")
	if !strings.Contains(csvRes.Body, "3,email:") {
		t.Errorf("rejected rows CSV:\n%s", csvRes.Body)
	}

	big := bytes.Repeat([]byte("x"), 21<<20)
	res = c.upload("/leads/import", "big.csv", big)
	wantStatus(t, res, http.StatusRequestEntityTooLarge)
	if !strings.Contains(res.Body, "larger than") {
		t.Errorf("413 page:\n%s", res.Body)
	}
	res = c.upload("/leads/import", "empty.csv", []byte(""))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "The file is empty.") {
		t.Errorf("empty file:\n%s", res.Body)
	}
}

func TestLeadListFiltersAndCounts(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("sales.manager@example.com")
	res := c.get("/leads?stage=rejected")
	wantStatus(t, res, http.StatusOK)
	rejected := e.count(`SELECT count(*) FROM leads WHERE stage = 'rejected'`)
	if !strings.Contains(res.Body, strconv.Itoa(rejected)+" leads match") {
		t.Errorf("rejected count %d not shown", rejected)
	}
	res = c.get("/leads?created_from=yesterday")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "YYYY-MM-DD") || !strings.Contains(res.Body, `value="yesterday"`) {
		t.Errorf("bad date filter:\n%s", res.Body)
	}
	wantStatus(t, c.get("/leads?after=not-a-cursor"), http.StatusUnprocessableEntity)
	wantStatus(t, c.get("/leads/999999"), http.StatusNotFound)
	wantStatus(t, c.get("/leads/abc"), http.StatusNotFound)

	var breached int
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM leads WHERE first_touch_at IS NULL
		AND stage IN ('handed_off', 'accepted') AND handed_off_at < now() - interval '24 hours'`).Scan(&breached)
	body := c.get("/leads?sla=breached").Body
	if !strings.Contains(body, strconv.Itoa(breached)+" lead") {
		t.Errorf("breached count %d not shown", breached)
	}
}
