package campaigns

import (
	"regexp"
	"strings"
	"testing"
)

// activeHTML finds what would run in a browser. Text is escaped (a "<" in
// the output always opens a real tag), so the checks look inside tags: a
// script-like element, an event handler attribute, or a link or source to
// a script URL.
var activeHTML = regexp.MustCompile(`(?i)<(script|iframe|object|embed|svg|math|style)|<[^>]*\son[a-z]+\s*=|` +
	`<[^>]*(href|src)\s*=\s*["']?\s*(javascript|vbscript|data):`)

// Talking points are Markdown from marketers that everyone's browser
// renders: whatever the source, the HTML carries no script, no event
// handler and no script URL.
func FuzzRenderMarkdown(f *testing.F) {
	for _, s := range []string{"- one\n- **two**", "[x](javascript:alert(1))", "<script>alert(1)</script>", "![i](data:text/html,<b>)",
		"[a](jav&#x09;ascript:alert(1))", "<img src=x onerror=alert(1)>", "`code` <b onclick=x>", "[x](  JaVaScRiPt:alert(1))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out := RenderMarkdown(src)
		if m := activeHTML.FindString(out); m != "" {
			t.Fatalf("RenderMarkdown(%q) has %q:\n%s", src, m, out)
		}
	})
}

// Money either is refused or is cents in range that write back as the same
// amount; the campaign form as a whole never panics on any input.
func FuzzParseMoneyAndForm(f *testing.F) {
	for _, s := range []string{"12500", "12,500.50", "12 500", "1,2,3", "12.500,50", "-3", "1e6", "", "\x00", "999999999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if cents, ok := ParseMoney(raw); ok {
			if cents < 0 || cents > maxBudgetCents {
				t.Fatalf("ParseMoney(%q) = %d", raw, cents)
			}
			if back, ok := ParseMoney(FormatMoneyPlain(cents)); !ok || back != cents {
				t.Fatalf("ParseMoney(%q) = %d, which writes back as %q", raw, cents, FormatMoneyPlain(cents))
			}
		}
		form := Form{Name: raw, Channel: raw, Audience: raw, Offer: raw, TalkingPoints: raw, LaunchOn: raw, EndOn: raw,
			ExpectedLeads: raw, Budget: raw, OwnerID: raw, LateReason: raw}
		if d, errs := form.Parse(); errs == nil && strings.TrimSpace(d.Name) == "" {
			t.Fatalf("a campaign without a name parsed from %q", raw)
		}
	})
}
