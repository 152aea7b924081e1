// Package feedback is the customer feedback loop: what sales and service
// (and marketing) hear from customers, the colleagues who heard it too, and
// marketing's triage with a response at every step that the reporter rates.
package feedback

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"tandem/internal/enum"
	"tandem/internal/users"
)

// Status is where an item is in triage.
type Status string

const (
	New          Status = "new"
	Acknowledged Status = "acknowledged"
	Planned      Status = "planned"
	ActedOn      Status = "acted_on"
	Declined     Status = "declined"
)

// Statuses lists the statuses in triage order.
var Statuses = []Status{New, Acknowledged, Planned, ActedOn, Declined}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return enum.Valid(Statuses, s) }

// Open reports whether the item still waits for marketing to act.
func (s Status) Open() bool { return s == New || s == Acknowledged || s == Planned }

var statusLabels = enum.Labels[Status]{
	New: "New", Acknowledged: "Acknowledged", Planned: "Planned", ActedOn: "Acted on", Declined: "Declined",
}

// Label is the status as people say it.
func (s Status) Label() string { return statusLabels.Of(s) }

// moves is the status machine. Triage moves forward and may skip steps (a
// quick fix goes from new straight to acted on); any move out of new
// acknowledges the item. A declined item can be reopened; acted on is final.
var moves = map[Status][]Status{
	New:          {Acknowledged, Planned, ActedOn, Declined},
	Acknowledged: {Planned, ActedOn, Declined},
	Planned:      {ActedOn, Declined},
	Declined:     {Acknowledged},
	ActedOn:      nil,
}

// Next lists the statuses an item in s may move to, in triage order.
func (s Status) Next() []Status { return moves[s] }

// CanMoveTo reports whether the status machine allows s → to.
func (s Status) CanMoveTo(to Status) bool { return slices.Contains(moves[s], to) }

// Sentiment is how the customer felt.
type Sentiment string

const (
	Negative Sentiment = "negative"
	Neutral  Sentiment = "neutral"
	Positive Sentiment = "positive"
)

// Sentiments lists the sentiments from worst to best.
var Sentiments = []Sentiment{Negative, Neutral, Positive}

// Valid reports whether s is a known sentiment.
func (s Sentiment) Valid() bool { return enum.Valid(Sentiments, s) }

var sentimentLabels = enum.Labels[Sentiment]{
	Negative: "Negative", Neutral: "Neutral", Positive: "Positive",
}

// Label is the sentiment for display.
func (s Sentiment) Label() string { return sentimentLabels.Of(s) }

// ChainLink is the link of the promise–expectation–experience chain the
// feedback concerns.
type ChainLink string

const (
	Promise     ChainLink = "promise"
	Expectation ChainLink = "expectation"
	Experience  ChainLink = "experience"
)

// ChainLinks lists the links in chain order.
var ChainLinks = []ChainLink{Promise, Expectation, Experience}

// Valid reports whether c is a known link.
func (c ChainLink) Valid() bool { return enum.Valid(ChainLinks, c) }

var chainLinkLabels = enum.Labels[ChainLink]{
	Promise: "Promise", Expectation: "Expectation", Experience: "Experience",
}

// Label is the link's name.
func (c ChainLink) Label() string { return chainLinkLabels.Of(c) }

var chainLinkExplains = map[ChainLink]string{
	Promise: "what marketing said", Expectation: "what sales set up", Experience: "what the customer got",
}

// Explain says what the link means, for forms and legends.
func (c ChainLink) Explain() string { return chainLinkExplains[c] }

// CanTriage reports whether u may move items through triage, assign owners
// and merge duplicates: marketing (any role) and every manager and admin.
func CanTriage(u users.User) bool { return u.Team == users.Marketing || u.IsManager() }

// CanOwn reports whether u may be an item's owner: an active marketer.
func CanOwn(u users.User) bool { return u.Active && u.Team == users.Marketing }

// CheckMove says whether u may move an item from one status to another:
// ErrNotTriager for people outside triage, FieldErrors for a move the
// status machine does not allow.
func CheckMove(u users.User, from, to Status) error {
	if !CanTriage(u) {
		return ErrNotTriager
	}
	if !to.Valid() {
		return FieldErrors{"status": "Choose the new status."}
	}
	if !from.CanMoveTo(to) {
		next := from.Next()
		if len(next) == 0 {
			return FieldErrors{"status": fmt.Sprintf("The item is %s; it cannot change status any more.", strings.ToLower(from.Label()))}
		}
		labels := make([]string, len(next))
		for i, s := range next {
			labels[i] = strings.ToLower(s.Label())
		}
		return FieldErrors{"status": fmt.Sprintf("An item that is %s can move to %s, not to %s.",
			strings.ToLower(from.Label()), strings.Join(labels, ", "), strings.ToLower(to.Label()))}
	}
	return nil
}

// Item is one piece of feedback with what the pages show about it.
type Item struct {
	ID             int64
	ReporterID     int64
	ReporterName   string
	ReporterTeam   users.Team
	Customer       string
	LeadID         *int64
	LeadCompany    string // empty when there is no lead
	CampaignID     *int64
	CampaignName   string // empty when there is no campaign
	Product        string
	ThemeID        int64
	ThemeName      string
	Sentiment      Sentiment
	ChainLink      ChainLink
	CustomerWords  string
	ReporterNote   string
	Status         Status
	StatusAt       time.Time
	OwnerID        *int64
	OwnerName      string
	Response       string
	RespondedAt    *time.Time
	RespondedName  string
	AcknowledgedAt *time.Time
	AckDueAt       time.Time
	Rating         *int16
	RatedAt        *time.Time
	MergedInto     *int64
	MergedAt       *time.Time
	CreatedAt      time.Time
	Version        int
	// Heard counts the +1s; Customers counts the distinct customers who
	// said it (this item's and the +1s').
	Heard     int
	Customers int
}

// Overdue reports whether the item waits too long for acknowledgement at now.
func (it Item) Overdue(now time.Time) bool {
	return it.AcknowledgedAt == nil && it.MergedInto == nil && now.After(it.AckDueAt)
}

// Heard is one colleague's "heard it too".
type Heard struct {
	ID         int64
	UserID     int64
	UserName   string
	UserTeam   users.Team
	Customer   string
	Note       string
	MergedFrom *int64
	CreatedAt  time.Time
}

// EventKind is what happened to an item.
type EventKind string

const (
	EventCreated    EventKind = "created"
	EventStatus     EventKind = "status"
	EventOwner      EventKind = "owner"
	EventRating     EventKind = "rating"
	EventMergedInto EventKind = "merged_into"
	EventMergedFrom EventKind = "merged_from"
)

// Event is one line of an item's history.
type Event struct {
	ID          int64
	At          time.Time
	ActorName   string
	Kind        EventKind
	FromStatus  *Status
	ToStatus    *Status
	Response    string
	OwnerName   string
	Rating      *int16
	OtherItemID *int64
}

// Person is someone an item can be assigned to.
type Person struct {
	ID   int64
	Name string
}
