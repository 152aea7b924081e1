// Package leads owns the lead lifecycle: marketing qualifies and hands leads
// off, sales accepts or rejects them with a quality rating and works them to
// won or lost, and every move lands on the lead's timeline.
package leads

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"tandem/internal/refusal"
	"tandem/internal/users"
	"tandem/internal/validate"
)

// Stage is where a lead is in its life.
type Stage string

const (
	New         Stage = "new"
	MQL         Stage = "mql"
	HandedOff   Stage = "handed_off"
	Accepted    Stage = "accepted"
	Rejected    Stage = "rejected"
	Recycled    Stage = "recycled"
	Opportunity Stage = "opportunity"
	Won         Stage = "won"
	Lost        Stage = "lost"
)

// Stages lists every stage in lifecycle order.
var Stages = []Stage{New, MQL, HandedOff, Accepted, Rejected, Recycled, Opportunity, Won, Lost}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool { return slices.Contains(Stages, s) }

// Label is the stage's display name.
func (s Stage) Label() string {
	switch s {
	case New:
		return "New"
	case MQL:
		return "MQL"
	case HandedOff:
		return "Handed off"
	case Accepted:
		return "Accepted"
	case Rejected:
		return "Rejected"
	case Recycled:
		return "Recycled"
	case Opportunity:
		return "Opportunity"
	case Won:
		return "Won"
	case Lost:
		return "Lost"
	}
	return string(s)
}

// InSentence is the stage's label as it reads inside a sentence ("a lead
// that is handed off"): lower case, but an acronym stays as people write it.
func (s Stage) InSentence() string {
	if s == MQL {
		return "MQL"
	}
	return strings.ToLower(s.Label())
}

// Reason is why sales rejected a lead.
type Reason string

// Rejection reasons, as PRODUCT.md lists them.
var Reasons = []Reason{"not_icp", "no_budget", "duplicate", "bad_contact", "bad_timing", "competitor_or_student", "other"}

// Label is the reason's display text.
func (r Reason) Label() string {
	switch r {
	case "not_icp":
		return "Not our customer profile"
	case "no_budget":
		return "No budget or authority"
	case "duplicate":
		return "Duplicate"
	case "bad_contact":
		return "Bad contact data"
	case "bad_timing":
		return "Bad timing"
	case "competitor_or_student":
		return "Competitor or student"
	case "other":
		return "Other"
	}
	return string(r)
}

// Valid reports whether r is a known reason.
func (r Reason) Valid() bool { return slices.Contains(Reasons, r) }

// TouchKinds are the ways a rep follows up.
var TouchKinds = []string{"call", "email", "meeting", "note"}

// Lead is one prospect.
type Lead struct {
	ID               int64      `db:"id"`
	Company          string     `db:"company"`
	ContactName      string     `db:"contact_name"`
	Email            string     `db:"email"`
	Phone            string     `db:"phone"`
	Title            string     `db:"title"`
	Country          string     `db:"country"`
	SourceCampaignID *int64     `db:"source_campaign_id"`
	SourceCampaign   string     `db:"source_campaign"` // the campaign's name
	Fit              string     `db:"fit"`
	Score            int        `db:"score"`
	OwnerID          *int64     `db:"owner_id"`
	OwnerName        string     `db:"owner_name"`
	Stage            Stage      `db:"stage"`
	DealValue        *float64   `db:"deal_value"`
	HandoffNote      string     `db:"handoff_note"`
	HandedOffBy      *int64     `db:"handed_off_by"`
	HandedOffByName  string     `db:"handed_off_by_name"`
	QualityRating    *int       `db:"quality_rating"`
	RejectionReason  *Reason    `db:"rejection_reason"`
	RejectionNote    string     `db:"rejection_note"`
	LostReason       string     `db:"lost_reason"`
	CreatedAt        time.Time  `db:"created_at"`
	MQLAt            *time.Time `db:"mql_at"`
	HandedOffAt      *time.Time `db:"handed_off_at"`
	FirstTouchAt     *time.Time `db:"first_touch_at"`
	AcceptedAt       *time.Time `db:"accepted_at"`
	RejectedAt       *time.Time `db:"rejected_at"`
	RecycledAt       *time.Time `db:"recycled_at"`
	OpportunityAt    *time.Time `db:"opportunity_at"`
	WonAt            *time.Time `db:"won_at"`
	LostAt           *time.Time `db:"lost_at"`
	UpdatedAt        time.Time  `db:"updated_at"`
	Version          int        `db:"version"`
}

// SLA is the state of a lead's follow-up clock.
type SLA struct {
	// Applies is false for leads that were never handed off.
	Applies  bool
	Deadline time.Time
	// Open: handed off or accepted and not touched yet.
	Open bool
	// Breached: open past the deadline, or first touched after it.
	Breached bool
}

// SLAState computes the follow-up clock. SLA hours are elapsed hours, not
// wall-clock hours: a 24-hour SLA across a DST change ends 24 real hours
// after the handoff, whatever the clocks on the wall say. Timezones only
// change how the deadline is displayed.
func (l Lead) SLAState(slaHours int, now time.Time) SLA {
	if l.HandedOffAt == nil {
		return SLA{}
	}
	s := SLA{Applies: true, Deadline: l.HandedOffAt.Add(time.Duration(slaHours) * time.Hour)}
	switch {
	case l.FirstTouchAt != nil:
		s.Breached = l.FirstTouchAt.After(s.Deadline)
	case l.Stage == HandedOff || l.Stage == Accepted:
		s.Open = true
		s.Breached = now.After(s.Deadline)
	default:
		// Moved on (rejected, say) without a touch: no clock to judge.
		return SLA{}
	}
	return s
}

// Move is a requested stage change with what it needs. Each user action
// (qualify, hand off, accept, …) fills the fields its form has.
type Move struct {
	To      Stage
	Rating  int     // accept, reject: 1–5
	Reason  Reason  // reject
	Note    string  // handoff note, rejection note ("other" needs one), any comment
	Value   float64 // won: deal value
	OwnerID int64   // handoff: the rep (0 leaves it for a sales manager)
	Lost    string  // lost: the reason in words
	// Unread names the fields the form sent that could not be read (a deal
	// value that is not a number, an owner that is not an id), with what to
	// change. They are reported with the move's own checks once the move is
	// allowed, and their message wins over the check's for the same field.
	Unread FieldErrors
}

// next lists the legal moves from each stage.
var next = map[Stage][]Stage{
	New:         {MQL},
	MQL:         {HandedOff},
	HandedOff:   {Accepted, Rejected},
	Accepted:    {Opportunity, Lost}, // lost: an accepted lead that went cold
	Rejected:    {Recycled},
	Recycled:    {MQL},
	Opportunity: {Won, Lost},
}

// Next returns the stages the lead may move to.
func (l Lead) Next() []Stage { return next[l.Stage] }

func isMarketing(u users.User) bool { return u.Team == users.Marketing || u.IsAdmin() }

// worksLead is the assigned rep or someone who may act for them.
func (l Lead) worksLead(u users.User) bool {
	return u.IsSalesManager() || u.Team == users.Sales && l.OwnerID != nil && *l.OwnerID == u.ID
}

// MayMove decides whether by may move the lead to stage to now, whatever
// the move's input: the move must be legal from the current stage (else an
// Invalid refusal saying why) and by must be allowed to make it (else a
// Forbidden refusal). The lead page shows the forms it allows; the action's
// POST is refused with its answer.
func (l Lead) MayMove(to Stage, by users.User) error {
	if !slices.Contains(next[l.Stage], to) {
		if len(next[l.Stage]) == 0 {
			return refusal.Invalidf(fmt.Sprintf("This lead is %s; it cannot move any further.", l.Stage.InSentence()))
		}
		return refusal.Invalidf(fmt.Sprintf("A lead that is %s cannot become %s.", l.Stage.InSentence(), to.InSentence()))
	}
	switch to {
	case MQL, HandedOff, Recycled:
		if !isMarketing(by) {
			return refusal.Forbid("Only marketing qualifies, hands off and recycles leads.")
		}
	case Accepted, Rejected, Opportunity, Won, Lost:
		if !l.worksLead(by) {
			if l.OwnerID == nil {
				return refusal.Forbid("This lead waits for a sales manager to assign it to a rep.")
			}
			return refusal.Forbid("Only the assigned rep or a sales manager can work this lead.")
		}
	}
	return nil
}

// Validate checks that the move carries what it needs, naming every field
// it still lacks (and every field its form could not read) so that one
// answer shows all of them. It says nothing about who may make the move:
// that is MayMove.
func (m Move) Validate() FieldErrors {
	errs := FieldErrors{}
	switch m.To {
	case HandedOff:
		if strings.TrimSpace(m.Note) == "" {
			errs["note"] = "Write a handoff note: why the lead qualifies and what the contact asked for."
		}
	case Accepted:
		if m.Rating < 1 || m.Rating > 5 {
			errs["rating"] = ratingMessage
		}
	case Rejected:
		if !m.Reason.Valid() {
			errs["reason"] = "Choose a rejection reason."
		}
		if m.Rating < 1 || m.Rating > 5 {
			errs["rating"] = ratingMessage
		}
		if m.Reason == "other" && strings.TrimSpace(m.Note) == "" {
			errs["note"] = "Say why, when the reason is \"Other\"."
		}
	case Won:
		// Written so that NaN fails it too: every comparison with NaN is false.
		if !(m.Value >= MinDealValue && m.Value <= MaxDealValue) {
			errs["value"] = dealValueMessage
		}
	case Lost:
		if strings.TrimSpace(m.Lost) == "" {
			errs["lost"] = "Say why the deal was lost."
		}
	}
	maps.Copy(errs, m.Unread)
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// Check decides whether by may make move m on the lead: MayMove first,
// then Validate. It returns nil, the refusal of MayMove, or FieldErrors.
func (l Lead) Check(m Move, by users.User) error {
	if err := l.MayMove(m.To, by); err != nil {
		return err
	}
	if errs := m.Validate(); errs != nil {
		return errs
	}
	return nil
}

const ratingMessage = "Rate the lead's quality from 1 to 5."

// MinDealValue and MaxDealValue bound a won deal's value: more than 0 in
// whole cents, and what numeric(14, 2) holds.
const (
	MinDealValue = 0.01
	MaxDealValue = 999_999_999_999.99
)

const dealValueMessage = "Enter the won deal's value: a plain number from 0.01 to 999,999,999,999.99, like 12500 or 12500.50."

// ParseDealValue reads a typed deal value; msg is for the user and empty
// when the value is fine.
func ParseDealValue(raw string) (value float64, msg string) {
	v, msg := validate.Number(raw, MinDealValue, MaxDealValue)
	switch {
	case msg == validate.CommaMessage:
		return 0, msg
	case msg != "":
		return 0, dealValueMessage
	case validate.Decimals(raw) > 2:
		// numeric(14, 2) would round 1.239 to 1.24 without a word.
		return 0, "Enter the value in whole cents: at most two decimals, like 12500.50."
	}
	return v, ""
}

const scoreMessage = "Score is a whole number from 0 to 100."

// ParseScore reads a typed score; blank is 0. msg is for the user and
// empty when the score is fine.
func ParseScore(raw string) (score int, msg string) {
	if strings.TrimSpace(raw) == "" {
		return 0, ""
	}
	v, msg := validate.Number(raw, 0, 100)
	if msg != "" || v != math.Trunc(v) {
		return 0, scoreMessage
	}
	return int(v), ""
}

// CanTouch reports whether by may log a touch on the lead now.
func (l Lead) CanTouch(by users.User) error {
	switch l.Stage {
	case HandedOff, Accepted, Opportunity:
	default:
		return refusal.Invalidf(fmt.Sprintf("Touches are logged on handed-off, accepted and opportunity leads; this one is %s.", l.Stage.InSentence()))
	}
	if !l.worksLead(by) {
		return refusal.Forbid("Only the assigned rep or a sales manager logs touches on this lead.")
	}
	return nil
}

// CanAssign reports whether by may (re)assign the lead to a rep.
func (l Lead) CanAssign(by users.User) error {
	if !by.IsSalesManager() {
		return refusal.Forbid("Only a sales manager assigns leads to reps.")
	}
	switch l.Stage {
	case HandedOff, Accepted, Opportunity:
		return nil
	}
	return refusal.Invalidf(fmt.Sprintf("Only handed-off, accepted and opportunity leads have a rep; this one is %s.", l.Stage.InSentence()))
}

// FieldErrors is the shared field-to-message map of refused input.
type FieldErrors = validate.FieldErrors

// NewLead is what a person types about a lead: when creating one by hand
// or by import, and when editing one.
type NewLead struct {
	Company     string
	ContactName string
	Email       string
	Phone       string
	Title       string
	Country     string
	Fit         string
	Score       int
	// SourceCampaignID is the campaign the lead came from; 0 for none.
	SourceCampaignID int64
}

// editableFields names each field an edit may change, in form order, with
// the words the timeline uses for it.
var editableFields = []struct {
	label   string
	current func(Lead) string
	typed   func(NewLead) string
}{
	{"company", func(l Lead) string { return l.Company }, func(n NewLead) string { return n.Company }},
	{"contact name", func(l Lead) string { return l.ContactName }, func(n NewLead) string { return n.ContactName }},
	{"email", func(l Lead) string { return l.Email }, func(n NewLead) string { return n.Email }},
	{"phone", func(l Lead) string { return l.Phone }, func(n NewLead) string { return n.Phone }},
	{"title", func(l Lead) string { return l.Title }, func(n NewLead) string { return n.Title }},
	{"country", func(l Lead) string { return l.Country }, func(n NewLead) string { return n.Country }},
	{"source campaign", func(l Lead) string {
		if l.SourceCampaignID == nil {
			return "0"
		}
		return fmt.Sprint(*l.SourceCampaignID)
	}, func(n NewLead) string { return fmt.Sprint(n.SourceCampaignID) }},
	{"fit", func(l Lead) string { return l.Fit }, func(n NewLead) string { return n.Fit }},
	{"score", func(l Lead) string { return fmt.Sprint(l.Score) }, func(n NewLead) string { return fmt.Sprint(n.Score) }},
}

// Changes lists the fields in (normalized) that differ from the lead, in
// form order, in words: "email", "source campaign".
func (l Lead) Changes(in NewLead) []string {
	var out []string
	for _, f := range editableFields {
		if f.current(l) != f.typed(in) {
			out = append(out, f.label)
		}
	}
	return out
}

// CanEdit reports whether by may edit the lead's contact fields, source
// campaign, fit and score: marketing (who owns the data), the rep who owns
// the lead, and sales managers and admins, at any stage.
func (l Lead) CanEdit(by users.User) error {
	if isMarketing(by) || l.worksLead(by) {
		return nil
	}
	return refusal.Forbid("Only marketing, the lead's rep and sales managers edit a lead.")
}

// Normalize trims every field and lower-cases the email.
func (n *NewLead) Normalize() {
	n.Company = strings.TrimSpace(n.Company)
	n.ContactName = strings.TrimSpace(n.ContactName)
	n.Email = strings.ToLower(strings.TrimSpace(n.Email))
	n.Phone = strings.TrimSpace(n.Phone)
	n.Title = strings.TrimSpace(n.Title)
	n.Country = strings.TrimSpace(n.Country)
	n.Fit = strings.ToLower(strings.TrimSpace(n.Fit))
}

// Validate checks the fields one by one.
func (n NewLead) Validate() FieldErrors {
	errs := FieldErrors{}
	if n.Company == "" {
		errs["company"] = "Enter the company."
	} else if len([]rune(n.Company)) > 200 {
		errs["company"] = "Keep the company under 200 characters."
	}
	if n.ContactName == "" {
		errs["contact_name"] = "Enter the contact's name."
	} else if len([]rune(n.ContactName)) > 200 {
		errs["contact_name"] = "Keep the name under 200 characters."
	}
	if msg := users.CheckEmail(n.Email); msg != "" {
		errs["email"] = msg
	}
	switch n.Fit {
	case "", "strong", "medium", "weak":
	default:
		errs["fit"] = "Fit is strong, medium or weak."
	}
	if n.Score < 0 || n.Score > 100 {
		errs["score"] = scoreMessage
	}
	if n.SourceCampaignID < 0 {
		errs["source_campaign"] = "Choose a campaign from the list."
	}
	for field, v := range map[string]string{"phone": n.Phone, "title": n.Title, "country": n.Country} {
		if len([]rune(v)) > 200 {
			errs[field] = "Keep this under 200 characters."
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// MovesFor lists the next stages u may move the lead to (what the move
// still needs is asked for by its form).
func (l Lead) MovesFor(u users.User) []Stage {
	var out []Stage
	for _, to := range next[l.Stage] {
		if l.MayMove(to, u) == nil {
			out = append(out, to)
		}
	}
	return out
}
