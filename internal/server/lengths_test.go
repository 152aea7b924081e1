package server

import (
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"tandem/internal/campaigns"
	"tandem/internal/digest"
	"tandem/internal/feedback"
	"tandem/internal/htmltest"
	"tandem/internal/intake"
	"tandem/internal/kpi"
	"tandem/internal/leads"
	"tandem/internal/tokens"
	"tandem/internal/users"
)

// lengthCase is one text field of a form: the happy path whose valid form
// it changes, the field's posted name, the id of its control on the page
// the refusal shows ("{id}" is the record id at the end of the path), the
// limit the server enforces and a part of the message it gives.
type lengthCase struct {
	route   string
	field   string
	control string
	limit   int
	message string
}

// lengthCases covers every form with a text field; search boxes, which
// are GET forms, are TestSearchBoxesKeepTheirLimit's.
var lengthCases = []lengthCase{
	{"POST /account", "name", "f-name", users.MaxName, "Keep the name under"},
	{"POST /account", "timezone", "f-timezone", users.MaxTimezone, "Keep the timezone under"},
	{"POST /account/password", "new", "f-new", users.MaxPasswordLen, "Use at most"},
	{"POST /set-password/{token}", "password", "f-password", users.MaxPasswordLen, "Use at most"},
	{"POST /admin/users", "name", "f-name", users.MaxName, "Keep the name under"},
	{"POST /admin/users", "email", "f-email", users.MaxEmail, "Keep the email address under"},
	{"POST /account/tokens", "name", "f-name", tokens.MaxName, "Keep the name under"},
	{"POST /admin/tokens", "name", "f-name", tokens.MaxName, "Keep the name under"},
	{"POST /admin/themes", "name", "f-name", feedback.MaxTheme, "Keep the name under"},
	{"POST /admin/themes", "description", "f-description", feedback.MaxThemeDoc, "Keep the description under"},
	{"POST /admin/themes/{id}", "name", "t{id}-name", feedback.MaxTheme, "Keep the name under"},
	{"POST /admin/themes/{id}", "description", "t{id}-description", feedback.MaxThemeDoc, "Keep the description under"},

	{"POST /leads", "company", "f-company", leads.MaxCompany, "Keep the company name under"},
	{"POST /leads", "contact_name", "f-contact_name", leads.MaxContactName, "Keep the contact's name under"},
	{"POST /leads", "email", "f-email", users.MaxEmail, "Keep the email address under"},
	{"POST /leads", "phone", "f-phone", leads.MaxPhone, "Keep the phone number under"},
	{"POST /leads", "title", "f-title", leads.MaxTitle, "Keep the job title under"},
	{"POST /leads", "country", "f-country", leads.MaxCountry, "Keep the country under"},
	{"POST /leads/{id}/edit", "company", "f-company", leads.MaxCompany, "Keep the company name under"},
	{"POST /leads/{id}/edit", "country", "f-country", leads.MaxCountry, "Keep the country under"},
	{"POST /leads/{id}/hand-off", "note", "f-handoff_note", leads.MaxNote, "Keep the note under"},
	{"POST /leads/{id}/accept", "note", "f-accept_note", leads.MaxNote, "Keep the note under"},
	{"POST /leads/{id}/reject", "note", "f-reject_note", leads.MaxNote, "Keep the note under"},
	{"POST /leads/{id}/win", "value", "f-value", leads.MaxDealValueText, "Keep the deal value under"},
	{"POST /leads/{id}/lose", "lost", "f-lost", leads.MaxLost, "Keep the reason under"},
	{"POST /leads/{id}/touch", "note", "f-touch_note", leads.MaxNote, "Keep the note under"},
	{"POST /leads/{id}/comments", "comment", "f-comment", leads.MaxComment, "Keep the comment under"},

	{"POST /campaigns", "name", "f-name", campaigns.MaxName, "Keep the name under"},
	{"POST /campaigns", "audience", "f-audience", campaigns.MaxAudience, "Keep the audience under"},
	{"POST /campaigns", "offer", "f-offer", campaigns.MaxOffer, "Keep the offer under"},
	{"POST /campaigns", "key", "f-key", campaigns.MaxKey, "Keep the key under"},
	{"POST /campaigns", "talking_points", "f-talking_points", campaigns.MaxTalkingPoints, "Keep the talking points under"},
	{"POST /campaigns", "budget", "f-budget", campaigns.MaxBudget, "Keep the budget under"},
	{"POST /campaigns/{id}", "name", "f-name", campaigns.MaxName, "Keep the name under"},
	{"POST /campaigns/{id}/comments", "body", "comment-body-0", campaigns.MaxComment, "Keep it under"},
	{"POST /alerts", "product", "f-product", campaigns.MaxAlertProduct, "Keep the product name under"},
	{"POST /alerts", "headline", "f-headline", campaigns.MaxHeadline, "Keep the headline under"},
	{"POST /alerts", "what_happened", "f-what_happened", campaigns.MaxAlertText, "Keep it under"},
	{"POST /alerts", "guidance", "f-guidance", campaigns.MaxAlertText, "Keep it under"},

	{"POST /feedback", "customer", "f-customer", feedback.MaxCustomer, "Keep the customer name under"},
	{"POST /feedback", "product", "f-product", feedback.MaxProduct, "Keep the product name under"},
	{"POST /feedback", "words", "f-words", feedback.MaxText, "Keep the customer's words under"},
	{"POST /feedback", "note", "f-note", feedback.MaxText, "Keep your note under"},
	{"POST /feedback/{id}/heard", "customer", "f-customer", feedback.MaxCustomer, "Keep the customer name under"},
	{"POST /feedback/{id}/heard", "note", "f-note", feedback.MaxText, "Keep your note under"},
	{"POST /feedback/{id}/status", "response", "f-response", feedback.MaxText, "Keep the response under"},

	{"POST /leads/intake", "name", "f-name", intake.MaxName, "Keep the name under"},
	{"POST /leads/intake", "slug", "f-slug", intake.MaxSlug, "Keep the slug under"},
	{"POST /leads/intake", "map_company", "f-map_company", intake.MaxMapping, "Keep the field names under"},
	{"POST /leads/intake", "map_note", "f-map_note", intake.MaxMapping, "Keep the field names under"},
	{"POST /leads/intake", "thank_you_url", "f-thank_you_url", intake.MaxThankYouURL, "Keep the address under"},
	{"POST /leads/intake/{id}", "name", "f-name", intake.MaxName, "Keep the name under"},

	{"POST /kpis/targets", "value", "f-value", kpi.MaxTargetValue, "Keep the target under"},
	{"POST /digests/{week}/note", "note", "f-note", digest.MaxNote, "Keep the note to"},
}

// TestTextOverItsLimitIsRefusedWithTheFormKept posts, for every form with
// a text field, a value one character over the field's limit (in a
// two-byte character, so bytes are not what is counted), the rest of the
// form valid: the answer is 422, the message is next to the field, the
// other typed values are still in the form, nothing is written, and the
// field's maxlength is the limit the server enforced.
func TestTextOverItsLimitIsRefusedWithTheFormKept(t *testing.T) {
	t.Parallel()
	for _, lc := range lengthCases {
		t.Run(strings.ReplaceAll(lc.route+" "+lc.field, "/", "_"), func(t *testing.T) {
			t.Parallel()
			hc, ok := happyPaths[lc.route]
			if !ok {
				t.Fatalf("no happy path for %s", lc.route)
			}
			e, c := hc.start(t)
			p := hc.prepare(t, e, c)
			form := url.Values{}
			for k, v := range p.form {
				form[k] = append([]string(nil), v...)
			}
			form.Set(lc.field, strings.Repeat("é", lc.limit+1))
			before := e.state(p.state, p.args...)
			res := c.post(p.path, form)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("%s with %s of %d characters: status %d, want 422\n%s", lc.route, lc.field, lc.limit+1, res.StatusCode, res.Body)
			}
			if after := e.state(p.state, p.args...); after != before {
				t.Errorf("a refused %s still wrote: %s went from %q to %q", lc.route, p.state, before, after)
			}
			id := strings.ReplaceAll(lc.control, "{id}", path.Base(p.path))
			controls := htmltest.Forms(lenient{t}, lc.route, res.Body)
			htmltest.FieldErrors(t, lc.route, controls, map[string]string{id: lc.message})
			ctl, ok := controls[id]
			if !ok {
				return // FieldErrors said so
			}
			if got := ctl.Attrs["maxlength"]; got != strconv.Itoa(lc.limit) {
				t.Errorf("%s: maxlength %q, want the server's limit %d", ctl, got, lc.limit)
			}
			for name, values := range p.form {
				if name == lc.field || name == "version" {
					continue
				}
				if got, typed := typedValue(ctl.Form, name); typed && got != values[0] {
					t.Errorf("%s: %s came back as %q, want what was typed, %q", lc.route, name, got, values[0])
				}
			}
		})
	}
}

// lenient lets htmltest.Forms read the controls of a page without judging
// its labels: these tests are about lengths, the accessibility tests
// judge labels (an implicit label around a checkbox, a hidden username
// field for password managers, are fine in a browser but not in Forms).
type lenient struct{ testing.TB }

func (lenient) Errorf(string, ...any) {}

// typedValue is the value of form's text control name (an input one types
// into, or a textarea); typed is false for other controls (choices,
// passwords, hidden fields), whose kept value this test does not judge.
func typedValue(form *html.Node, name string) (value string, typed bool) {
	if form == nil {
		return "", false
	}
	for _, n := range htmltest.All(form, func(n *html.Node) bool { return htmltest.Attr(n, "name") == name }) {
		switch {
		case n.Data == "textarea":
			return htmltest.Text(n), true
		case n.Data == "input":
			switch htmltest.Attr(n, "type") {
			case "", "text", "email", "tel", "search", "url", "number", "date", "time":
				return htmltest.Attr(n, "value"), true
			}
		}
	}
	return "", false
}

// A value of exactly the limit in two-byte characters is accepted: the
// server counts characters, as maxlength does, not bytes.
func TestTextAtItsLimitInCharactersIsAccepted(t *testing.T) {
	t.Parallel()
	hc := happyPaths["POST /leads"]
	e, c := hc.start(t)
	p := hc.prepare(t, e, c)
	p.form.Set("company", strings.Repeat("é", leads.MaxCompany))
	wantStatus(t, c.post(p.path, p.form), http.StatusSeeOther)
	if n := e.count(`SELECT count(*) FROM leads WHERE company = $1`, strings.Repeat("é", leads.MaxCompany)); n != 1 {
		t.Errorf("%d leads with a company of %d characters, want 1", n, leads.MaxCompany)
	}
}

// The search boxes carry the query limit as maxlength, and a longer query
// is refused with the message next to the box, the rest of the page
// shown.
func TestSearchBoxesKeepTheirLimit(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	for _, sc := range []struct {
		page, control string
		limit         int
	}{
		{"/leads", "f-q", leads.MaxQuery},
		{"/feedback", "f-q", feedback.MaxQuery},
		{"/feedback/board", "f-q", feedback.MaxQuery},
		{"/feedback/new", "f-lead", leads.MaxQuery},
	} {
		controls := htmltest.Forms(lenient{t}, sc.page, c.get(sc.page).Body)
		if got := controls[sc.control].Attrs["maxlength"]; got != strconv.Itoa(sc.limit) {
			t.Errorf("%s: the search box's maxlength is %q, want %d", sc.page, got, sc.limit)
		}
	}
	long := url.QueryEscape(strings.Repeat("é", leads.MaxQuery+1))
	for _, page := range []string{"/leads", "/feedback"} {
		res := c.get(page + "?q=" + long)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		htmltest.FieldErrors(t, page, htmltest.Forms(lenient{t}, page, res.Body), map[string]string{"f-q": "Keep the search under"})
	}
	res := c.get("/search/leads?q=" + long)
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, "Keep the search under") {
		t.Errorf("the lead picker does not say the search is too long:\n%s", res.Body)
	}
}

// A late notice's reason over its limit is refused like the other fields:
// 422, the message next to the reason, nothing announced.
func TestLateReasonOverItsLimitIsRefused(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	id := c.newCampaign(t, "Flash sale", "- **48 hours** only", time.Now().AddDate(0, 0, 3))
	path := "/campaigns/" + strconv.FormatInt(id, 10)
	res := c.post(path+"/announce", url.Values{"version": {c.version(t, id)}, "confirm": {"yes"},
		"late_reason": {strings.Repeat("é", campaigns.MaxReason+1)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	controls := htmltest.Forms(lenient{t}, path, res.Body)
	htmltest.FieldErrors(t, path, controls, map[string]string{"f-late_reason": "Keep the reason under"})
	if got := controls["f-late_reason"].Attrs["maxlength"]; got != strconv.Itoa(campaigns.MaxReason) {
		t.Errorf("the reason's maxlength is %q, want %d", got, campaigns.MaxReason)
	}
	if n := e.count(`SELECT count(*) FROM campaigns WHERE id = $1 AND status = 'announced'`, id); n != 0 {
		t.Error("a refused announcement was announced")
	}
}
