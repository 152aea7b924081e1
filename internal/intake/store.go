package intake

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
)

// Store reads and writes intake sources and their submissions.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

const sourceColumns = `s.id, s.name, s.slug, s.default_campaign_id, coalesce(c.name, '') AS default_campaign,
	s.landing_stage, s.map_company, s.map_contact_name, s.map_email, s.map_phone, s.map_title, s.map_country,
	s.map_note, s.allow_forms, s.thank_you_url, s.secret, s.enabled, s.rate_per_minute, s.created_at,
	s.secret_rotated_at, s.updated_at, s.version`

const sourceFrom = ` FROM intake_sources s LEFT JOIN campaigns c ON c.id = s.default_campaign_id`

var slugTaken = FieldErrors{"slug": "Another source uses this slug already; each source needs its own address."}

// ErrGone refuses a submission to a disabled source.
var ErrGone = errors.New("intake source disabled")

// List returns every source, by name.
func (s *Store) List(ctx context.Context) ([]Source, error) {
	return db.QueryAll[Source](ctx, s.pool, `SELECT `+sourceColumns+`,
		(SELECT count(*) FROM intake_submissions x WHERE x.source_id = s.id)::int AS submissions`+sourceFrom+`
		ORDER BY lower(s.name), s.id`)
}

// Get returns the source with id.
func (s *Store) Get(ctx context.Context, id int64) (Source, error) {
	return db.QueryOne[Source](ctx, s.pool, `SELECT `+sourceColumns+`, 0 AS submissions`+sourceFrom+` WHERE s.id = $1`, id)
}

// BySlug returns the source of a public endpoint: db.ErrNotFound for an
// unknown slug, ErrGone for a disabled source.
func (s *Store) BySlug(ctx context.Context, slug string) (Source, error) {
	src, err := db.QueryOne[Source](ctx, s.pool, `SELECT `+sourceColumns+`, 0 AS submissions`+sourceFrom+` WHERE s.slug = $1`, slug)
	if err == nil && !src.Enabled {
		return src, ErrGone
	}
	return src, err
}

// checkCampaign refuses a default campaign that does not exist.
func checkCampaign(ctx context.Context, q db.DBTX, id int64, errs FieldErrors) error {
	if id == 0 {
		return nil
	}
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = $1)`, id).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		errs["default_campaign"] = "That campaign does not exist (any more); choose one from the list."
	}
	return nil
}

func campaignArg(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// Create stores a new source with a fresh secret, returned once in the
// source.
func (s *Store) Create(ctx context.Context, by int64, f Form) (Source, error) {
	in, errs := f.parse()
	if errs == nil {
		errs = FieldErrors{}
	}
	secret := NewSecret()
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := checkCampaign(ctx, tx, in.campaignID, errs); err != nil {
			return err
		}
		if len(errs) > 0 {
			return errs
		}
		err := tx.QueryRow(ctx, `INSERT INTO intake_sources (name, slug, default_campaign_id, landing_stage,
				map_company, map_contact_name, map_email, map_phone, map_title, map_country, map_note,
				allow_forms, thank_you_url, secret, enabled, rate_per_minute, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
			in.Name, in.Slug, campaignArg(in.campaignID), in.LandingStage, in.MapCompany, in.MapContactName,
			in.MapEmail, in.MapPhone, in.MapTitle, in.MapCountry, in.MapNote, in.AllowForms, in.ThankYouURL,
			secret, in.Enabled, in.RatePerMinute, by).Scan(&id)
		if db.IsUniqueViolation(err, "intake_sources_slug_key") {
			return slugTaken
		}
		if err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "intake_source", id)
	})
	if err != nil {
		return Source{}, err
	}
	return s.Get(ctx, id)
}

// Update saves an edit of the source's settings made on version.
func (s *Store) Update(ctx context.Context, id int64, version int, f Form) (Source, error) {
	in, errs := f.parse()
	if errs == nil {
		errs = FieldErrors{}
	}
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := checkCampaign(ctx, tx, in.campaignID, errs); err != nil {
			return err
		}
		if len(errs) > 0 {
			return errs
		}
		tag, err := tx.Exec(ctx, `UPDATE intake_sources SET name = $3, slug = $4, default_campaign_id = $5,
				landing_stage = $6, map_company = $7, map_contact_name = $8, map_email = $9, map_phone = $10,
				map_title = $11, map_country = $12, map_note = $13, allow_forms = $14, thank_you_url = $15,
				enabled = $16, rate_per_minute = $17, updated_at = now(), version = version + 1
			WHERE id = $1 AND version = $2`,
			id, version, in.Name, in.Slug, campaignArg(in.campaignID), in.LandingStage, in.MapCompany,
			in.MapContactName, in.MapEmail, in.MapPhone, in.MapTitle, in.MapCountry, in.MapNote, in.AllowForms,
			in.ThankYouURL, in.Enabled, in.RatePerMinute)
		if db.IsUniqueViolation(err, "intake_sources_slug_key") {
			return slugTaken
		}
		if err != nil {
			return err
		}
		return versionChecked(ctx, tx, tag.RowsAffected(), id)
	})
	if err != nil {
		return Source{}, err
	}
	return s.Get(ctx, id)
}

// versionChecked turns an update that matched no row into db.ErrNotFound
// (no such source) or db.ErrConflict (a newer version).
func versionChecked(ctx context.Context, q db.DBTX, affected int64, id int64) error {
	if affected == 1 {
		return nil
	}
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM intake_sources WHERE id = $1)`, id).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return db.ErrNotFound
	}
	return db.ErrConflict
}

// RotateSecret replaces the source's secret and returns the new one, to
// show once. Webhooks signed with the old secret are refused from now on.
func (s *Store) RotateSecret(ctx context.Context, id int64, version int) (string, error) {
	secret := NewSecret()
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE intake_sources SET secret = $3, secret_rotated_at = now(), updated_at = now(),
			version = version + 1 WHERE id = $1 AND version = $2`, id, version, secret)
		if err != nil {
			return err
		}
		return versionChecked(ctx, tx, tag.RowsAffected(), id)
	})
	return secret, err
}

const submissionColumns = `x.id, x.source_id, s.name AS source_name, x.at, x.via, x.outcome, x.reason, x.lead_id,
	x.email, x.company, x.campaign_id, coalesce(c.name, '') AS campaign,
	x.utm_source, x.utm_medium, x.utm_campaign, x.utm_content, x.utm_term`

const submissionFrom = ` FROM intake_submissions x JOIN intake_sources s ON s.id = x.source_id
	LEFT JOIN campaigns c ON c.id = x.campaign_id`

// Log returns the source's submissions newest first, LogPage at a time,
// before the submission with id before (0: from the newest); more says
// whether older ones remain.
func (s *Store) Log(ctx context.Context, sourceID, before int64) (page []Submission, more bool, err error) {
	rows, err := db.QueryAll[Submission](ctx, s.pool, `SELECT `+submissionColumns+submissionFrom+`
		WHERE x.source_id = $1 AND ($2 = 0 OR x.id < $2) ORDER BY x.id DESC LIMIT $3`, sourceID, before, LogPage+1)
	if err != nil {
		return nil, false, err
	}
	if len(rows) > LogPage {
		return rows[:LogPage], true, nil
	}
	return rows, false, nil
}

// ForLead returns the submissions that created or merged into the lead,
// oldest first, so the lead's page shows where it came from with its UTM
// parameters.
func (s *Store) ForLead(ctx context.Context, leadID int64) ([]Submission, error) {
	return db.QueryAll[Submission](ctx, s.pool, `SELECT `+submissionColumns+submissionFrom+`
		WHERE x.lead_id = $1 ORDER BY x.id LIMIT 100`, leadID)
}

// Allow counts a submission against the source's per-minute limit, in
// PostgreSQL so every instance shares it. When the limit is reached it
// returns how long until the next minute starts.
func (s *Store) Allow(ctx context.Context, src Source, now time.Time) (retryAfter time.Duration, err error) {
	window := now.UTC().Truncate(time.Minute)
	var n int
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO intake_rate (source_id, window_start, n) VALUES ($1, $2, 1)
			ON CONFLICT (source_id, window_start) DO UPDATE SET n = intake_rate.n + 1 RETURNING n`,
			src.ID, window).Scan(&n); err != nil {
			return err
		}
		if n == 1 { // a new window: forget the old ones
			_, err := tx.Exec(ctx, `DELETE FROM intake_rate WHERE source_id = $1 AND window_start < $2`, src.ID, window)
			return err
		}
		return nil
	})
	if err != nil || n <= src.RatePerMinute {
		return 0, err
	}
	return window.Add(time.Minute).Sub(now), nil
}

// Refuse logs a refused submission (a bad signature, a form post to a
// webhook-only source, a filled honeypot) with what is known of it.
func (s *Store) Refuse(ctx context.Context, src Source, via Via, reason string, f Fields) error {
	return logSubmission(ctx, s.pool, src, via, Refused, reason, 0, 0, f)
}

func logSubmission(ctx context.Context, q db.DBTX, src Source, via Via, o Outcome, reason string,
	leadID, campaignID int64, f Fields) error {
	utm := utmOf(f)
	in := src.lead(f)
	cut := func(s string, n int) string {
		if r := []rune(s); len(r) > n {
			return string(r[:n])
		}
		return s
	}
	_, err := q.Exec(ctx, `INSERT INTO intake_submissions (source_id, via, outcome, reason, lead_id, email, company,
			campaign_id, utm_source, utm_medium, utm_campaign, utm_content, utm_term)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		src.ID, via, o, cut(reason, 2000), campaignArg(leadID), cut(in.Email, 254), cut(in.Company, 200),
		campaignArg(campaignID), utm.Source, utm.Medium, utm.Campaign, utm.Content, utm.Term)
	return err
}
