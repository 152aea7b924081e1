package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Issue 15, item 5: one currency setting, refused when not an ISO 4217
// code, shown with every money figure: the overview's wins, a won lead,
// the lead list's value column and the campaign results.
func TestOneCurrencyForEveryMoneyFigure(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	form := settingsForm(t, admin)
	form.Set("currency", "DOLLAR")
	res := admin.post("/admin/settings", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "ISO 4217") {
		t.Errorf("a bad currency is refused without saying why:\n%s", res.Body)
	}
	if !strings.Contains(admin.get("/admin/settings").Body, `<option value="USD" selected`) {
		t.Error("the settings page does not show USD as the default currency")
	}
	form = settingsForm(t, admin)
	form.Set("currency", "EUR")
	wantStatus(t, admin.post("/admin/settings", form), http.StatusSeeOther)

	won := e.count(`SELECT id FROM leads WHERE stage = 'won' AND deal_value > 0 ORDER BY id LIMIT 1`)
	campaign := e.count(`SELECT source_campaign_id FROM leads WHERE stage = 'won' AND source_campaign_id IS NOT NULL LIMIT 1`)
	c := e.client()
	c.login("sales.manager@example.com")
	money := regexp.MustCompile(`EUR \d{1,3}(,\d{3})*(\.\d\d)?`)
	for _, path := range []string{"/?lens=all", "/leads/" + strconv.Itoa(won), "/campaigns/" + strconv.Itoa(campaign)} {
		res := c.get(path)
		wantStatus(t, res, http.StatusOK)
		if !money.MatchString(res.Body) {
			t.Errorf("%s shows no amount in EUR", path)
		}
		if strings.Contains(res.Body, "USD ") {
			t.Errorf("%s still shows USD", path)
		}
	}
	if list := c.get("/leads?stage=won").Body; !strings.Contains(list, "Value (EUR)") {
		t.Error("the lead list's value column does not name the currency")
	}
}

// Issue 15, item 4: the lead filter picks the source campaign by name.
func TestLeadFilterPicksCampaignByName(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("sales.manager@example.com")
	var id int64
	var name string
	if err := e.pool.QueryRow(context.Background(), `SELECT id, name FROM campaigns ORDER BY id LIMIT 1`).Scan(&id, &name); err != nil {
		t.Fatal(err)
	}
	res := c.get("/leads?campaign=" + strconv.FormatInt(id, 10))
	wantStatus(t, res, http.StatusOK)
	if strings.Contains(res.Body, "Campaign id") {
		t.Error("the lead filter still asks for a campaign id")
	}
	if !regexp.MustCompile(`<select[^>]*name="campaign"`).MatchString(res.Body) ||
		!regexp.MustCompile(`<option value="`+strconv.FormatInt(id, 10)+`" selected>`+regexp.QuoteMeta(name)).MatchString(res.Body) {
		t.Errorf("the campaign filter is not a select with %q chosen", name)
	}
	n := e.count(`SELECT count(*) FROM leads WHERE source_campaign_id = $1`, id)
	want := strconv.Itoa(n) + " leads match these filters."
	if n == 1 {
		want = "1 lead matches these filters."
	}
	if !strings.Contains(res.Body, want) {
		t.Errorf("the count sentence is not %q", want)
	}
}

// Issue 15, item 4: the feedback form finds its lead by name. The fragment
// htmx fills in as the user types, and the same search without JavaScript
// (the form sent by GET) that keeps what was typed.
func TestFeedbackFindsItsLeadByName(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("rep@example.com")
	var id int64
	var company string
	if err := e.pool.QueryRow(context.Background(), `SELECT id, company FROM leads ORDER BY id LIMIT 1`).Scan(&id, &company); err != nil {
		t.Fatal(err)
	}
	radio := regexp.MustCompile(`<input type="radio" name="lead" id="[^"]*" value="` + strconv.FormatInt(id, 10) + `"`)

	frag := c.get("/search/leads?q=" + url.QueryEscape(company))
	wantStatus(t, frag, http.StatusOK)
	if !radio.MatchString(frag.Body) || !strings.Contains(frag.Body, company) {
		t.Errorf("the fragment does not offer %s:\n%s", company, frag.Body)
	}
	if strings.Contains(frag.Body, "<html") {
		t.Error("the fragment is a whole page")
	}
	if !regexp.MustCompile(`\d+ leads? match`).MatchString(frag.Body) {
		t.Errorf("the fragment does not count its matches:\n%s", frag.Body)
	}
	if none := c.get("/search/leads?q=zzzz-no-such-lead").Body; !strings.Contains(none, "0 leads match") {
		t.Errorf("no match is not said:\n%s", none)
	}

	page := c.get("/feedback/new")
	wantStatus(t, page, http.StatusOK)
	for _, want := range []string{`hx-get="/search/leads"`, `hx-target="#lead-picks"`, `formaction="/feedback/new"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the log form lacks %s", want)
		}
	}
	if strings.Contains(page.Body, "Lead number") || strings.Contains(page.Body, "Campaign number") {
		t.Error("the log form still asks for numbers")
	}
	if !regexp.MustCompile(`<select[^>]*name="campaign"`).MatchString(page.Body) {
		t.Error("the campaign is not a select")
	}

	q := url.Values{"find": {"lead"}, "lead_q": {company}, "customer": {"Typed Customer"}, "words": {"kept words"}}
	nojs := c.get("/feedback/new?" + q.Encode())
	wantStatus(t, nojs, http.StatusOK)
	if !radio.MatchString(nojs.Body) || !strings.Contains(nojs.Body, `value="Typed Customer"`) || !strings.Contains(nojs.Body, "kept words") {
		t.Errorf("the no-JS search does not list the lead with the form kept:\n%s", nojs.Body)
	}

	// Prefilled from a lead's page, the lead is the picker's checked choice.
	pre := c.get("/feedback/new?lead=" + strconv.FormatInt(id, 10)).Body
	if !regexp.MustCompile(`value="` + strconv.FormatInt(id, 10) + `" checked`).MatchString(pre) {
		t.Errorf("the linked lead is not checked:\n%s", pre)
	}
}
