package server

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// hostileValues are what people and scripts type into number and text
// fields that strconv and PostgreSQL read differently: NaN and Inf parse
// as floats, 1e20 overflows numeric(14,2), 2147483648 overflows integer
// columns, long text breaks length checks.
var hostileValues = []string{"NaN", "nan", "Inf", "-Infinity", "1e20", "-1", "99999999999999999999", "0x1p4", "1_000",
	" ", "\x00", "<script>alert(1)</script>", strings.Repeat("x", 20000), "9999-12", "0001-W01", "0000-Q1", "2147483648"}

// hostileCorpus is testdata/hostile-corpus.txt (markup, script URLs,
// Markdown tricks, RTL and zero-width characters, NUL and invalid UTF-8,
// SQL and formula triggers), a 10 000-character string and hostileValues.
func hostileCorpus(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("testdata/hostile-corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	out := []string{strings.Repeat("x", 10000)}
	for i, line := range strings.Split(string(raw), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := strconv.Unquote(line)
		if err != nil {
			t.Fatalf("hostile-corpus.txt:%d: %v", i+1, err)
		}
		out = append(out, s)
	}
	return append(out, hostileValues...)
}

// injected reports the first element or attribute in page that can run
// script, which no page of Tandem has of its own: inline or foreign
// scripts, event-handler attributes, script URLs, frames, inline styles
// blocks, <base>.
func injected(page string) string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return "unparsable page: " + err.Error()
	}
	var found string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if found != "" {
			return
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "iframe", "frame", "object", "embed", "base", "style":
				found = "<" + n.Data + ">"
				return
			case "script":
				src := ""
				for _, a := range n.Attr {
					if a.Key == "src" {
						src = a.Val
					}
				}
				if !strings.HasPrefix(src, "/static/") || n.FirstChild != nil {
					found = "<script src=" + strconv.Quote(src) + ">"
					return
				}
			}
			for _, a := range n.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case strings.HasPrefix(a.Key, "on"):
					found = "<" + n.Data + " " + a.Key + "=…>"
				case (a.Key == "href" || a.Key == "src" || a.Key == "action" || a.Key == "formaction") &&
					(strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:")):
					found = "<" + n.Data + " " + a.Key + "=" + strconv.Quote(a.Val) + ">"
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}

// refusalExplains reports whether a 4xx page tells the user what is wrong:
// a field message, an error summary or an error page.
func refusalExplains(page string) bool {
	return strings.Contains(page, "flash-error") || strings.Contains(page, `-error"`) || strings.Contains(page, "error-page") ||
		strings.Contains(page, `role="alert"`) || strings.Contains(page, `class="error"`)
}

// TestHostileCorpusInEveryFormField submits every corpus entry into every
// field of every state-changing form, the rest of the form valid, as a
// person allowed to send it. Every answer is below 500 (the guard also
// fails the test on an error log); a refusal (4xx) says what is wrong; and
// neither the answer nor the page a success redirects to, which shows what
// was saved, carries an element or attribute the input injected.
func TestHostileCorpusInEveryFormField(t *testing.T) {
	t.Parallel()
	corpus := hostileCorpus(t)
	for key, hc := range happyPaths {
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
			t.Parallel()
			e, c := hc.start(t)
			p := hc.prepare(t, e, c)
			if p.upload != nil || key == "POST /logout" || key == "POST /account/password" {
				return // a file, not fields (the CSV fuzz test covers it); and the two that end the session
			}
			t.Logf("corpus: %d entries × %d fields", len(corpus), len(p.form))
			for field := range p.form {
				for _, bad := range corpus {
					form := url.Values{}
					for k, v := range p.form {
						form[k] = append([]string(nil), v...)
					}
					form.Set(field, bad)
					res := c.post(p.path, form)
					what := fmt.Sprintf("%s with %s=%.40q", key, field, bad)
					switch {
					case res.StatusCode >= http.StatusInternalServerError:
						t.Errorf("%s: status %d", what, res.StatusCode)
						continue
					case res.StatusCode >= 400 && res.StatusCode != http.StatusForbidden && !refusalExplains(res.Body):
						t.Errorf("%s: %d without a message", what, res.StatusCode)
					}
					if bad := injected(res.Body); bad != "" {
						t.Errorf("%s: the answer carries %s", what, bad)
					}
					if loc := res.Header.Get("Location"); res.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/") {
						if page := c.get(loc); injected(page.Body) != "" {
							t.Errorf("%s: %s carries %s", what, loc, injected(page.Body))
						}
					}
				}
			}
		})
	}
}

// Every page without path parameters, opened by an admin with each hostile
// value in every filter the pages read, answers below 500.
func TestHostileQueryValuesNeverReach500(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("admin@example.com")
	keys := []string{"q", "stage", "owner", "sla", "campaign", "created_from", "created_to", "handed_from", "handed_to",
		"sort", "reason", "page", "before", "after", "kind", "period", "lens", "theme", "product", "status", "team", "role",
		"active", "view", "month", "format", "waiting", "lead", "sentiment", "chain_link", "u", "sig"}
	pages := 0
	for _, key := range appRoutes(t, e.srv) {
		method, pattern, _ := strings.Cut(key, " ")
		if method != http.MethodGet || strings.Contains(pattern, "{") || pattern == "/logout" {
			continue
		}
		pages++
		for _, bad := range hostileValues {
			q := url.Values{}
			for _, k := range keys {
				q.Set(k, bad)
			}
			if res := c.get(pattern + "?" + q.Encode()); res.StatusCode >= http.StatusInternalServerError {
				t.Errorf("GET %s with every filter %.40q: status %d", pattern, bad, res.StatusCode)
			}
			for _, kind := range []string{"week", "month", "quarter"} { // a valid kind, so the period is read
				path := pattern + "?" + url.Values{"kind": {kind}, "period": {bad}}.Encode()
				if res := c.get(path); res.StatusCode >= http.StatusInternalServerError {
					t.Errorf("GET %s: status %d", path, res.StatusCode)
				}
			}
		}
	}
	if pages < 10 {
		t.Fatalf("only %d pages walked", pages)
	}
}

// A NUL byte or invalid UTF-8 cannot be stored in PostgreSQL text: a form
// or an address carrying one gets a 422 that says so, and nothing changes.
func TestUnstorableTextIsRefusedWithAMessage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	before := e.count(`SELECT count(*) FROM leads`)
	for _, bad := range []string{"Nul\x00Co", "Bad \xff\xfe bytes"} {
		res := c.post("/leads", url.Values{"company": {bad}, "contact_name": {"Nia"}, "email": {"nia@nul.example"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, "characters Tandem cannot save") {
			t.Errorf("%q: the refusal does not say why:\n%s", bad, res.Body)
		}
		res = c.get("/leads?q=" + url.QueryEscape(bad))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, "characters Tandem cannot read") {
			t.Errorf("search %q: the refusal does not say why", bad)
		}
	}
	if after := e.count(`SELECT count(*) FROM leads`); after != before {
		t.Errorf("%d leads created from refused forms", after-before)
	}
}

// The corpus test's detector finds what would run, and passes Tandem's own
// pages.
func TestInjectedFindsWhatRuns(t *testing.T) {
	t.Parallel()
	for page, want := range map[string]bool{
		`<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`:               false,
		`<script src="/static/htmx.min.js?v=1" defer></script>`:      false,
		`<p><script>alert(1)</script></p>`:                           true,
		`<img src=x onerror=alert(1)>`:                               true,
		`<a href=" JavaScript:alert(1)">x</a>`:                       true,
		`<input value="" onmouseover="alert(1)">`:                    true,
		`<iframe src="//evil.example"></iframe>`:                     true,
		`<a href="/leads/1">javascript:alert(1) as text</a>`:         false,
		`<svg viewBox="0 0 10 10"><title>chart</title></svg>`:        false,
		`<form action="data:text/html,x"><button>go</button></form>`: true,
	} {
		if got := injected(page) != ""; got != want {
			t.Errorf("injected(%s) = %q, want found %v", page, injected(page), want)
		}
	}
	e := newTestEnv(t)
	c := e.client()
	c.login("admin@example.com")
	for _, path := range []string{"/", "/leads/1", "/campaigns/1", "/feedback/1", "/kpis/speed", "/admin/settings"} {
		if bad := injected(c.get(path).Body); bad != "" {
			t.Errorf("%s, as the demo data has it, carries %s", path, bad)
		}
	}
}
