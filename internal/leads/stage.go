package leads

import (
	"strings"

	"tandem/internal/enum"
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
func (s Stage) Valid() bool { return enum.Valid(Stages, s) }

var stageLabels = enum.Labels[Stage]{
	New: "New", MQL: "MQL", HandedOff: "Handed off", Accepted: "Accepted", Rejected: "Rejected",
	Recycled: "Recycled", Opportunity: "Opportunity", Won: "Won", Lost: "Lost",
}

// Label is the stage's display name.
func (s Stage) Label() string { return stageLabels.Of(s) }

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

var reasonLabels = enum.Labels[Reason]{
	"not_icp": "Not our customer profile", "no_budget": "No budget or authority", "duplicate": "Duplicate",
	"bad_contact": "Bad contact data", "bad_timing": "Bad timing",
	"competitor_or_student": "Competitor or student", "other": "Other",
}

// Label is the reason's display text.
func (r Reason) Label() string { return reasonLabels.Of(r) }

// Valid reports whether r is a known reason.
func (r Reason) Valid() bool { return enum.Valid(Reasons, r) }

// TouchKinds are the ways a rep follows up.
var TouchKinds = []string{"call", "email", "meeting", "note"}
