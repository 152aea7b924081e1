package chat

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"tandem/internal/events"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// The hostile text a user could type into any field Tandem passes on:
// markup of every tool, a script tag, mentions that page a whole channel,
// a link dressed up as Tandem's, and an Adaptive Card template.
const hostile = `**bold** _it_ <script>alert(1)</script> @channel @here <!everyone> <users/all> ` +
	`[Tandem login](https://evil.example/phish) <https://evil.example/x|Tandem login> {{DATE(2026-01-01T00:00:00Z, SHORT)}} & more`

// talkingPoints is 600 characters and more of them, with emoji and a link
// in Markdown past the cut, so the excerpt is what ships.
var talkingPoints = "- Lead with the 🎉 winter offer: 20 % off the first year, *only* until launch.\n\n" +
	strings.Repeat("Ask about their current tool 🔧 and the renewal date; mention @here nothing. ", 6) +
	"Then [book a demo](https://evil.example/demo) 🚀"

const base = "https://tandem.example.com"

func ptr[T any](v T) *T { return &v }

func event(t *testing.T, k events.Kind, payload any) events.Event {
	t.Helper()
	data, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return events.Event{ID: 42, Kind: k, OccurredAt: time.Date(2026, 11, 16, 9, 30, 0, 0, time.UTC), Teams: []string{"sales", "service"}, Data: data}
}

// fixtures are one event of every kind, each carrying hostile text in the
// fields people type.
func fixtures(t *testing.T) map[events.Kind]events.Event {
	t.Helper()
	berlin := time.FixedZone("CET", 3600)
	lead := func(stage string) events.Lead {
		return events.Lead{
			ID: 7, Company: "Acme & Sons <b>GmbH</b> @channel", Contact: "Jo *Smith*", Stage: stage, OwnerID: ptr(int64(3)),
			OwnerName: "Sam [Lee](https://evil.example)", ActorName: "Riley Chen", URL: base + "/leads/7",
		}
	}
	campaign := func(rev int, late bool) events.Campaign {
		return events.Campaign{
			ID: 5, Name: "Winter *webinar* <script>x</script> @channel", LaunchOn: "2026-12-01", EndOn: "2026-12-31", Revision: rev,
			LateNotice: late, TalkingPoints: talkingPoints, URL: base + "/campaigns/5", AcknowledgeURL: base + "/campaigns/5/acknowledge",
		}
	}
	handed := lead("handed_off")
	handed.Quality = 0
	assigned := lead("handed_off")
	accepted := lead("accepted")
	accepted.Quality = 4
	rejected := lead("rejected")
	rejected.Quality, rejected.Reason = 2, "not_icp"
	won := lead("won")
	won.ValueCents, won.Currency = ptr(int64(1250050)), "EUR"
	lost := lead("lost")
	lost.Reason = "Went with " + hostile
	warning := lead("handed_off")
	warning.SLADeadline = ptr(time.Date(2026, 11, 17, 17, 0, 0, 0, berlin))
	breached := warning
	breached.OwnerName = ""
	fb := func(status, response string) events.Feedback {
		return events.Feedback{ID: 9, Summary: "Customer says: " + hostile, Team: "service", Status: status, Response: response, URL: base + "/feedback/9"}
	}
	return map[events.Kind]events.Event{
		events.LeadHandedOff:             event(t, events.LeadHandedOff, handed),
		events.LeadAssigned:              event(t, events.LeadAssigned, assigned),
		events.LeadAccepted:              event(t, events.LeadAccepted, accepted),
		events.LeadRejected:              event(t, events.LeadRejected, rejected),
		events.LeadWon:                   event(t, events.LeadWon, won),
		events.LeadLost:                  event(t, events.LeadLost, lost),
		events.SLAWarning:                event(t, events.SLAWarning, warning),
		events.SLABreached:               event(t, events.SLABreached, breached),
		events.CampaignAnnounced:         event(t, events.CampaignAnnounced, campaign(1, true)),
		events.CampaignRevised:           event(t, events.CampaignRevised, campaign(3, false)),
		events.CampaignLaunchingTomorrow: event(t, events.CampaignLaunchingTomorrow, campaign(3, false)),
		events.AlertPosted: event(t, events.AlertPosted, events.Alert{
			ID: 11, Headline: "Firmware 2.1 bricks <b>routers</b> @here", Product: "Router X [pro](https://evil.example)",
			Severity: "critical", Guidance: "# Stop updates\n\n" + hostile + " " + strings.Repeat("Roll back to 2.0 📟. ", 20), URL: base + "/alerts/11",
		}),
		events.FeedbackLogged:    event(t, events.FeedbackLogged, fb("new", "")),
		events.FeedbackResponded: event(t, events.FeedbackResponded, fb("acknowledged", "We hear you: "+hostile)),
		events.FeedbackActedOn:   event(t, events.FeedbackActedOn, fb("acted_on", "Fixed in the spring campaign.")),
		events.DigestPublished: event(t, events.DigestPublished, events.Digest{
			Week: "2026-W47", Summary: "3 deals won (EUR 80,000) 🎯; " + hostile + " " + strings.Repeat("Pipeline grew by 12 %. ", 30), URL: base + "/digests/2026-W47",
		}),
	}
}

// wantLinks are the event's own URLs, the only links a message may carry,
// the one it is about first.
func wantLinks(t *testing.T, ev events.Event) []string {
	t.Helper()
	var p struct {
		URL            string `json:"url"`
		AcknowledgeURL string `json:"acknowledge_url"`
	}
	if err := json.Unmarshal(ev.Data, &p); err != nil {
		t.Fatal(err)
	}
	if p.AcknowledgeURL != "" {
		return []string{p.AcknowledgeURL, p.URL}
	}
	return []string{p.URL}
}

// TestGolden holds every chat kind's body for every event kind byte for
// byte against testdata/<chat kind>/<event kind>.json. The files hold the
// body indented for review; the body itself must be compact, so indenting
// loses nothing and the comparison is exact.
func TestGolden(t *testing.T) {
	t.Parallel()
	evs := fixtures(t)
	if len(evs) != len(events.Kinds) {
		t.Fatalf("%d fixtures for %d kinds", len(evs), len(events.Kinds))
	}
	for _, ck := range Kinds {
		for _, ek := range events.Kinds {
			t.Run(string(ck)+"/"+string(ek), func(t *testing.T) {
				t.Parallel()
				body, err := Message(ck, evs[ek])
				if err != nil {
					t.Fatal(err)
				}
				var compact bytes.Buffer
				if err := json.Compact(&compact, body); err != nil {
					t.Fatalf("not JSON: %v\n%s", err, body)
				}
				if !bytes.Equal(compact.Bytes(), body) {
					t.Errorf("body is not compact JSON:\n%s", body)
				}
				var pretty bytes.Buffer
				if err := json.Indent(&pretty, body, "", "  "); err != nil {
					t.Fatal(err)
				}
				pretty.WriteByte('\n')
				path := filepath.Join("testdata", string(ck), string(ek)+".json")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./internal/chat -update)", err)
				}
				if !bytes.Equal(pretty.Bytes(), want) {
					t.Errorf("%s differs from the body (run with -update and review the diff):\n%s", path, pretty.Bytes())
				}
			})
		}
	}
}

// The link syntax each tool reads in text, for finding every link a body
// would show, including any user text managed to make.
var (
	slackLink    = regexp.MustCompile(`<([a-z]+:[^|>]*)(\|[^>]*)?>`)
	markdownLink = regexp.MustCompile(`\[[^\[\]]*\]\(([^()\s]*)\)`)
	angleLink    = regexp.MustCompile(`<([a-z]+:[^|>]*)\|[^>]*>`)
)

// bodyLinks returns every link a chat tool would make of body, in order.
func bodyLinks(t *testing.T, ck Kind, body []byte) (links []string, texts []string) {
	t.Helper()
	var v struct {
		Text   string `json:"text"`
		Blocks []struct {
			Text *struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"text"`
			Fields []struct {
				Text string `json:"text"`
			} `json:"fields"`
			Elements []struct {
				Text json.RawMessage `json:"text"`
				URL  string          `json:"url"`
			} `json:"elements"`
		} `json:"blocks"`
		Attachments []struct {
			Content struct {
				Body []struct {
					Text  string `json:"text"`
					Facts []struct {
						Title string `json:"title"`
						Value string `json:"value"`
					} `json:"facts"`
				} `json:"body"`
				Actions []struct {
					URL string `json:"url"`
				} `json:"actions"`
			} `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	texts = append(texts, v.Text)
	switch ck {
	case Slack:
		var plain []string // shown as typed: Slack reads no links there
		for _, b := range v.Blocks {
			if b.Text != nil && b.Text.Type == "plain_text" {
				plain = append(plain, b.Text.Text)
			} else if b.Text != nil {
				texts = append(texts, b.Text.Text)
			}
			for _, f := range b.Fields {
				texts = append(texts, f.Text)
			}
			for _, e := range b.Elements {
				if e.URL != "" {
					links = append(links, e.URL)
					continue
				}
				var s string
				if err := json.Unmarshal(e.Text, &s); err == nil {
					texts = append(texts, s)
				}
			}
		}
		for _, s := range texts {
			for _, m := range slackLink.FindAllStringSubmatch(s, -1) {
				links = append(links, m[1])
			}
		}
		texts = append(texts, plain...)
	case Teams:
		for _, a := range v.Attachments {
			for _, b := range a.Content.Body {
				texts = append(texts, b.Text)
				for _, f := range b.Facts {
					texts = append(texts, f.Title, f.Value)
				}
			}
			for _, act := range a.Content.Actions {
				links = append(links, act.URL)
			}
		}
		for _, s := range texts {
			for _, m := range markdownLink.FindAllStringSubmatch(s, -1) {
				links = append(links, m[1])
			}
		}
	case Mattermost:
		for _, ix := range markdownLink.FindAllStringSubmatchIndex(v.Text, -1) {
			// An escaped bracket is text, not a link.
			if ix[0] > 0 && v.Text[ix[0]-1] == '\\' {
				continue
			}
			links = append(links, v.Text[ix[2]:ix[3]])
		}
		// Mattermost also turns Slack's <url|text> into links.
		for _, m := range slackLink.FindAllStringSubmatch(v.Text, -1) {
			links = append(links, m[1])
		}
	case GoogleChat:
		for _, m := range angleLink.FindAllStringSubmatch(v.Text, -1) {
			links = append(links, m[1])
		}
	}
	return links, texts
}

// TestLinksAreTheEvents checks the links of every body are exactly the
// event's own URLs, the main one first: no user text, however dressed,
// adds one.
func TestLinksAreTheEvents(t *testing.T) {
	t.Parallel()
	for ek, ev := range fixtures(t) {
		want := wantLinks(t, ev)
		for _, ck := range Kinds {
			body, err := Message(ck, ev)
			if err != nil {
				t.Fatalf("%s %s: %v", ck, ek, err)
			}
			if got, _ := bodyLinks(t, ck, body); !slices.Equal(got, want) {
				t.Errorf("%s %s: links %q, want %q", ck, ek, got, want)
			}
		}
	}
}

// TestNoMentions checks no body can notify a whole channel: Slack and
// Mattermost read @channel, @here and @all in text, Slack and Mattermost
// <!channel> and <!everyone>, Google Chat <users/all>; an @ that starts a
// word is broken in every tool but Teams, whose mentions need entities a
// webhook does not send.
func TestNoMentions(t *testing.T) {
	t.Parallel()
	paging := regexp.MustCompile(`(^|[^\p{L}\p{N}])@(channel|here|all|everyone)\b|<!|<users/|<@`)
	for ek, ev := range fixtures(t) {
		for _, ck := range Kinds {
			body, err := Message(ck, ev)
			if err != nil {
				t.Fatal(err)
			}
			_, texts := bodyLinks(t, ck, body)
			for _, s := range texts {
				if ck == Teams {
					continue
				}
				if m := paging.FindString(s); m != "" {
					t.Errorf("%s %s: %q pages people in %q", ck, ek, m, s)
				}
			}
		}
	}
}

func TestCampaignLayout(t *testing.T) {
	t.Parallel()
	ev := fixtures(t)[events.CampaignAnnounced]
	for _, ck := range Kinds {
		body, err := Message(ck, ev)
		if err != nil {
			t.Fatal(err)
		}
		s := string(body)
		for _, want := range []string{"Campaign announced", "Tue 1 Dec 2026", "Thu 31 Dec 2026", "Acknowledge in Tandem", "Late notice", "winter offer", "…"} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: no %q in %s", ck, want, s)
			}
		}
		// The talking points are cut before the Markdown link at their end.
		if strings.Contains(s, "book a demo") {
			t.Errorf("%s: talking points not cut: %s", ck, s)
		}
	}
}

func TestCriticalAlertStandsOut(t *testing.T) {
	t.Parallel()
	ev := fixtures(t)[events.AlertPosted]
	for ck, want := range map[Kind][]string{
		Slack:      {`"text":"🚨 *Critical product alert*`, `"style":"danger"`, `*Severity*\nCritical`, `*Product*\nRouter X`},
		Teams:      {`"text":"🚨 Critical product alert","size":"Medium","weight":"Bolder","color":"attention"`, `"style":"destructive"`, `{"title":"Severity","value":"Critical"}`},
		Mattermost: {`🚨 **Critical product alert**`, `**Severity:** Critical`},
		GoogleChat: {`🚨 *Critical product alert*`, `*Severity:* Critical`},
	} {
		body, err := Message(ck, ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(string(body), w) {
				t.Errorf("%s: no %s in %s", ck, w, body)
			}
		}
	}

	// An information alert is told plainly.
	info := event(t, events.AlertPosted, events.Alert{ID: 1, Headline: "New manual", Severity: "info", URL: base + "/alerts/1"})
	body, err := Message(Teams, info)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(body); strings.Contains(s, "attention") || strings.Contains(s, "🚨") || !strings.Contains(s, "Product alert posted") {
		t.Errorf("info alert: %s", s)
	}
}

func TestEscaping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		esc       func(string) string
		in, want  string
		whatFails string
	}{
		{escSlack, "a & b <!channel> <https://x|y>", "a &amp; b &lt;!channel&gt; &lt;https://x|y&gt;", "Slack's three"},
		{escSlack, "@channel @here,@all jo@example.com", "@\u200bchannel @\u200bhere,@\u200ball jo@example.com", "mentions, not mail"},
		{escMattermost, "[x](https://e) *b* <!here> @all", `\[x\](https://e) \*b\* &lt;!here&gt; @` + "\u200b" + "all", "Markdown and Slack syntax"},
		{escMattermost, `a\b`, `a\\b`, "a backslash stays one"},
		{escTeams, "[x](https://e) {{DATE(x)}}", "[x]\u200b(https://e) {\u200b{DATE(x)}}", "links and templates"},
		{escGoogleChat, "<users/all> <https://e|x>", "<\u200busers/all> <\u200bhttps://e|x>", "mentions and links"},
		{lineStart, "- item", "\u200b- item", "a list"},
		{lineStart, "12. item", "\u200b12. item", "a numbered list"},
		{lineStart, "2026 launch", "2026 launch", "a number is not a list"},
	} {
		if got := tc.esc(tc.in); got != tc.want {
			t.Errorf("%s: %q → %q, want %q", tc.whatFails, tc.in, got, tc.want)
		}
	}
}

func TestFields(t *testing.T) {
	t.Parallel()
	evs := fixtures(t)
	for _, tc := range []struct {
		ev   events.Kind
		want []string
	}{
		{events.SLABreached, []string{`Follow-up SLA breached`, `*Owner*\nnobody yet`, `*Deadline*\nTue 17 Nov 2026 17:00 UTC+01:00`, `"style":"danger"`}},
		{events.SLAWarning, []string{`⚠️ *Follow-up SLA warning (75 % gone)*`, `*Owner*\nSam [Lee](https://evil.example)`}},
		{events.LeadWon, []string{`*Deal won*\nAcme &amp; Sons &lt;b&gt;GmbH&lt;/b&gt; @` + "\u200b" + `channel (contact Jo *Smith*, owner Sam [Lee](https://evil.example), by Riley Chen, value EUR 12,500.50)`}},
		{events.LeadRejected, []string{`quality 2 of 5, reason: Not our customer profile)`}},
		{events.FeedbackActedOn, []string{`*Feedback acted on*`, `(from Service, status acted on)`, `"text":"Fixed in the spring campaign."`}},
		{events.DigestPublished, []string{`*Weekly digest published*\nWeek 47, 2026`, `"url":"https://tandem.example.com/digests/2026-W47"`, `Read the digest in Tandem`}},
		{events.CampaignRevised, []string{`*Revision*\n3`}},
	} {
		body, err := Message(Slack, evs[tc.ev])
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("%s: no %s in %s", tc.ev, w, body)
			}
		}
	}
}

func TestMessageRefuses(t *testing.T) {
	t.Parallel()
	good := event(t, events.DigestPublished, events.Digest{Week: "2026-W47", URL: base + "/digests/2026-W47"})
	for name, tc := range map[string]struct {
		ck Kind
		ev events.Event
	}{
		"unknown chat kind":  {"discord", good},
		"unknown event kind": {Slack, events.Event{Kind: "lead.teleported", Data: good.Data}},
		"payload not JSON":   {Slack, events.Event{Kind: events.DigestPublished, Data: []byte(`{"week":`)}},
		"script link":        {Slack, event(t, events.DigestPublished, events.Digest{URL: "javascript:alert(1)"})},
		"relative link":      {Teams, event(t, events.DigestPublished, events.Digest{URL: "/digests/1"})},
	} {
		if body, err := Message(tc.ck, tc.ev); err == nil {
			t.Errorf("%s: no error, body %s", name, body)
		}
	}
	if _, err := Message(GoogleChat, good); err != nil {
		t.Errorf("the good event: %v", err)
	}
}

func TestKinds(t *testing.T) {
	t.Parallel()
	for _, k := range Kinds {
		if !k.Valid() || k.Label() == string(k) {
			t.Errorf("%q: valid %v, label %q", k, k.Valid(), k.Label())
		}
	}
	if Kind("discord").Valid() || Kind("").Valid() {
		t.Error("unknown kinds are valid")
	}
	if Teams.Label() != "Microsoft Teams" {
		t.Errorf("Teams is %q", Teams.Label())
	}
}

func TestWants(t *testing.T) {
	t.Parallel()
	ev := events.Event{Kind: events.SLABreached, Teams: []string{"sales"}}
	if !Wants("sales", ev) || Wants("marketing", ev) || Wants("", ev) || Wants("sales", events.Event{}) {
		t.Error("a channel hears only of its team's events")
	}
}
