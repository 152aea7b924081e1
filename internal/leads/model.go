// Package leads owns the lead lifecycle: marketing qualifies and hands leads
// off, sales accepts or rejects them with a quality rating and works them to
// won or lost, and every move lands on the lead's timeline.
package leads

import (
	"fmt"
	"math"
	"strings"
	"time"

	"tandem/internal/refusal"
	"tandem/internal/users"
	"tandem/internal/validate"
)

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
	SLADueAt         *time.Time `db:"sla_due_at"`
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

// SLAState is the follow-up clock as of now, judged against the deadline
// stored at handoff (internal/sla computed it, in elapsed or business
// hours); timezones only change how it is displayed.
func (l Lead) SLAState(now time.Time) SLA {
	if l.HandedOffAt == nil || l.SLADueAt == nil {
		return SLA{}
	}
	s := SLA{Applies: true, Deadline: *l.SLADueAt}
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
	if tooLong(raw, MaxDealValueText) {
		return 0, fmt.Sprintf("Keep the deal value under %d characters, like 12500.50.", MaxDealValueText)
	}
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
	} else if tooLong(n.Company, MaxCompany) {
		errs["company"] = fmt.Sprintf("Keep the company name under %d characters.", MaxCompany)
	}
	if n.ContactName == "" {
		errs["contact_name"] = "Enter the contact's name."
	} else if tooLong(n.ContactName, MaxContactName) {
		errs["contact_name"] = fmt.Sprintf("Keep the contact's name under %d characters.", MaxContactName)
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
	if tooLong(n.Phone, MaxPhone) {
		errs["phone"] = fmt.Sprintf("Keep the phone number under %d characters.", MaxPhone)
	}
	if tooLong(n.Title, MaxTitle) {
		errs["title"] = fmt.Sprintf("Keep the job title under %d characters.", MaxTitle)
	}
	if tooLong(n.Country, MaxCountry) {
		errs["country"] = fmt.Sprintf("Keep the country under %d characters.", MaxCountry)
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}
