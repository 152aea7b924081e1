package admin

import (
	"slices"
	"strconv"

	"tandem/internal/chat"
	"tandem/internal/chatchannels"
	"tandem/internal/events"
	"tandem/internal/format"
	"tandem/internal/users"
	"tandem/web/components"
)

// ChannelsPath is the list of chat channels.
const ChannelsPath = "/admin/channels"

// ChannelPath is a channel's page: its settings and deliveries.
func ChannelPath(id int64) string { return chatchannels.ChannelPath(id) }

// ChannelRow is one channel in the list.
type ChannelRow struct {
	Name, Href, Tool, URL, Status, Reason string
	Enabled                               bool
	Kinds                                 int
}

// TeamChannels is a team's section of the list.
type TeamChannels struct {
	Team, Label, NewHref string
	Rows                 []ChannelRow
}

// Channels is /admin/channels: each team with its channels.
type Channels struct {
	components.Page
	Teams []TeamChannels
}

// ChannelsOf builds the list page.
func ChannelsOf(p components.Page, list []chatchannels.Channel) Channels {
	v := Channels{Page: p}
	for _, t := range users.Teams {
		tc := TeamChannels{Team: string(t), Label: t.Label(), NewHref: ChannelsPath + "/new?team=" + string(t)}
		for _, c := range list {
			if c.Team != t {
				continue
			}
			row := ChannelRow{Name: c.Name, Href: ChannelPath(c.ID), Tool: c.Kind.Label(), URL: c.MaskedURL(),
				Enabled: c.Enabled, Kinds: len(c.EventKinds), Status: "on", Reason: c.DisabledReason}
			if !c.Enabled {
				row.Status = "off"
			}
			tc.Rows = append(tc.Rows, row)
		}
		v.Teams = append(v.Teams, tc)
	}
	return v
}

// KindChoice is one event kind's checkbox.
type KindChoice struct {
	Value, Label string
	Checked      bool
}

// DeliveryRow is one delivery of the channel's log.
type DeliveryRow struct {
	ID                          int64
	Event, Status, At, Attempts string
	Code, Latency, Error        string
	Failed, Delivered           bool
	RedeliverAction             string
}

// ChannelForm is the channel form: a new channel (ID 0), or a saved one
// with its status, test result and recent deliveries.
type ChannelForm struct {
	components.Page
	ID      int64
	Version int
	F       chatchannels.Form
	Errors  map[string]string

	TeamOptions []components.Option
	ToolOptions []components.Option
	Kinds       []KindChoice

	// A saved channel's state.
	SavedURL       string // masked
	Enabled        bool
	DisabledReason string
	FailingSince   string
	TestedAt       string
	TestResult     string
	Deliveries     []DeliveryRow
}

// ChannelFields are the form's fields top to bottom, the error summary's order.
var ChannelFields = []string{"", "team", "kind", "name", "webhook_url", "event_kinds"}

// toolLabels are the chat kinds as the form offers them: which kind of
// webhook each takes.
var toolLabels = map[chat.Kind]string{
	chat.Slack:      "Slack (incoming webhook)",
	chat.Teams:      "Microsoft Teams (workflow webhook)",
	chat.Mattermost: "Mattermost (incoming webhook)",
	chat.GoogleChat: "Google Chat (space webhook)",
}

// ChannelFormOf builds the form for a new channel (c.ID 0) or a saved one
// with its deliveries.
func ChannelFormOf(p components.Page, c chatchannels.Channel, f chatchannels.Form, version int, errs map[string]string,
	deliveries []chatchannels.Delivery) ChannelForm {
	v := ChannelForm{Page: p, ID: c.ID, Version: version, F: f, Errors: errs}
	for _, t := range users.Teams {
		v.TeamOptions = append(v.TeamOptions, components.Option{Value: string(t), Label: t.Label()})
	}
	for _, k := range chat.Kinds {
		v.ToolOptions = append(v.ToolOptions, components.Option{Value: string(k), Label: toolLabels[k]})
	}
	for _, k := range events.Kinds {
		v.Kinds = append(v.Kinds, KindChoice{Value: string(k), Label: k.Label(), Checked: slices.Contains(f.EventKinds, string(k))})
	}
	if c.ID == 0 {
		return v
	}
	v.SavedURL, v.Enabled, v.DisabledReason = c.MaskedURL(), c.Enabled, c.DisabledReason
	if c.FailingSince != nil {
		v.FailingSince = p.DateTime(*c.FailingSince)
	}
	if c.TestedAt != nil {
		v.TestedAt, v.TestResult = p.DateTime(*c.TestedAt), c.TestResult
	}
	for _, d := range deliveries {
		row := DeliveryRow{ID: d.ID, Event: d.EventKind.Label(), Status: deliveryStatus(d), At: p.DateTime(d.CreatedAt),
			Attempts: strconv.Itoa(d.Attempts), Error: format.Excerpt(d.LastError, 160),
			Failed: d.Status == chatchannels.Failed, Delivered: d.Status == chatchannels.Delivered,
			RedeliverAction: ChannelsPath + "/deliveries/" + strconv.FormatInt(d.ID, 10) + "/redeliver"}
		if d.LastStatusCode != nil {
			row.Code = strconv.Itoa(*d.LastStatusCode)
		}
		if d.LastLatencyMS != nil {
			row.Latency = format.Int(*d.LastLatencyMS) + " ms"
		}
		if d.DeliveredAt != nil {
			row.At = p.DateTime(*d.DeliveredAt)
		}
		v.Deliveries = append(v.Deliveries, row)
	}
	return v
}

func deliveryStatus(d chatchannels.Delivery) string {
	switch {
	case d.Status == chatchannels.Delivered:
		return "delivered"
	case d.Status == chatchannels.Failed:
		return "failed"
	case d.Attempts > 0:
		return "retrying"
	}
	return "queued"
}

func (v ChannelForm) action() string {
	if v.ID == 0 {
		return ChannelsPath
	}
	return ChannelPath(v.ID)
}

// Title is the form page's title.
func (v ChannelForm) Title() string {
	if v.ID == 0 {
		return "New chat channel"
	}
	return "Chat channel " + v.F.Name
}

// DeleteChannel is the confirm step of deleting a channel.
type DeleteChannel struct {
	components.Page
	Confirm components.Confirm
}

// DeleteChannelOf asks before deleting c.
func DeleteChannelOf(p components.Page, c chatchannels.Channel, refusal string) DeleteChannel {
	return DeleteChannel{Page: p, Confirm: components.Confirm{
		Heading:  "Delete the chat channel " + c.Name + "?",
		Question: "Delete " + c.Name + " (" + c.Kind.Label() + ", " + c.Team.Label() + ")? Tandem stops posting to it at once.",
		Details: []string{
			"Its delivery log goes with it; messages already posted stay in the chat tool.",
			"The webhook itself stays in the chat tool: remove it there too if nothing else uses it.",
		},
		Refusal: refusal,
		Action:  ChannelPath(c.ID) + "/delete",
		Hidden:  []components.Hidden{{Name: "version", Value: strconv.Itoa(c.Version)}},
		Button:  "Delete " + c.Name,
		Danger:  true,
		Cancel:  ChannelPath(c.ID),
	}}
}
