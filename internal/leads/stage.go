package leads

import (
	"slices"
	"strings"
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
