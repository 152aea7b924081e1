package feedback

import (
	"context"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/format"
)

// excerpt is how much of the customer's words and the response an event
// carries; the rest is on the item's page.
const excerpt = 300

// tell records kind for item id as it stands in tx, after the change;
// audience are the people told of it in Tandem.
func tell(ctx context.Context, tx pgx.Tx, kind events.Kind, id, by int64, audience []int64) error {
	it, err := db.QueryOne[Item](ctx, tx, `SELECT `+itemColumns+itemFrom+` WHERE f.id = $1`, id)
	if err != nil {
		return err
	}
	reporters := string(it.ReporterTeam)
	teams := []string{reporters}
	switch kind {
	case events.FeedbackLogged:
		teams = []string{"marketing"}
	case events.FeedbackActedOn:
		if reporters != "marketing" {
			teams = append(teams, "marketing")
		}
	}
	_, err = events.Record(ctx, tx, events.Change{
		Kind: kind, ActorID: &by, Audience: audience, Teams: teams,
		Payload: events.Feedback{
			ID: it.ID, Summary: it.Customer + ": " + format.Excerpt(it.CustomerWords, excerpt),
			Team: reporters, Status: string(it.Status), Response: format.Excerpt(it.Response, excerpt), URL: Link(id),
		},
	})
	return err
}

// marketers are the active members of marketing, who triage feedback.
func marketers(ctx context.Context, tx pgx.Tx) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE active AND team = 'marketing' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}
