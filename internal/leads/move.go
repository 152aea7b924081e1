package leads

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"tandem/internal/refusal"
	"tandem/internal/routing"
	"tandem/internal/users"
)

// Move is a requested stage change with what it needs. Each user action
// (qualify, hand off, accept, …) fills the fields its form has.
type Move struct {
	To      Stage
	Rating  int     // accept, reject: 1–5
	Reason  Reason  // reject
	Note    string  // handoff note, rejection note ("other" needs one), any comment
	Value   float64 // won: deal value
	OwnerID int64   // handoff: the rep (0 leaves it for a sales manager)
	// Route hands off to the routing rules: they choose the rep (OwnerID
	// is then ignored) in the handoff's transaction.
	Route bool
	Lost  string // lost: the reason in words
	// Unread names the fields the form sent that could not be read (a deal
	// value that is not a number, an owner that is not an id), with what to
	// change. They are reported with the move's own checks once the move is
	// allowed, and their message wins over the check's for the same field.
	Unread FieldErrors
	// routed is what the rules chose, once Apply has asked them.
	routed *routing.Decision
	// due is the follow-up deadline of a handoff, once Apply computed it.
	due time.Time
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
	if _, set := errs["note"]; !set && tooLong(strings.TrimSpace(m.Note), MaxNote) {
		errs["note"] = fmt.Sprintf("Keep the note under %d characters.", MaxNote)
	}
	if _, set := errs["lost"]; !set && tooLong(strings.TrimSpace(m.Lost), MaxLost) {
		errs["lost"] = fmt.Sprintf("Keep the reason under %d characters.", MaxLost)
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
