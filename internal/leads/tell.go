package leads

import (
	"context"
	"math"

	"github.com/jackc/pgx/v5"

	"tandem/internal/events"
	"tandem/internal/settings"
	"tandem/internal/users"
)

// Teams that hear of each lead event: docs/outbound.md's table.
var leadTeams = map[events.Kind][]string{
	events.LeadHandedOff: {"sales", "marketing"},
	events.LeadAssigned:  {"sales"},
	events.LeadAccepted:  {"marketing", "sales"},
	events.LeadRejected:  {"marketing", "sales"},
	events.LeadWon:       {"sales", "marketing"},
	events.LeadLost:      {"sales", "marketing"},
	events.SLAWarning:    {"sales"},
	events.SLABreached:   {"sales"},
}

// moveKinds are the moves worth telling outside Tandem.
var moveKinds = map[Stage]events.Kind{
	HandedOff: events.LeadHandedOff,
	Accepted:  events.LeadAccepted,
	Rejected:  events.LeadRejected,
	Won:       events.LeadWon,
	Lost:      events.LeadLost,
}

// tell records kind for lead id as it stands in tx, after the change:
// the people notified in Tandem are its audience.
func tell(ctx context.Context, tx pgx.Tx, kind events.Kind, id int64, by *users.User, audience []int64) error {
	l, err := getLead(ctx, tx, `SELECT `+leadColumns+` `+leadFrom+` WHERE l.id = $1`, id)
	if err != nil {
		return err
	}
	st, err := settings.Load(ctx, tx)
	if err != nil {
		return err
	}
	p := events.Lead{
		ID: l.ID, Company: l.Company, Contact: l.ContactName, Stage: string(l.Stage),
		OwnerID: l.OwnerID, OwnerName: l.OwnerName, URL: Link(l.ID),
	}
	if l.QualityRating != nil {
		p.Quality = *l.QualityRating
	}
	switch kind {
	case events.LeadRejected:
		if l.RejectionReason != nil {
			p.Reason = l.RejectionReason.Label()
		}
	case events.LeadLost:
		p.Reason = l.LostReason
	}
	if l.DealValue != nil {
		cents := int64(math.Round(*l.DealValue * 100))
		p.ValueCents, p.Currency = &cents, st.Currency
	}
	// The follow-up clock runs until the first touch, through acceptance
	// (the SLA scan's rule).
	if l.SLADueAt != nil && l.FirstTouchAt == nil && (l.Stage == HandedOff || l.Stage == Accepted) {
		deadline := l.SLADueAt.UTC()
		p.SLADeadline = &deadline
	}
	var actor *int64
	if by != nil {
		actor, p.ActorName = &by.ID, by.Name
	}
	_, err = events.Record(ctx, tx, events.Change{
		Kind: kind, ActorID: actor, Audience: audience, Teams: leadTeams[kind], Payload: p,
	})
	return err
}
