// Package chat writes Tandem's events as the messages chat tools' incoming
// webhooks accept: Slack, Microsoft Teams (a workflow webhook), Mattermost
// and Google Chat. It only formats; the outbound package delivers the
// bodies with its retries and SSRF rule, as it does webhooks.
package chat

import (
	"slices"

	"tandem/internal/enum"
	"tandem/internal/events"
)

// Kind is the chat tool a channel posts to. The values are stored with the
// channel, so they never change once released.
type Kind string

// The chat tools Tandem writes for.
const (
	Slack      Kind = "slack"
	Teams      Kind = "teams"
	Mattermost Kind = "mattermost"
	GoogleChat Kind = "google_chat"
)

// Kinds lists the chat kinds in the order the channel form offers them.
var Kinds = []Kind{Slack, Teams, Mattermost, GoogleChat}

var kindLabels = enum.Labels[Kind]{
	Slack: "Slack", Teams: "Microsoft Teams", Mattermost: "Mattermost", GoogleChat: "Google Chat",
}

// Label is the chat tool's name as people know it.
func (k Kind) Label() string { return kindLabels.Of(k) }

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return enum.Valid(Kinds, k) }

// ContentType is the Content-Type of every body Message writes; Google
// Chat's documentation sends it with the charset, and the others accept it.
const ContentType = "application/json; charset=utf-8"

// Wants reports whether a team's channel hears of ev: the team is one of
// those the change concerns. Which kinds a channel takes is the channel's
// own setting, checked beside this.
func Wants(channelTeam string, ev events.Event) bool {
	return channelTeam != "" && slices.Contains(ev.Teams, channelTeam)
}
