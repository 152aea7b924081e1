// Package events records the changes worth telling people outside Tandem
// about, once, in the transaction of the change, and fans each one out to
// the channels that deliver it (webhooks, chat, email) as durable jobs.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/queue"
)

// Kind names a change. The dotted names are the webhook payloads' "type"
// and the keys of every subscription and preference, so they never change
// once released.
type Kind string

// The kinds, grouped by what they are about.
const (
	LeadHandedOff             Kind = "lead.handed_off"
	LeadAssigned              Kind = "lead.assigned"
	LeadAccepted              Kind = "lead.accepted"
	LeadRejected              Kind = "lead.rejected"
	LeadWon                   Kind = "lead.won"
	LeadLost                  Kind = "lead.lost"
	SLAWarning                Kind = "lead.sla_warning"
	SLABreached               Kind = "lead.sla_breached"
	CampaignAnnounced         Kind = "campaign.announced"
	CampaignRevised           Kind = "campaign.revised"
	CampaignLaunchingTomorrow Kind = "campaign.launching_tomorrow"
	AlertPosted               Kind = "alert.posted"
	FeedbackLogged            Kind = "feedback.logged"
	FeedbackResponded         Kind = "feedback.responded"
	FeedbackActedOn           Kind = "feedback.acted_on"
	DigestPublished           Kind = "digest.published"
)

// Kinds lists every kind in the order pages show them.
var Kinds = []Kind{
	LeadHandedOff, LeadAssigned, LeadAccepted, LeadRejected, LeadWon, LeadLost, SLAWarning, SLABreached,
	CampaignAnnounced, CampaignRevised, CampaignLaunchingTomorrow,
	AlertPosted,
	FeedbackLogged, FeedbackResponded, FeedbackActedOn,
	DigestPublished,
}

var labels = map[Kind]string{
	LeadHandedOff:             "Lead handed off",
	LeadAssigned:              "Lead assigned",
	LeadAccepted:              "Lead accepted",
	LeadRejected:              "Lead rejected",
	LeadWon:                   "Deal won",
	LeadLost:                  "Deal lost",
	SLAWarning:                "Follow-up SLA warning (75 % gone)",
	SLABreached:               "Follow-up SLA breached",
	CampaignAnnounced:         "Campaign announced",
	CampaignRevised:           "Campaign talking points revised",
	CampaignLaunchingTomorrow: "Campaign launching tomorrow",
	AlertPosted:               "Product alert posted",
	FeedbackLogged:            "Customer feedback logged",
	FeedbackResponded:         "Marketing responded to feedback",
	FeedbackActedOn:           "Feedback acted on",
	DigestPublished:           "Weekly digest published",
}

// Label is the kind in words, for pages and messages.
func (k Kind) Label() string { return labels[k] }

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { _, ok := labels[k]; return ok }

// Event is one recorded change. Data is the kind's payload (one of Lead,
// Campaign, Alert, Feedback, Digest below, as JSON); its url fields are
// absolute by the time a channel sees the event.
type Event struct {
	ID         int64
	Kind       Kind
	OccurredAt time.Time
	ActorID    *int64
	// Audience are the users Tandem notified in-app of this change: the
	// people it concerns. Email goes to them, by their preferences.
	Audience []int64
	// Teams are the teams it concerns ("sales", "marketing", "service"):
	// a team's chat channel hears of it only then.
	Teams []string
	Data  json.RawMessage
}

// Lead is the payload of the lead.* kinds.
type Lead struct {
	ID          int64      `json:"id"`
	Company     string     `json:"company"`
	Contact     string     `json:"contact"`
	Stage       string     `json:"stage"`
	OwnerID     *int64     `json:"owner_id"`
	OwnerName   string     `json:"owner_name,omitempty"`
	ActorName   string     `json:"actor_name,omitempty"`
	Quality     int        `json:"quality,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	ValueCents  *int64     `json:"value_cents,omitempty"`
	Currency    string     `json:"currency,omitempty"`
	SLADeadline *time.Time `json:"sla_deadline,omitempty"`
	URL         string     `json:"url"`
}

// Campaign is the payload of the campaign.* kinds.
type Campaign struct {
	ID             int64  `json:"id"`
	Name           string `json:"name"`
	LaunchOn       string `json:"launch_on"` // YYYY-MM-DD
	EndOn          string `json:"end_on"`
	Revision       int    `json:"revision"`
	LateNotice     bool   `json:"late_notice"`
	TalkingPoints  string `json:"talking_points_excerpt"`
	URL            string `json:"url"`
	AcknowledgeURL string `json:"acknowledge_url"`
}

// Alert is the payload of alert.posted.
type Alert struct {
	ID       int64  `json:"id"`
	Headline string `json:"headline"`
	Product  string `json:"product"`
	Severity string `json:"severity"` // info, warning, critical
	Guidance string `json:"guidance_excerpt"`
	URL      string `json:"url"`
}

// Feedback is the payload of the feedback.* kinds.
type Feedback struct {
	ID       int64  `json:"id"`
	Summary  string `json:"summary"`
	Team     string `json:"team"` // the team that logged it
	Status   string `json:"status"`
	Response string `json:"response_excerpt,omitempty"`
	URL      string `json:"url"`
}

// Digest is the payload of digest.published.
type Digest struct {
	Week    string `json:"week"` // YYYY-Www
	Summary string `json:"summary"`
	URL     string `json:"url"`
}

// ErrGiveUp, wrapped in a Channel's Deliver error, stops the retries of
// that delivery (the destination refused it for good, or was disabled).
var ErrGiveUp = errors.New("give up")

// A Channel turns events into deliveries and makes them. Plan runs in the
// fan-out job's transaction and must be idempotent: a second Plan of the
// same event adds nothing (a UNIQUE (event, destination) constraint does
// it). Deliver makes one attempt; nil means delivered (or nothing left to
// do), an error wrapping ErrGiveUp means never again, any other error
// means try again later with backoff.
type Channel interface {
	Name() string
	Plan(ctx context.Context, tx pgx.Tx, ev Event) (deliveryIDs []int64, err error)
	Deliver(ctx context.Context, deliveryID int64, attempt int) error
}

// Enqueuer puts a planned delivery on the job queue, in tx, so the job
// exists exactly when the delivery row does. The job system implements it;
// a channel's "redeliver" uses it.
type Enqueuer interface {
	EnqueueDelivery(ctx context.Context, tx pgx.Tx, channel string, deliveryID int64) error
}

// FanOutArgs is the job that hands one recorded event to every channel.
type FanOutArgs struct {
	EventID int64 `json:"event_id"`
}

// Kind is the job's name in River's table.
func (FanOutArgs) Kind() string { return "event_fan_out" }

// Change is what a domain package records: the kind, who made it, whom it
// concerns and the kind's payload (Lead, Campaign, Alert, Feedback or
// Digest). The payload's url fields may be paths ("/leads/7"): they are
// made absolute when the event is fanned out.
type Change struct {
	Kind     Kind
	ActorID  *int64
	Audience []int64  // users notified in-app of the change
	Teams    []string // teams it concerns
	Payload  any
}

// Record stores the change as an event in tx, with the job that fans it
// out, so the event and its deliveries exist exactly when the change does.
// It returns the event's id.
func Record(ctx context.Context, tx pgx.Tx, c Change) (int64, error) {
	if !c.Kind.Valid() {
		return 0, fmt.Errorf("record event: unknown kind %q", c.Kind)
	}
	data, err := json.Marshal(c.Payload)
	if err != nil {
		return 0, fmt.Errorf("record %s: %w", c.Kind, err)
	}
	audience, teams := c.Audience, c.Teams
	if audience == nil {
		audience = []int64{}
	}
	if teams == nil {
		teams = []string{}
	}
	var id int64
	err = tx.QueryRow(ctx, `
		INSERT INTO events (kind, actor_id, audience, teams, data)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, c.Kind, c.ActorID, audience, teams, data).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("record %s: %w", c.Kind, err)
	}
	if _, err := queue.Insert(ctx, tx, FanOutArgs{EventID: id}, nil); err != nil {
		return 0, err
	}
	return id, nil
}
