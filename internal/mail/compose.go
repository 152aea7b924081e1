package mail

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"tandem/internal/events"
)

//go:embed templates/notice.txt templates/notice.html
var templateFS embed.FS

var (
	textTmpl = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/notice.txt"))
	htmlTmpl = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/notice.html"))
)

// Notice is one event as a mail tells it.
type Notice struct {
	Kind    events.Kind
	Title   string // what it is about: the company, campaign, headline …
	Details []Detail
	URL     string // absolute, from the event's data
	When    time.Time
}

// Detail is one labelled line under a notice.
type Detail struct{ Label, Value string }

// Subject is the mail's subject for the notice alone.
func (n Notice) Subject() string { return n.Kind.Label() + ": " + n.Title }

// NoticeOf reads an event's payload into what a mail shows of it.
func NoticeOf(kind events.Kind, occurred time.Time, data json.RawMessage) (Notice, error) {
	n := Notice{Kind: kind, When: occurred}
	add := func(label, value string) {
		if value = strings.TrimSpace(value); value != "" {
			n.Details = append(n.Details, Detail{label, value})
		}
	}
	var err error
	switch {
	case strings.HasPrefix(string(kind), "lead."):
		var p events.Lead
		err = json.Unmarshal(data, &p)
		n.Title, n.URL = p.Company, p.URL
		add("Contact", p.Contact)
		add("Owner", p.OwnerName)
		add("By", p.ActorName)
		add("Reason", p.Reason)
		if p.Quality > 0 {
			add("Quality", fmt.Sprintf("%d/5", p.Quality))
		}
		if p.SLADeadline != nil {
			add("Follow-up due", p.SLADeadline.UTC().Format("2 Jan 2006 15:04 UTC"))
		}
	case strings.HasPrefix(string(kind), "campaign."):
		var p events.Campaign
		err = json.Unmarshal(data, &p)
		n.Title, n.URL = p.Name, p.URL
		add("Launch", p.LaunchOn)
		add("Ends", p.EndOn)
		add("Talking points", p.TalkingPoints)
		add("Acknowledge", p.AcknowledgeURL)
	case strings.HasPrefix(string(kind), "alert."):
		var p events.Alert
		err = json.Unmarshal(data, &p)
		n.Title, n.URL = p.Headline, p.URL
		add("Severity", p.Severity)
		add("Product", p.Product)
		add("Guidance", p.Guidance)
	case strings.HasPrefix(string(kind), "feedback."):
		var p events.Feedback
		err = json.Unmarshal(data, &p)
		n.Title, n.URL = p.Summary, p.URL
		add("Logged by", p.Team)
		add("Status", p.Status)
		add("Response", p.Response)
	case strings.HasPrefix(string(kind), "digest."):
		var p events.Digest
		err = json.Unmarshal(data, &p)
		n.Title, n.URL = "week "+p.Week, p.URL
		add("Summary", p.Summary)
	default:
		return n, fmt.Errorf("mail: no notice for event kind %q", kind)
	}
	if err != nil {
		return n, fmt.Errorf("mail: %s payload: %w", kind, err)
	}
	if n.Title == "" {
		n.Title = "(untitled)"
	}
	return n, nil
}

// view is one mail: a single notice, or a day's notices grouped by kind.
type view struct {
	Recipient   string
	Intro       string
	Groups      []group
	Because     string
	SettingsURL string
	Unsubscribe []link
}

type group struct {
	Label   string
	Notices []Notice
}

type link struct{ Label, URL string }

func render(v view) (text, html string, err error) {
	var t, h bytes.Buffer
	if err := textTmpl.Execute(&t, v); err != nil {
		return "", "", fmt.Errorf("render notice text: %w", err)
	}
	if err := htmlTmpl.Execute(&h, v); err != nil {
		return "", "", fmt.Errorf("render notice html: %w", err)
	}
	return strings.TrimSpace(t.String()) + "\n", h.String(), nil
}
