// Package chatchannels owns the teams' chat channels: an incoming webhook
// of Slack, Microsoft Teams, Mattermost or Google Chat per channel, the
// event kinds it takes, and the deliveries of events to it with their
// retries, the 24-hour rule and the log the admin page shows. The words of
// each message are internal/chat's.
package chatchannels

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"tandem/internal/chat"
	"tandem/internal/events"
	"tandem/internal/format"
	"tandem/internal/users"
	"tandem/internal/validate"
)

// Channel is one team's chat channel.
type Channel struct {
	ID             int64      `db:"id"`
	Team           users.Team `db:"team"`
	Kind           chat.Kind  `db:"kind"`
	Name           string     `db:"name"`
	WebhookURL     string     `db:"webhook_url"`
	EventKinds     []string   `db:"event_kinds"`
	Enabled        bool       `db:"enabled"`
	FailingSince   *time.Time `db:"failing_since"`
	DisabledReason string     `db:"disabled_reason"`
	TestedAt       *time.Time `db:"tested_at"`
	TestResult     string     `db:"test_result"`
	CreatedBy      *int64     `db:"created_by"`
	CreatedAt      time.Time  `db:"created_at"`
	UpdatedAt      time.Time  `db:"updated_at"`
	Version        int        `db:"version"`
}

// Takes reports whether the channel is set to take events of kind k.
func (c Channel) Takes(k events.Kind) bool { return slices.Contains(c.EventKinds, string(k)) }

// MaskedURL is the webhook URL as pages show it once saved: the scheme and
// host, and the path's last four characters to tell two hooks apart. The
// rest is the credential that lets anyone post into the channel.
func (c Channel) MaskedURL() string { return MaskURL(c.WebhookURL) }

// MaskURL masks a webhook URL as MaskedURL does.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "…"
	}
	rest := strings.TrimPrefix(u.RequestURI(), "/")
	tail := ""
	if r := []rune(rest); len(r) > 8 {
		tail = string(r[len(r)-4:])
	}
	return u.Scheme + "://" + u.Host + "/…" + tail
}

// Statuses of a delivery.
const (
	Pending   = "pending" // planned, being tried or retried
	Delivered = "delivered"
	Failed    = "failed" // given up: refused for good, 24 hours of failures, or the channel went away
)

// Delivery is one post of one event to one channel.
type Delivery struct {
	ID             int64       `db:"id"`
	ChannelID      int64       `db:"channel_id"`
	EventID        int64       `db:"event_id"`
	EventKind      events.Kind `db:"event_kind"`
	Status         string      `db:"status"`
	Attempts       int         `db:"attempts"`
	LastStatusCode *int        `db:"last_status_code"`
	LastError      string      `db:"last_error"`
	LastLatencyMS  *int        `db:"last_latency_ms"`
	CreatedAt      time.Time   `db:"created_at"`
	QueuedAt       time.Time   `db:"queued_at"`
	DeliveredAt    *time.Time  `db:"delivered_at"`
}

// defaultKinds are the kinds whose events concern each team, as
// docs/outbound.md tabulates them (the teams the recording code names, which
// chat.Wants checks): a new channel takes all of them until an admin
// narrows it down. Feedback answers go to the team that logged the item,
// which may be any.
var defaultKinds = map[users.Team][]events.Kind{
	users.Sales: {events.LeadHandedOff, events.LeadAssigned, events.LeadAccepted, events.LeadRejected, events.LeadWon,
		events.LeadLost, events.SLAWarning, events.SLABreached, events.CampaignAnnounced, events.CampaignRevised,
		events.CampaignLaunchingTomorrow, events.AlertPosted, events.FeedbackResponded, events.FeedbackActedOn,
		events.DigestPublished},
	users.Marketing: {events.LeadHandedOff, events.LeadAccepted, events.LeadRejected, events.LeadWon, events.LeadLost,
		events.FeedbackLogged, events.FeedbackResponded, events.FeedbackActedOn, events.DigestPublished},
	users.Service: {events.CampaignAnnounced, events.CampaignRevised, events.CampaignLaunchingTomorrow,
		events.AlertPosted, events.FeedbackResponded, events.FeedbackActedOn, events.DigestPublished},
}

// DefaultKinds are the event kinds a new channel of team takes.
func DefaultKinds(team users.Team) []events.Kind { return slices.Clone(defaultKinds[team]) }

// Limits of the channel form, in characters.
const (
	MaxName = 100
	MaxURL  = 2000
)

// Form is the channel form as typed, so a refused form comes back filled.
// On an edit an empty WebhookURL keeps the saved one: the page never shows
// it again.
type Form struct {
	Team, Kind, Name, WebhookURL string
	EventKinds                   []string
	Enabled                      bool
}

// DefaultForm is a new channel's form for team.
func DefaultForm(team users.Team) Form {
	f := Form{Team: string(team), Kind: string(chat.Slack), Enabled: true}
	for _, k := range DefaultKinds(team) {
		f.EventKinds = append(f.EventKinds, string(k))
	}
	return f
}

// FormOf fills the form with a saved channel, for editing.
func FormOf(c Channel) Form {
	return Form{Team: string(c.Team), Kind: string(c.Kind), Name: c.Name, EventKinds: slices.Clone(c.EventKinds), Enabled: c.Enabled}
}

// settings are a parsed form.
type settings struct {
	team       users.Team
	kind       chat.Kind
	name, url  string
	eventKinds []string
	enabled    bool
}

// parse validates the form field by field; keepURL allows an empty URL
// (an edit that keeps the saved one).
func (f Form) parse(keepURL bool) (settings, validate.FieldErrors) {
	errs := validate.FieldErrors{}
	s := settings{team: users.Team(f.Team), kind: chat.Kind(f.Kind), name: strings.TrimSpace(f.Name),
		url: strings.TrimSpace(f.WebhookURL), enabled: f.Enabled}
	if !s.team.Valid() {
		errs["team"] = "Choose the team whose channel this is."
	}
	if !s.kind.Valid() {
		errs["kind"] = "Choose the chat tool the webhook belongs to."
	}
	switch n := utf8.RuneCountInString(s.name); {
	case n == 0:
		errs["name"] = "Name the channel, e.g. #sales-alerts, so admins know where messages go."
	case n > MaxName:
		errs["name"] = "Keep the name under " + format.Int(MaxName) + " characters."
	}
	if s.url != "" || !keepURL {
		if msg := checkURL(s.url); msg != "" {
			errs["webhook_url"] = msg
		}
	}
	for _, k := range events.Kinds {
		if slices.Contains(f.EventKinds, string(k)) {
			s.eventKinds = append(s.eventKinds, string(k))
		}
	}
	if len(s.eventKinds) != len(slices.Compact(slices.Sorted(slices.Values(f.EventKinds)))) {
		errs["event_kinds"] = "Choose event kinds from the list."
	} else if len(s.eventKinds) == 0 {
		errs["event_kinds"] = "Choose at least one kind of event, or turn the channel off."
	}
	if len(errs) > 0 {
		return s, errs
	}
	return s, nil
}

// checkURL refuses a webhook URL that is not an absolute http(s) URL with
// a host, or that carries a user name or password.
func checkURL(raw string) string {
	if raw == "" {
		return "Paste the webhook URL the chat tool gave you."
	}
	if utf8.RuneCountInString(raw) > MaxURL {
		return "Keep the URL under " + format.Int(MaxURL) + " characters."
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "":
		return "Enter the full webhook URL, starting with https://."
	case u.User != nil:
		return "Leave the user name and password out of the URL."
	}
	return ""
}

// Warning is a doubt about a form that saved: a Slack channel whose URL is
// not on hooks.slack.com may be a link to the channel rather than its
// webhook (Slack Enterprise Grid and proxies have other hosts, so it is not
// refused).
func (f Form) Warning() string {
	if f.Kind != string(chat.Slack) || f.WebhookURL == "" {
		return ""
	}
	if u, err := url.Parse(strings.TrimSpace(f.WebhookURL)); err == nil && u.Hostname() != "hooks.slack.com" {
		return "The URL is not on hooks.slack.com: make sure it is the channel's incoming webhook, then send a test message."
	}
	return ""
}
