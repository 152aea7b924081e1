package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/internal/campaigns"
	"tandem/internal/intake"
	"tandem/internal/testdb/demo"
)

// sourceForm is a valid source form.
func sourceForm(name, slug string) url.Values {
	return url.Values{"name": {name}, "slug": {slug}, "landing_stage": {"mql"}, "map_company": {"company"},
		"map_contact_name": {"name, contact_name"}, "map_email": {"email"}, "map_phone": {"phone"},
		"map_title": {"title"}, "map_country": {"country"}, "map_note": {"message"},
		"thank_you_url": {"https://example.com/thanks"}, "rate_per_minute": {"60"}, "allow_forms": {"true"},
		"enabled": {"true"}}
}

// newSource creates a source through the domain, as a marketing manager.
func (e *testEnv) newSource(t *testing.T, f intake.Form) intake.Source {
	t.Helper()
	src, err := e.srv.intake.Create(context.Background(), int64(e.userID("marketing.manager@example.com")), f)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func defaultSource(slug string) intake.Form {
	f := intake.DefaultForm()
	f.Name, f.Slug = "Website "+slug, slug
	return f
}

var intakeCreateHappyPath = happyCase{as: "marketing.manager@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	return happyPost{path: "/leads/intake", form: sourceForm("Website contact form", "website-contact"),
		state: `SELECT count(*) FROM intake_sources`}
}}

var intakeUpdateHappyPath = happyCase{as: "marketing.manager@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	src := e.newSource(t, defaultSource("happy"))
	form := sourceForm("Renamed source", "happy")
	form.Set("version", strconv.Itoa(src.Version))
	return happyPost{path: "/leads/intake/" + strconv.FormatInt(src.ID, 10), form: form,
		state: `SELECT name FROM intake_sources WHERE id = $1`, args: []any{src.ID}}
}}

var intakeRotateHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	src := e.newSource(t, defaultSource("rotate"))
	return happyPost{path: "/leads/intake/" + strconv.FormatInt(src.ID, 10) + "/rotate",
		form:  url.Values{"version": {strconv.Itoa(src.Version)}, "confirm": {"yes"}},
		state: `SELECT secret FROM intake_sources WHERE id = $1`, args: []any{src.ID}}
}}

// public posts to the public endpoint without cookies or CSRF token.
func (e *testEnv) public(t *testing.T, path, contentType string, body string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.http.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, vs := range header {
		req.Header[k] = vs
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func signed(secret, body string) http.Header {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	return http.Header{intake.SignatureHeader: {intake.Sign(secret, ts, []byte(body))}, intake.TimestampHeader: {ts}}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestIntakeWebsiteFormPost(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	f := defaultSource("website")
	f.LandingStage, f.ThankYouURL = "mql", "https://example.com/thanks"
	src := e.newSource(t, f)
	form := url.Values{"company": {"Form Co"}, "name": {"Fay Former"}, "email": {"Fay@Form.example"},
		"message": {"Please call me"}, "utm_source": {"newsletter"}, "utm_medium": {"email"}}
	res := e.public(t, "/intake/website", "application/x-www-form-urlencoded", form.Encode(), nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "https://example.com/thanks" {
		t.Fatalf("status %d to %q, want 303 to the thank-you page", res.StatusCode, res.Header.Get("Location"))
	}
	if stage := e.state(`SELECT stage FROM leads WHERE email = 'fay@form.example'`); stage != "mql" {
		t.Errorf("lead stage %q, want the source's mql", stage)
	}
	if n := e.count(`SELECT count(*) FROM leads WHERE email = 'fay@form.example' AND mql_at IS NOT NULL`); n != 1 {
		t.Errorf("mql_at not set")
	}
	if o := e.state(`SELECT outcome || ':' || utm_source FROM intake_submissions WHERE source_id = $1`, src.ID); o != "created:newsletter" {
		t.Errorf("log says %q, want created with its utm_source", o)
	}
	if actor := e.state(`SELECT actor_label FROM lead_events e JOIN leads l ON l.id = e.lead_id WHERE l.email = 'fay@form.example'`); actor != "Intake: Website website" {
		t.Errorf("timeline actor %q", actor)
	}

	// Multipart works too, and with no thank-you page Tandem's own answers.
	f2 := defaultSource("plain")
	e.newSource(t, f2)
	body := "--XX\r\nContent-Disposition: form-data; name=\"company\"\r\n\r\nMulti Co\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"contact_name\"\r\n\r\nMo Multi\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nmo@multi.example\r\n--XX--\r\n"
	res = e.public(t, "/intake/plain", "multipart/form-data; boundary=XX", body, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/intake/thanks" {
		t.Fatalf("multipart: status %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if stage := e.state(`SELECT stage FROM leads WHERE email = 'mo@multi.example'`); stage != "new" {
		t.Errorf("multipart lead stage %q, want new", stage)
	}
	if thanks := e.client().get("/intake/thanks"); thanks.StatusCode != http.StatusOK || !strings.Contains(thanks.Body, "Thank you") {
		t.Errorf("thank-you page: %d", thanks.StatusCode)
	}

	// Refused: an invalid email answers 422 with a small page, logged.
	bad := url.Values{"company": {"Bad Co"}, "name": {"B"}, "email": {"not-an-email"}}
	res = e.public(t, "/intake/website", "application/x-www-form-urlencoded", bad.Encode(), nil)
	if page := readAll(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "email") {
		t.Errorf("invalid email: %d\n%s", res.StatusCode, page)
	}
	if n := e.count(`SELECT count(*) FROM intake_submissions WHERE source_id = $1 AND outcome = 'refused' AND reason LIKE 'email:%'`, src.ID); n != 1 {
		t.Errorf("%d refused submissions logged, want 1", n)
	}
	// The honeypot: answered like a success, nothing created.
	hp := url.Values{"company": {"Bot Co"}, "name": {"Bot"}, "email": {"bot@bot.example"}, intake.Honeypot: {"http://spam"}}
	res = e.public(t, "/intake/website", "application/x-www-form-urlencoded", hp.Encode(), nil)
	if res.StatusCode != http.StatusSeeOther || e.count(`SELECT count(*) FROM leads WHERE email = 'bot@bot.example'`) != 0 {
		t.Errorf("honeypot: %d, lead created %d", res.StatusCode, e.count(`SELECT count(*) FROM leads WHERE email = 'bot@bot.example'`))
	}
}

func TestIntakeSignedWebhook(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	src := e.newSource(t, defaultSource("tool"))
	before := e.count(`SELECT count(*) FROM leads`)
	body := `{"company":"Hook Co","name":"Hal Hook","email":"hal@hook.example","score":5}`

	for name, h := range map[string]http.Header{
		"missing":      nil,
		"wrong secret": signed("whsec_not-the-secret-at-all-0000000000", body),
		"other body":   signed(src.Secret, body+" "),
		"old":          {intake.SignatureHeader: {intake.Sign(src.Secret, "1000", []byte(body))}, intake.TimestampHeader: {"1000"}},
	} {
		res := e.public(t, "/intake/tool", "application/json", body, h)
		var p map[string]any
		if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Content-Type") != "application/problem+json" || p["status"] != 401.0 {
			t.Errorf("%s signature: %d %s %v, want 401 problem+json", name, res.StatusCode, res.Header.Get("Content-Type"), p)
		}
	}
	if n := e.count(`SELECT count(*) FROM leads`); n != before {
		t.Errorf("bad signatures stored %d leads", n-before)
	}
	if n := e.count(`SELECT count(*) FROM intake_submissions WHERE outcome = 'refused' AND lead_id IS NULL AND email = ''`); n != 4 {
		t.Errorf("%d refusals logged, want 4", n)
	}

	res := e.public(t, "/intake/tool", "application/json", body, signed(src.Secret, body))
	var out struct {
		Outcome string `json:"outcome"`
		Lead    int64  `json:"lead"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusCreated || out.Outcome != "created" || out.Lead == 0 {
		t.Fatalf("signed webhook: %d %+v, want 201 created", res.StatusCode, out)
	}
	if email := e.state(`SELECT email FROM leads WHERE id = $1`, out.Lead); email != "hal@hook.example" {
		t.Errorf("lead %d has email %q", out.Lead, email)
	}
	// Without the timestamp header the body alone is signed.
	body2 := `{"company":"Hook Two","contact_name":"Hu","email":"hu@hook.example"}`
	res = e.public(t, "/intake/tool", "application/json", body2,
		http.Header{intake.SignatureHeader: {intake.Sign(src.Secret, "", []byte(body2))}})
	if res.StatusCode != http.StatusCreated {
		t.Errorf("body-only signature: %d", res.StatusCode)
	}
	// Refused fields: 422 problem+json with errors by posted field name.
	body3 := `{"company":"","name":"No Co","email":"noco@hook.example"}`
	res = e.public(t, "/intake/tool", "application/json", body3, signed(src.Secret, body3))
	var p problem
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "company" {
		t.Errorf("missing company: %d %+v", res.StatusCode, p)
	}
	// The shared problem writer: the whole RFC 9457 shape, never cached.
	if p.Type != "about:blank" || p.Title != "Unprocessable Entity" || p.Status != 422 || p.Detail == "" ||
		p.Instance != "/intake/tool" || p.Errors[0].Message == "" || res.Header.Get("Cache-Control") != "no-store" ||
		res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("problem %+v with headers %v", p, res.Header)
	}
}

func TestIntakeDuplicateEmailIsMerged(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	src := e.newSource(t, defaultSource("dupes"))
	existing := e.state(`SELECT email FROM leads ORDER BY id LIMIT 1`)
	id := e.count(`SELECT id FROM leads WHERE email = $1`, existing)
	before := e.count(`SELECT count(*) FROM leads`)
	body := `{"company":"Again Co","name":"Again","email":"` + strings.ToUpper(existing) + `","message":"Still interested"}`
	res := e.public(t, "/intake/dupes", "application/json", body, signed(src.Secret, body))
	var out struct {
		Outcome string `json:"outcome"`
		Lead    int    `json:"lead"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || out.Outcome != "merged" || out.Lead != id {
		t.Fatalf("duplicate: %d %+v, want 200 merged into %d", res.StatusCode, out, id)
	}
	if n := e.count(`SELECT count(*) FROM leads`); n != before {
		t.Errorf("a duplicate created a lead")
	}
	if n := e.count(`SELECT count(*) FROM lead_events WHERE lead_id = $1 AND kind = 'intake' AND note LIKE '%Still interested'`, id); n != 1 {
		t.Errorf("%d intake events on the lead, want 1", n)
	}
	if o := e.state(`SELECT outcome FROM intake_submissions WHERE source_id = $1`, src.ID); o != "merged" {
		t.Errorf("log says %q, want merged", o)
	}
	page := e.client()
	page.login("marketer@example.com")
	if lead := page.get("/leads/" + strconv.Itoa(id)); !strings.Contains(lead.Body, "Intake: Website dupes") {
		t.Errorf("the lead's timeline does not name the intake source")
	}
}

func TestIntakeUTMAttribution(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	ids := e.count(`SELECT count(*) FROM campaigns`)
	if ids < 2 {
		t.Fatal("the demo needs two campaigns")
	}
	keyed := int64(e.count(`SELECT min(id) FROM campaigns`))
	fallback := int64(e.count(`SELECT max(id) FROM campaigns`))
	c, err := e.srv.campaign.Get(ctx, keyed)
	if err != nil {
		t.Fatal(err)
	}
	cf := campaigns.FormOf(c)
	cf.Key = "spring-webinar"
	if _, err := e.srv.campaign.Update(ctx, c.OwnerID, c.ID, c.Version, cf); err != nil {
		t.Fatal(err)
	}
	f := defaultSource("utm")
	f.DefaultCampaignID = strconv.FormatInt(fallback, 10)
	e.newSource(t, f)
	post := func(email, utm string) {
		form := url.Values{"company": {"UTM Co"}, "name": {"Uma"}, "email": {email}, "utm_campaign": {utm}, "utm_term": {"crm"}}
		if res := e.public(t, "/intake/utm", "application/x-www-form-urlencoded", form.Encode(), nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", email, res.StatusCode)
		}
	}
	post("key@utm.example", "Spring-Webinar")
	post("other@utm.example", "unknown-campaign")
	if got := e.count(`SELECT source_campaign_id FROM leads WHERE email = 'key@utm.example'`); int64(got) != keyed {
		t.Errorf("key match: campaign %d, want %d (the key beats the default)", got, keyed)
	}
	if got := e.count(`SELECT source_campaign_id FROM leads WHERE email = 'other@utm.example'`); int64(got) != fallback {
		t.Errorf("no match: campaign %d, want the default %d", got, fallback)
	}
	m := e.client()
	m.login("marketer@example.com")
	lead := m.get("/leads/" + strconv.Itoa(e.count(`SELECT id FROM leads WHERE email = 'key@utm.example'`)))
	if !strings.Contains(lead.Body, "utm_term") || !strings.Contains(lead.Body, "crm") {
		t.Errorf("the lead's page does not show the submission's UTM parameters")
	}
}

func TestIntakeRefusals(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	f := defaultSource("limited")
	f.RatePerMinute = "2"
	src := e.newSource(t, f)
	form := func(i int) string {
		return url.Values{"company": {"Rate Co"}, "name": {"R"}, "email": {"r" + strconv.Itoa(i) + "@rate.example"}}.Encode()
	}
	var last *http.Response
	for i := range 3 {
		last = e.public(t, "/intake/limited", "application/x-www-form-urlencoded", form(i), nil)
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Errorf("third post in a minute of 2: %d, Retry-After %q", last.StatusCode, last.Header.Get("Retry-After"))
	}
	if n := e.count(`SELECT count(*) FROM leads WHERE email LIKE '%@rate.example'`); n > 2 {
		t.Errorf("%d leads past the limit", n)
	}

	if res := e.public(t, "/intake/no-such-source", "application/json", "{}", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown source: %d", res.StatusCode)
	}
	off := defaultSource("off")
	off.Enabled = false
	e.newSource(t, off)
	if res := e.public(t, "/intake/off", "application/x-www-form-urlencoded", form(9), nil); res.StatusCode != http.StatusGone {
		t.Errorf("disabled source: %d, want 410", res.StatusCode)
	}
	e.newSource(t, defaultSource("big"))
	huge := "company=" + strings.Repeat("x", intake.MaxBody)
	if res := e.public(t, "/intake/big", "application/x-www-form-urlencoded", huge, nil); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d, want 413", res.StatusCode)
	}
	if res := e.public(t, "/intake/big", "text/plain", "hello", nil); res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d, want 415", res.StatusCode)
	}
	hooks := defaultSource("hooks-only")
	hooks.AllowForms = false
	e.newSource(t, hooks)
	if res := e.public(t, "/intake/hooks-only", "application/x-www-form-urlencoded", form(8), nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("a form post to a webhook-only source: %d, want 403", res.StatusCode)
	}
	_ = src
}

func TestIntakePages(t *testing.T) {
	t.Parallel()
	e := newTestEnvOn(t, demo.New(t), nil)
	c := e.client()
	c.login("marketing.manager@example.com")
	c.get("/leads/intake/new")
	res := c.post("/leads/intake", sourceForm("Site <b>form</b>", "site"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", res.StatusCode, res.Body)
	}
	page := c.get(res.Header.Get("Location"))
	secret := e.state(`SELECT secret FROM intake_sources WHERE slug = 'site'`)
	if !strings.Contains(page.Body, secret) {
		t.Errorf("the new source's page does not show its secret once")
	}
	if again := c.get(res.Header.Get("Location")); strings.Contains(again.Body, secret) {
		t.Errorf("the secret is shown a second time")
	}
	if strings.Contains(page.Body, "Site <b>form</b>") || !strings.Contains(page.Body, "Site &lt;b&gt;form&lt;/b&gt;") {
		t.Errorf("the source's name is not escaped")
	}
	if !strings.Contains(page.Body, "X-Tandem-Signature") || !strings.Contains(page.Body, "openssl dgst -sha256 -hmac") {
		t.Errorf("the page lacks the webhook example")
	}

	// A submission with markup: logged and shown escaped.
	body := `{"company":"<script>alert(1)</script>","name":"X","email":"x@script.example"}`
	if r := e.public(t, "/intake/site", "application/json", body, signed(secret, body)); r.StatusCode != http.StatusCreated {
		t.Fatalf("webhook: %d", r.StatusCode)
	}
	id := e.count(`SELECT id FROM intake_sources WHERE slug = 'site'`)
	page = c.get("/leads/intake/" + strconv.Itoa(id))
	if strings.Contains(page.Body, "<script>alert(1)</script>") || !strings.Contains(page.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the log does not escape the submitted company")
	}
	if !strings.Contains(page.Body, "created") || !strings.Contains(page.Body, "x@script.example") {
		t.Errorf("the log does not show the submission")
	}
	marketer := e.client()
	marketer.login("marketer@example.com")
	if list := marketer.get("/leads/intake"); list.StatusCode != http.StatusOK || !strings.Contains(list.Body, "/intake/site") {
		t.Errorf("a marketer reads the list: %d", list.StatusCode)
	}

	// Rotation: the confirm step changes nothing; confirmed, a new secret.
	path := "/leads/intake/" + strconv.Itoa(id) + "/rotate"
	version := strconv.Itoa(e.count(`SELECT version FROM intake_sources WHERE id = $1`, id))
	if r := c.post(path, url.Values{"version": {version}}); r.StatusCode != http.StatusOK || e.state(`SELECT secret FROM intake_sources WHERE id = $1`, id) != secret {
		t.Errorf("unconfirmed rotate: %d, or the secret changed", r.StatusCode)
	}
	r := c.post(path, url.Values{"version": {version}, "confirm": {"yes"}})
	fresh := e.state(`SELECT secret FROM intake_sources WHERE id = $1`, id)
	if r.StatusCode != http.StatusSeeOther || fresh == secret {
		t.Fatalf("rotate: %d", r.StatusCode)
	}
	if shown := c.get(r.Header.Get("Location")); !strings.Contains(shown.Body, fresh) {
		t.Errorf("the rotated secret is not shown once")
	}
	if r := e.public(t, "/intake/site", "application/json", body, signed(secret, body)); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old secret still signs: %d", r.StatusCode)
	}

	// The log pages, newest first.
	for i := range intake.LogPage + 5 {
		b := `{"company":"Co","name":"N","email":"page` + strconv.Itoa(i) + `@log.example"}`
		e.public(t, "/intake/site", "application/json", b, signed(fresh, b))
	}
	page = c.get("/leads/intake/" + strconv.Itoa(id))
	if !strings.Contains(page.Body, "page54@log.example") || strings.Contains(page.Body, "page0@log.example") ||
		!strings.Contains(page.Body, "?before=") {
		t.Errorf("the first page of the log is not the newest %d with a link to older", intake.LogPage)
	}
}
