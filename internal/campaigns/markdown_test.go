package campaigns_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"tandem/internal/campaigns"
)

// inert fails the test on anything in rendered HTML that could run script:
// script-capable elements, on* attributes, and href/src URLs with a scheme
// other than http, https or mailto.
func inert(t *testing.T, src, out string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatalf("%q: rendered HTML does not parse: %v", src, err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "iframe", "object", "embed", "style", "svg", "math", "form", "input", "button", "base", "meta", "link":
				t.Errorf("%q rendered a <%s> element: %s", src, n.Data, out)
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				if strings.HasPrefix(key, "on") || key == "style" || key == "srcdoc" || key == "formaction" {
					t.Errorf("%q rendered attribute %s=%q: %s", src, a.Key, a.Val, out)
				}
				if key == "href" || key == "src" {
					v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
					if scheme, _, ok := strings.Cut(v, ":"); ok && !strings.ContainsAny(scheme, "/?#") &&
						scheme != "http" && scheme != "https" && scheme != "mailto" {
						t.Errorf("%q rendered %s with scheme %q: %s", src, a.Key, scheme, out)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

func TestMarkdownXSSIsInert(t *testing.T) {
	t.Parallel()
	attacks := []string{
		`<script>alert(1)</script>`,
		"before\n\n<script>alert(1)</script>\n\nafter",
		`inline <script>alert(1)</script> text`,
		`<img src=x onerror=alert(1)>`,
		`<img src="x" onerror="alert(1)">`,
		`<a href="https://example.com" onclick="alert(1)">x</a>`,
		`<div onmouseover="alert(1)">hover</div>`,
		`<svg onload=alert(1)>`,
		`<iframe src="javascript:alert(1)"></iframe>`,
		`<style>body{display:none}</style>`,
		`[click](javascript:alert(1))`,
		`[click](JavaScript:alert(1))`,
		`[click](  javascript:alert(1))`,
		`[click](javascript&#58;alert(1))`,
		`[click](&#106;avascript:alert(1))`,
		`[click](vbscript:msgbox(1))`,
		`[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
		`[click](file:///etc/passwd)`,
		`<javascript:alert(1)>`,
		`[ref]` + "\n\n" + `[ref]: javascript:alert(1)`,
		`![x](javascript:alert(1))`,
		`![x](x" onerror="alert(1))`,
		`![x](https://example.com/a.png "title\" onerror=\"alert(1)")`,
		`[x](https://example.com "t\" onmouseover=\"alert(1)")`,
		"```\n<script>alert(1)</script>\n```",
		"`<img src=x onerror=alert(1)>`",
		`www.example.com/<script>alert(1)</script>`,
	}
	for _, src := range attacks {
		out := campaigns.RenderMarkdown(src)
		inert(t, src, out)
	}
	// Code keeps the text, escaped, so readers still see what was written.
	if out := campaigns.RenderMarkdown("`<script>`"); !strings.Contains(out, "&lt;script&gt;") {
		t.Errorf("code span lost its text: %s", out)
	}
}

func TestMarkdownLinksAndHeadings(t *testing.T) {
	t.Parallel()
	out := campaigns.RenderMarkdown("# Title\n\nSee [the brief](https://example.com/brief) and https://example.com/auto or <https://example.com/angle>.")
	if n := strings.Count(out, `rel="noopener noreferrer"`); n != 3 {
		t.Errorf("%d links carry rel=\"noopener noreferrer\", want 3: %s", n, out)
	}
	if !strings.Contains(out, `<a href="https://example.com/brief" rel="noopener noreferrer">the brief</a>`) {
		t.Errorf("link rendered as %s", out)
	}
	if !strings.Contains(out, "<h3>Title</h3>") {
		t.Errorf("a Markdown h1 should sit below the page's h1 and h2 as h3: %s", out)
	}
	list := campaigns.RenderMarkdown("- **bold** and *italic*\n- two")
	if !strings.Contains(list, "<li><strong>bold</strong> and <em>italic</em></li>") {
		t.Errorf("list rendered as %s", list)
	}
}
