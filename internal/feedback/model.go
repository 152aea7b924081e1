// Package feedback is the customer feedback loop: what sales and service
// (and marketing) hear from customers, the colleagues who heard it too, and
// marketing's triage with a response at every step that the reporter rates.
package feedback

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"tandem/internal/users"
	"tandem/internal/validate"
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
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Open reports whether the item still waits for marketing to act.
func (s Status) Open() bool { return s == New || s == Acknowledged || s == Planned }

// Label is the status as people say it.
func (s Status) Label() string {
	switch s {
	case New:
		return "New"
	case Acknowledged:
		return "Acknowledged"
	case Planned:
		return "Planned"
	case ActedOn:
		return "Acted on"
	case Declined:
		return "Declined"
	}
	return string(s)
}

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
func (s Sentiment) Valid() bool { return slices.Contains(Sentiments, s) }

// Label is the sentiment for display.
func (s Sentiment) Label() string {
	switch s {
	case Negative:
		return "Negative"
	case Neutral:
		return "Neutral"
	case Positive:
		return "Positive"
	}
	return string(s)
}

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
func (c ChainLink) Valid() bool { return slices.Contains(ChainLinks, c) }

// Label is the link's name.
func (c ChainLink) Label() string {
	switch c {
	case Promise:
		return "Promise"
	case Expectation:
		return "Expectation"
	case Experience:
		return "Experience"
	}
	return string(c)
}

// Explain says what the link means, for forms and legends.
func (c ChainLink) Explain() string {
	switch c {
	case Promise:
		return "what marketing said"
	case Expectation:
		return "what sales set up"
	case Experience:
		return "what the customer got"
	}
	return ""
}

// CanTriage reports whether u may move items through triage, assign owners
// and merge duplicates: marketing (any role) and every manager and admin.
func CanTriage(u users.User) bool { return u.Team == users.Marketing || u.IsManager() }

// CanOwn reports whether u may be an item's owner: an active marketer.
func CanOwn(u users.User) bool { return u.Active && u.Team == users.Marketing }

// Errors callers branch on. The HTTP layer maps the first two to 403.
var (
	ErrNotTriager  = errors.New("only marketing, managers and admins triage feedback")
	ErrNotReporter = errors.New("only the reporter rates the response")
	ErrNoResponse  = errors.New("the item has no response to rate yet")
	ErrMerged      = errors.New("the item was merged into another one")
	ErrOwnItem     = errors.New("the reporter cannot add a +1 to their own item")
	ErrHeardBefore = errors.New("this user added a +1 already")
)

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

// FieldErrors is the shared field-to-message map of refused input.
type FieldErrors = validate.FieldErrors

// Text limits, the same as the table's checks.
const (
	MaxCustomer = 200
	MaxProduct  = 100
	MaxText     = 4000
	MaxTheme    = 80
	MaxThemeDoc = 300
)

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// Input is a new item as typed into the form: strings, so a refused form
// comes back exactly as the user left it.
type Input struct {
	Customer  string
	Lead      string // lead id, optional
	Campaign  string // campaign id, optional
	Product   string
	Theme     string // theme id
	Sentiment string
	ChainLink string
	Words     string // the customer's own words
	Note      string // the reporter's note
}

// parsed is Input after validation.
type parsed struct {
	Customer   string
	LeadID     *int64
	CampaignID *int64
	Product    string
	ThemeID    int64
	Sentiment  Sentiment
	ChainLink  ChainLink
	Words      string
	Note       string
}

// Normalize trims the input.
func (in *Input) Normalize() {
	for _, f := range []*string{&in.Customer, &in.Lead, &in.Campaign, &in.Product, &in.Theme,
		&in.Sentiment, &in.ChainLink, &in.Words, &in.Note} {
		*f = strings.TrimSpace(*f)
	}
	in.Lead = strings.TrimPrefix(in.Lead, "#")
	in.Campaign = strings.TrimPrefix(in.Campaign, "#")
}

// validate checks the input field by field; references to other rows
// (theme, lead, campaign) are checked against the database by the store.
func (in Input) validate() (parsed, FieldErrors) {
	errs := FieldErrors{}
	p := parsed{Customer: in.Customer, Product: in.Product, Sentiment: Sentiment(in.Sentiment),
		ChainLink: ChainLink(in.ChainLink), Words: in.Words, Note: in.Note}
	switch {
	case in.Customer == "":
		errs["customer"] = "Enter the customer (company) the feedback came from."
	case tooLong(in.Customer, MaxCustomer):
		errs["customer"] = fmt.Sprintf("Keep the customer name under %d characters.", MaxCustomer)
	}
	switch {
	case in.Product == "":
		errs["product"] = "Enter the product the feedback is about."
	case tooLong(in.Product, MaxProduct):
		errs["product"] = fmt.Sprintf("Keep the product name under %d characters.", MaxProduct)
	}
	if id, ok := ParseID(in.Theme); ok {
		p.ThemeID = id
	} else {
		errs["theme"] = "Choose a theme."
	}
	if !p.Sentiment.Valid() {
		errs["sentiment"] = "Choose how the customer felt: negative, neutral or positive."
	}
	if !p.ChainLink.Valid() {
		errs["chain_link"] = "Choose the link of the chain: promise, expectation or experience."
	}
	switch {
	case in.Words == "":
		errs["words"] = "Write down what the customer said, in their own words."
	case tooLong(in.Words, MaxText):
		errs["words"] = fmt.Sprintf("Keep the customer's words under %d characters.", MaxText)
	}
	if tooLong(in.Note, MaxText) {
		errs["note"] = fmt.Sprintf("Keep your note under %d characters.", MaxText)
	}
	if in.Lead != "" {
		if id, ok := ParseID(in.Lead); ok {
			p.LeadID = &id
		} else {
			errs["lead"] = "Enter the lead's number (e.g. 1042), or leave it empty."
		}
	}
	if in.Campaign != "" {
		if id, ok := ParseID(in.Campaign); ok {
			p.CampaignID = &id
		} else {
			errs["campaign"] = "Enter the campaign's number (e.g. 12), or leave it empty."
		}
	}
	if len(errs) > 0 {
		return p, errs
	}
	return p, nil
}

// ParseID reads a positive id.
func ParseID(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n > 0
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

// Theme is one entry of the managed theme list.
type Theme struct {
	ID          int64
	Name        string
	Description string
	Active      bool
	Version     int
	Items       int // items filed under it, merged ones excluded
}

// ThemeInput is a theme as typed into the admin form.
type ThemeInput struct {
	Name        string
	Description string
	Active      bool
}

func (in *ThemeInput) normalize() {
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	in.Description = strings.TrimSpace(in.Description)
}

func (in ThemeInput) validate() FieldErrors {
	errs := FieldErrors{}
	switch {
	case in.Name == "":
		errs["name"] = "Enter the theme's name."
	case tooLong(in.Name, MaxTheme):
		errs["name"] = fmt.Sprintf("Keep the name under %d characters.", MaxTheme)
	}
	if tooLong(in.Description, MaxThemeDoc) {
		errs["description"] = fmt.Sprintf("Keep the description under %d characters.", MaxThemeDoc)
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Person is someone an item can be assigned to.
type Person struct {
	ID   int64
	Name string
}
