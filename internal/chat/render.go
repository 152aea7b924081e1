package chat

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// zwsp, the zero-width space, breaks a tool's markup where user text would
// otherwise start it (a mention, a link) without changing what people see.
const zwsp = "\u200b"

// mention matches an @ that starts a word: @channel, @here, @all and
// @someone, but not the @ inside an e-mail address.
var mention = regexp.MustCompile(`(^|[^\p{L}\p{N}_.+-])@([\p{L}\p{N}_])`)

// unmention keeps user text from notifying a channel or a person: the
// tools that read @channel in text would otherwise page everyone in it.
func unmention(s string) string { return mention.ReplaceAllString(s, "${1}@"+zwsp+"${2}") }

// The tools' control characters. Slack reads &, < and > as the start of
// its links, mentions and entities, and wants exactly those three escaped.
var (
	slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	// Mattermost translates Slack's <url|text> and <!channel> in webhook
	// text before its Markdown sees them, so those go as entities too;
	// the backslashes stop Markdown's links, emphasis and headings.
	mattermostEscaper = strings.NewReplacer(
		"&", "&amp;", "<", "&lt;", ">", "&gt;",
		`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "~", `\~`, "[", `\[`, "]", `\]`, "#", `\#`, "|", `\|`,
	)
	// Adaptive Cards' Markdown has no escapes Teams honours everywhere:
	// a zero-width space after "]" ends any link syntax, and one inside
	// "{{" stops the card's DATE()/TIME() templating.
	teamsEscaper = strings.NewReplacer("]", "]"+zwsp, "{{", "{"+zwsp+"{")
	// Google Chat's text has no escapes at all; its links and mentions
	// all start "<" followed at once by the target.
	googleChatEscaper = strings.NewReplacer("<", "<"+zwsp)
	// A URL inside a tool's link markup must not end it early; Tandem's
	// own URLs never hold these, but a path built from a name might.
	urlEscaper = strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "|", "%7C")
)

// lineStart keeps user text that begins a line from beginning a block of
// Markdown there: "- x" a list, "1. x" a numbered one, "---" a rule that
// makes the line above a heading.
func lineStart(s string) string {
	if blockStart.MatchString(s) {
		return zwsp + s
	}
	return s
}

// blockStart matches what opens a Markdown block at the start of a line:
// list bullets, headings, quotes, rules, fences, tables, numbered items.
var blockStart = regexp.MustCompile("^(?:[-+*=#>|`~_]|\\\\[-+*=#>|`~_]|&gt;|[0-9]+[.)])")

func escSlack(s string) string      { return unmention(slackEscaper.Replace(s)) }
func escMattermost(s string) string { return unmention(mattermostEscaper.Replace(s)) }
func escTeams(s string) string      { return teamsEscaper.Replace(s) }
func escGoogleChat(s string) string { return unmention(googleChatEscaper.Replace(s)) }

// sign is the symbol a loud message leads with, so it stands out without
// relying on colour, which not everyone sees and Teams alone supports.
func (t tone) sign() string {
	switch t {
	case urgent:
		return "🚨 "
	case warn:
		return "⚠️ "
	}
	return ""
}

// encode writes a body compactly and without HTML escaping: "<" stays
// "<" rather than "\u003c", which every tool reads the same but people
// reading a delivery log do not.
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Slack: Block Kit, https://api.slack.com/reference/block-kit/blocks, with
// "text" as the notification's fallback.

type slackText struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []any       `json:"elements,omitempty"`
}

type slackButton struct {
	Type     string    `json:"type"`
	Text     slackText `json:"text"`
	URL      string    `json:"url"`
	ActionID string    `json:"action_id"`
	Style    string    `json:"style,omitempty"`
}

func slack(m message) ([]byte, error) {
	head := m.tone.sign() + "*" + escSlack(m.heading) + "*"
	if m.subject != "" {
		head += "\n" + escSlack(m.subject)
	}
	section := slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: head}}
	for _, f := range m.facts {
		section.Fields = append(section.Fields, slackText{Type: "mrkdwn", Text: "*" + escSlack(f.label) + "*\n" + escSlack(f.value)})
	}
	blocks := []slackBlock{section}
	if m.quote != "" {
		// Plain text, not mrkdwn: the user's words show as typed and
		// nothing in them is read as markup. Mentions and <…> are broken
		// all the same, the way Google Chat's are, in case Slack ever
		// reads them there.
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "plain_text", Text: escGoogleChat(m.quote), Emoji: true}})
	}
	context := "Sent by Tandem"
	if m.note != "" {
		context = escSlack(m.note)
	}
	blocks = append(blocks, slackBlock{Type: "context", Elements: []any{slackText{Type: "mrkdwn", Text: context}}})
	if len(m.links) > 0 {
		var buttons []any
		for i, l := range m.links {
			b := slackButton{Type: "button", Text: slackText{Type: "plain_text", Text: l.text}, URL: l.url, ActionID: "tandem-link-" + strconv.Itoa(i)}
			if i == 0 {
				b.Style = "primary"
				if m.tone == urgent {
					b.Style = "danger"
				}
			}
			buttons = append(buttons, b)
		}
		blocks = append(blocks, slackBlock{Type: "actions", Elements: buttons})
	}
	return encode(struct {
		Text   string       `json:"text"`
		Blocks []slackBlock `json:"blocks"`
	}{escSlack(m.tone.sign() + m.fallback()), blocks})
}

// Microsoft Teams: the Adaptive Card a workflow's "When a Teams webhook
// request is received" trigger posts to a channel.

type teamsBlock struct {
	Type     string      `json:"type"`
	Text     string      `json:"text,omitempty"`
	Size     string      `json:"size,omitempty"`
	Weight   string      `json:"weight,omitempty"`
	Color    string      `json:"color,omitempty"`
	IsSubtle bool        `json:"isSubtle,omitempty"`
	Wrap     bool        `json:"wrap,omitempty"`
	Facts    []teamsFact `json:"facts,omitempty"`
}

type teamsFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

type teamsAction struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
	Style string `json:"style,omitempty"`
}

type teamsCard struct {
	Schema  string        `json:"$schema"`
	Type    string        `json:"type"`
	Version string        `json:"version"`
	Body    []teamsBlock  `json:"body"`
	Actions []teamsAction `json:"actions,omitempty"`
}

type teamsAttachment struct {
	ContentType string    `json:"contentType"`
	ContentURL  *string   `json:"contentUrl"`
	Content     teamsCard `json:"content"`
}

func teams(m message) ([]byte, error) {
	heading := teamsBlock{Type: "TextBlock", Text: m.tone.sign() + escTeams(m.heading), Size: "Medium", Weight: "Bolder", Wrap: true}
	switch m.tone {
	case urgent:
		heading.Color = "attention"
	case warn:
		heading.Color = "warning"
	}
	body := []teamsBlock{heading}
	if m.subject != "" {
		body = append(body, teamsBlock{Type: "TextBlock", Text: lineStart(escTeams(m.subject)), Weight: "Bolder", Wrap: true})
	}
	if len(m.facts) > 0 {
		set := teamsBlock{Type: "FactSet"}
		for _, f := range m.facts {
			set.Facts = append(set.Facts, teamsFact{escTeams(f.label), lineStart(escTeams(f.value))})
		}
		body = append(body, set)
	}
	if m.note != "" {
		body = append(body, teamsBlock{Type: "TextBlock", Text: escTeams(m.note), Color: "warning", Wrap: true})
	}
	if m.quote != "" {
		body = append(body, teamsBlock{Type: "TextBlock", Text: lineStart(escTeams(m.quote)), IsSubtle: true, Wrap: true})
	}
	var actions []teamsAction
	for i, l := range m.links {
		a := teamsAction{Type: "Action.OpenUrl", Title: l.text, URL: l.url}
		if i == 0 {
			a.Style = "positive"
			if m.tone == urgent {
				a.Style = "destructive"
			}
		}
		actions = append(actions, a)
	}
	return encode(struct {
		Type        string            `json:"type"`
		Attachments []teamsAttachment `json:"attachments"`
	}{"message", []teamsAttachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
		Content: teamsCard{
			Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4",
			Body: body, Actions: actions,
		},
	}}})
}

// Mattermost: Markdown in "text"; a single newline is a line break there.

func mattermost(m message) ([]byte, error) {
	var b strings.Builder
	b.WriteString(m.tone.sign() + "**" + escMattermost(m.heading) + "**")
	if m.subject != "" {
		b.WriteString("\n" + lineStart(escMattermost(m.subject)))
	}
	for _, f := range m.facts {
		b.WriteString("\n**" + escMattermost(f.label) + ":** " + escMattermost(f.value))
	}
	if m.note != "" {
		b.WriteString("\n_" + escMattermost(m.note) + "_")
	}
	if m.quote != "" {
		// The blank line after the quote ends it; without one Markdown
		// would carry the links into it.
		b.WriteString("\n\n> " + lineStart(escMattermost(m.quote)) + "\n")
	}
	if len(m.links) > 0 {
		b.WriteString("\n")
		for i, l := range m.links {
			if i > 0 {
				b.WriteString(" · ")
			}
			b.WriteString("[" + escMattermost(l.text) + "](" + urlEscaper.Replace(l.url) + ")")
		}
	}
	return encode(struct {
		Text string `json:"text"`
	}{b.String()})
}

// Google Chat: its own text syntax, *bold* and <url|text>.

func googleChat(m message) ([]byte, error) {
	var b strings.Builder
	b.WriteString(m.tone.sign() + "*" + escGoogleChat(m.heading) + "*")
	if m.subject != "" {
		b.WriteString("\n" + lineStart(escGoogleChat(m.subject)))
	}
	for _, f := range m.facts {
		b.WriteString("\n*" + escGoogleChat(f.label) + ":* " + escGoogleChat(f.value))
	}
	if m.note != "" {
		b.WriteString("\n_" + escGoogleChat(m.note) + "_")
	}
	if m.quote != "" {
		b.WriteString("\n\n" + lineStart(escGoogleChat(m.quote)) + "\n")
	}
	if len(m.links) > 0 {
		b.WriteString("\n")
		for i, l := range m.links {
			if i > 0 {
				b.WriteString(" · ")
			}
			b.WriteString("<" + urlEscaper.Replace(l.url) + "|" + l.text + ">")
		}
	}
	return encode(struct {
		Text string `json:"text"`
	}{b.String()})
}
