package intake

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"tandem/internal/campaigns"
	"tandem/internal/db"
	"tandem/internal/leads"
)

// Submit takes one submission that passed the source's checks (signature,
// rate limit): it creates a lead in the source's landing stage, or, when a
// lead has the email already (case-insensitive), adds an intake event to
// that lead's timeline instead, and logs the outcome in the same
// transaction. Refused fields are logged too and come back in the Result
// (with a nil error).
//
// A repeat submission is an event, not a touch: a touch is sales following
// up and stops the SLA clock, which a prospect filling in a form again must
// not do.
func (s *Store) Submit(ctx context.Context, src Source, via Via, f Fields) (Result, error) {
	in := src.lead(f)
	if p := src.problems(in); p != nil {
		r := Result{Outcome: Refused, Reason: reasonOf(p), Problems: p}
		return r, logSubmission(ctx, s.pool, src, via, Refused, r.Reason, 0, 0, f)
	}
	utm := utmOf(f)
	var res Result
	err := db.InTxRetry(ctx, s.pool, func(tx pgx.Tx) error {
		campaignID, err := attribute(ctx, tx, src, utm.Campaign)
		if err != nil {
			return err
		}
		var id int64
		var version int
		err = tx.QueryRow(ctx, `SELECT id, version FROM leads WHERE lower(email) = lower($1) FOR UPDATE`, in.Email).
			Scan(&id, &version)
		switch {
		case err == nil:
			if _, err := tx.Exec(ctx, `INSERT INTO lead_events (lead_id, actor_label, kind, note, version)
				VALUES ($1, $2, 'intake', $3, $4)`, id, src.ActorLabel(), src.note(f, true), version); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE leads SET updated_at = now() WHERE id = $1`, id); err != nil {
				return err
			}
			res = Result{Outcome: Merged, LeadID: id}
			return logSubmission(ctx, tx, src, via, Merged, fmt.Sprintf("same email as lead %d", id), id, campaignID, f)
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO leads (company, contact_name, email, phone, title, country,
				source_campaign_id, stage, mql_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8 = 'mql' THEN now() END) RETURNING id`,
			in.Company, in.ContactName, in.Email, in.Phone, in.Title, in.Country, campaignArg(campaignID),
			src.LandingStage).Scan(&id)
		if db.IsUniqueViolation(err, "leads_email_key") {
			return db.ErrRetryTx // a concurrent submission created it: merge into it
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO lead_events (lead_id, actor_label, kind, to_stage, note)
			VALUES ($1, $2, 'created', $3, $4)`, id, src.ActorLabel(), src.LandingStage, src.note(f, false)); err != nil {
			return err
		}
		res = Result{Outcome: Created, LeadID: id}
		return logSubmission(ctx, tx, src, via, Created, "", id, campaignID, f)
	})
	return res, err
}

// attribute is the campaign of a submission: the one whose key matches
// utm_campaign (case-insensitive), else the source's default, else none.
func attribute(ctx context.Context, q db.DBTX, src Source, utmCampaign string) (int64, error) {
	if key := campaigns.KeyOf(utmCampaign); key != "" {
		var id int64
		err := q.QueryRow(ctx, `SELECT id FROM campaigns WHERE key = $1`, key).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, err
		}
	}
	if src.DefaultCampaignID != nil {
		return *src.DefaultCampaignID, nil
	}
	return 0, nil
}

// Stage is the landing stage as the domain's type.
func (s Source) Stage() leads.Stage { return leads.Stage(s.LandingStage) }
