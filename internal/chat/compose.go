package chat

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tandem/internal/campaigns"
	"tandem/internal/events"
	"tandem/internal/feedback"
	"tandem/internal/format"
	"tandem/internal/leads"
	"tandem/internal/users"
)

// How much user text a message carries, in characters. A chat message is
// a nudge with a link, not the record: names stay whole in practice, long
// text is cut where a reader decides whether to open Tandem.
const (
	maxName    = 150 // campaign names, companies, headlines, people
	maxExcerpt = 300 // talking points, guidance, feedback, responses
	maxDigest  = 500 // the digest's summary is the message
)

// tone is how loudly a message asks to be read.
type tone int

const (
	calm tone = iota
	warn
	urgent // a critical alert, a breached SLA
)

// fact is one labelled value of a message, both plain text.
type fact struct{ label, value string }

// link is a button or link to Tandem; the first of a message's links is
// the one it is about.
type link struct{ text, url string }

// message is an event in words, before any chat tool's markup: every
// string is plain text as a person would read it, and each renderer
// escapes it for its tool. Keeping the words here makes the four tools
// say the same thing.
type message struct {
	heading string // what happened: the kind's label, or a louder one
	subject string // what it happened to: a campaign's name, a company
	tone    tone
	facts   []fact
	note    string // a warning line, such as a late notice
	quote   string // an excerpt of the user's own text
	links   []link
}

// fallback is the one line that stands for the message where no markup
// shows: notifications, previews, screen readers' summaries.
func (m message) fallback() string {
	if m.subject == "" {
		return m.heading
	}
	return m.heading + ": " + m.subject
}

// Message is the body of a POST to a chat kind's incoming webhook telling
// of ev. It fails only for an unknown chat or event kind, a payload that
// is not the kind's JSON, or a link that is not an absolute http(s) URL.
func Message(k Kind, ev events.Event) ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("chat: unknown chat kind %q", k)
	}
	m, err := compose(ev)
	if err != nil {
		return nil, err
	}
	for _, l := range m.links {
		if err := checkURL(l.url); err != nil {
			return nil, fmt.Errorf("chat: %s event %d: %w", ev.Kind, ev.ID, err)
		}
	}
	switch k {
	case Slack:
		return slack(m)
	case Teams:
		return teams(m)
	case Mattermost:
		return mattermost(m)
	default:
		return googleChat(m)
	}
}

func compose(ev events.Event) (message, error) {
	switch ev.Kind {
	case events.CampaignAnnounced, events.CampaignRevised, events.CampaignLaunchingTomorrow:
		var c events.Campaign
		if err := decode(ev, &c); err != nil {
			return message{}, err
		}
		return campaignMessage(ev.Kind, c), nil
	case events.AlertPosted:
		var a events.Alert
		if err := decode(ev, &a); err != nil {
			return message{}, err
		}
		return alertMessage(a), nil
	case events.SLAWarning, events.SLABreached:
		var l events.Lead
		if err := decode(ev, &l); err != nil {
			return message{}, err
		}
		return slaMessage(ev.Kind, l), nil
	case events.DigestPublished:
		var d events.Digest
		if err := decode(ev, &d); err != nil {
			return message{}, err
		}
		return digestMessage(d), nil
	case events.LeadHandedOff, events.LeadAssigned, events.LeadAccepted, events.LeadRejected, events.LeadWon, events.LeadLost:
		var l events.Lead
		if err := decode(ev, &l); err != nil {
			return message{}, err
		}
		return leadMessage(ev.Kind, l), nil
	case events.FeedbackLogged, events.FeedbackResponded, events.FeedbackActedOn:
		var f events.Feedback
		if err := decode(ev, &f); err != nil {
			return message{}, err
		}
		return feedbackMessage(ev.Kind, f), nil
	}
	return message{}, fmt.Errorf("chat: event %d has unknown kind %q", ev.ID, ev.Kind)
}

func decode(ev events.Event, into any) error {
	if err := json.Unmarshal(ev.Data, into); err != nil {
		return fmt.Errorf("chat: %s event %d: payload: %w", ev.Kind, ev.ID, err)
	}
	return nil
}

func campaignMessage(k events.Kind, c events.Campaign) message {
	m := message{heading: k.Label(), subject: name(c.Name)}
	m.facts = append(m.facts, fact{"Launch", day(c.LaunchOn)})
	if c.EndOn != "" {
		m.facts = append(m.facts, fact{"Ends", day(c.EndOn)})
	}
	if k == events.CampaignRevised && c.Revision > 0 {
		m.facts = append(m.facts, fact{"Revision", strconv.Itoa(c.Revision)})
	}
	if c.LateNotice {
		m.tone = warn
		m.note = "Late notice: announced with less than the agreed notice before launch."
	}
	m.quote = excerpt(c.TalkingPoints, maxExcerpt)
	m.links = links(link{"Acknowledge in Tandem", c.AcknowledgeURL}, link{"Open the campaign", c.URL})
	return m
}

func alertMessage(a events.Alert) message {
	sev := campaigns.Severity(a.Severity)
	m := message{heading: events.AlertPosted.Label(), subject: name(a.Headline)}
	switch sev {
	case campaigns.Critical:
		m.heading, m.tone = "Critical product alert", urgent
	case campaigns.Warning:
		m.tone = warn
	}
	m.facts = append(m.facts, fact{"Severity", sev.Label()})
	if a.Product != "" {
		m.facts = append(m.facts, fact{"Product", name(a.Product)})
	}
	m.quote = excerpt(a.Guidance, maxExcerpt)
	m.links = links(link{"Open the alert in Tandem", a.URL})
	return m
}

func slaMessage(k events.Kind, l events.Lead) message {
	m := message{heading: k.Label(), subject: name(l.Company), tone: warn}
	if k == events.SLABreached {
		m.tone = urgent
	}
	m.facts = append(m.facts, fact{"Owner", person(l.OwnerName)})
	if l.SLADeadline != nil {
		m.facts = append(m.facts, fact{"Deadline", moment(*l.SLADeadline)})
	}
	if l.Contact != "" {
		m.facts = append(m.facts, fact{"Contact", name(l.Contact)})
	}
	m.links = links(link{"Open the lead in Tandem", l.URL})
	return m
}

func digestMessage(d events.Digest) message {
	return message{
		heading: events.DigestPublished.Label(),
		subject: week(d.Week),
		quote:   excerpt(d.Summary, maxDigest),
		links:   links(link{"Read the digest in Tandem", d.URL}),
	}
}

// leadMessage is the one line of the lead kinds nobody acts on from chat:
// what happened to which company, with the few fields that say by whom
// and how it went.
func leadMessage(k events.Kind, l events.Lead) message {
	var parts []string
	if l.Contact != "" {
		parts = append(parts, "contact "+name(l.Contact))
	}
	if l.OwnerName != "" {
		parts = append(parts, "owner "+name(l.OwnerName))
	}
	if l.ActorName != "" {
		parts = append(parts, "by "+name(l.ActorName))
	}
	if l.Quality > 0 {
		parts = append(parts, fmt.Sprintf("quality %d of 5", l.Quality))
	}
	if l.Reason != "" {
		parts = append(parts, "reason: "+excerpt(leads.Reason(l.Reason).Label(), maxName))
	}
	if l.ValueCents != nil {
		parts = append(parts, "value "+format.CurrencyCents(l.Currency, *l.ValueCents))
	}
	return oneLiner(k, name(l.Company), parts, link{"Open the lead in Tandem", l.URL})
}

func feedbackMessage(k events.Kind, f events.Feedback) message {
	var parts []string
	if f.Team != "" {
		parts = append(parts, "from "+users.Team(f.Team).Label())
	}
	if f.Status != "" {
		parts = append(parts, "status "+strings.ToLower(feedback.Status(f.Status).Label()))
	}
	m := oneLiner(k, excerpt(f.Summary, maxExcerpt), parts, link{"Open the feedback in Tandem", f.URL})
	m.quote = excerpt(f.Response, maxExcerpt)
	return m
}

func oneLiner(k events.Kind, subject string, parts []string, l link) message {
	if len(parts) > 0 {
		subject += " (" + strings.Join(parts, ", ") + ")"
	}
	return message{heading: k.Label(), subject: subject, links: links(l)}
}

// links keeps the links that have a URL: a payload without an
// acknowledge link still says where the campaign is.
func links(ls ...link) []link {
	var out []link
	for _, l := range ls {
		if l.url != "" {
			out = append(out, l)
		}
	}
	return out
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("link %q is not an absolute http(s) URL", s)
	}
	return nil
}

// name is a short piece of user text on one line.
func name(s string) string { return excerpt(s, maxName) }

func person(s string) string {
	if s = name(s); s == "" {
		return "nobody yet"
	}
	return s
}

// excerpt puts user text on one line, so no line of it can start a block
// of any tool's markup, and cuts it to n characters.
func excerpt(s string, n int) string { return format.Excerpt(s, n) }

// day writes a YYYY-MM-DD date as people read it; a date that does not
// parse shows as sent rather than vanish.
func day(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return name(s)
	}
	return t.Format("Mon 2 Jan 2006")
}

// moment writes an instant in the zone it was recorded in (the business
// time zone, as the payload carries it). A zone read back from JSON has
// only its offset, written "UTC+01:00" rather than Go's bare "+0100".
func moment(t time.Time) string {
	zone, _ := t.Zone()
	if zone == "" || zone[0] == '+' || zone[0] == '-' {
		zone = "UTC" + t.Format("-07:00")
	}
	return t.Format("Mon 2 Jan 2006 15:04 ") + zone
}

// week writes an ISO week "2026-W47" the way the digest titles it.
func week(s string) string {
	y, w, ok := strings.Cut(s, "-W")
	if n, err := strconv.Atoi(w); ok && err == nil && len(y) == 4 && n >= 1 && n <= 53 {
		return fmt.Sprintf("Week %d, %s", n, y)
	}
	return name(s)
}
