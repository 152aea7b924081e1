package leads

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/cache"
	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/notifications"
	"tandem/internal/refusal"
	"tandem/internal/sla"
	"tandem/internal/users"
)

// Store reads and writes leads and their timelines.
type Store struct {
	pool *pgxpool.Pool
	// The maps below are set once Cache was called; every list page reads
	// the filter choices, and most read a page of leads and its stage counts.
	reps      *cache.Map[struct{}, []Rep]
	campaigns *cache.Map[struct{}, []CampaignChoice]
	pages     *cache.Map[Filter, Page]
	counts    *cache.Map[Filter, StageCounts]
	queues    *cache.Map[queueKey, []Lead]
	details   *cache.Map[int64, Detail]
}

// Cache keeps the lead list's pages, stage counts and filter choices and
// each rep's queue in memory for up to ttl, dropped when the bus reports a
// change to what they show (migration 28's "overview" triggers for the
// choices, migration 30's "leads" triggers for the rest). Callers must not
// modify what they are given.
func (s *Store) Cache(bus *cache.Bus, ttl time.Duration) {
	s.reps = cache.NewMap[struct{}, []Rep](bus, "overview", ttl, 1, cache.NoRows[struct{}])
	s.campaigns = cache.NewMap[struct{}, []CampaignChoice](bus, "overview", ttl, 1, cache.NoRows[struct{}])
	s.pages = cache.NewMap[Filter, Page](bus, "leads", ttl, cachedPages, cache.NoRows[Filter]).RefreshAhead()
	s.counts = cache.NewMap[Filter, StageCounts](bus, "leads", ttl, cachedCounts, cache.NoRows[Filter]).RefreshAhead()
	s.queues = cache.NewMap[queueKey, []Lead](bus, "leads", ttl, cachedQueues, cache.NoRows[queueKey]).RefreshAhead()
	s.details = cache.NewMap[int64, Detail](bus, "leads", ttl, cachedDetails, cache.NoRows[int64])
}

// How many pages, stage counts and queues Cache keeps: a page of 50 leads
// is some 50 kB, a queue at most ten times that.
const (
	cachedPages  = 256
	cachedCounts = 1024
	cachedQueues = 64
	// A lead page's lead and timeline are a few kilobytes.
	cachedDetails = 1024
)

// ListCacheStats is how often Cache's maps answered from memory, and how
// often they read the database.
func (s *Store) ListCacheStats() (hits, misses uint64) {
	if s.pages == nil {
		return 0, 0
	}
	return cache.Sum(s.reps, s.campaigns, s.pages, s.counts, s.queues, s.details)
}

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// leadColumns are the columns of a Lead, each named as its field's db tag.
const leadColumns = `l.id, l.company, l.contact_name, l.email, l.phone, l.title, l.country, l.source_campaign_id,
	l.fit, l.score, l.owner_id, coalesce(o.name, '') AS owner_name, l.stage, l.deal_value::float8 AS deal_value,
	l.handoff_note, l.handed_off_by, coalesce(h.name, '') AS handed_off_by_name, l.quality_rating, l.rejection_reason,
	l.rejection_note, l.lost_reason, l.created_at, l.mql_at, l.handed_off_at, l.sla_due_at, l.first_touch_at, l.accepted_at,
	l.rejected_at, l.recycled_at, l.opportunity_at, l.won_at, l.lost_at, l.updated_at, l.version,
	coalesce(c.name, '') AS source_campaign`

const leadFrom = `FROM leads l LEFT JOIN users o ON o.id = l.owner_id LEFT JOIN users h ON h.id = l.handed_off_by
	LEFT JOIN campaigns c ON c.id = l.source_campaign_id`

// getLead reads the one lead query returns, by column name.
func getLead(ctx context.Context, q db.DBTX, sql string, args ...any) (Lead, error) {
	return db.QueryOne[Lead](ctx, q, sql, args...)
}

func collectLeads(rows pgx.Rows) ([]Lead, error) {
	return pgx.CollectRows(rows, pgx.RowToStructByName[Lead])
}

// Get returns the lead with id.
func (s *Store) Get(ctx context.Context, id int64) (Lead, error) {
	return getLead(ctx, s.pool, `SELECT `+leadColumns+` `+leadFrom+` WHERE l.id = $1`, id)
}

// Detail is what the lead's page shows of it: the lead and its timeline.
type Detail struct {
	Lead   Lead
	Events []Event
}

// Detail returns the lead with id and its timeline, from memory once
// Cache was called (migration 32 adds the timeline's tables to the
// "leads" topic). Changes read the lead afresh, under a lock; callers must
// not modify what they are given.
func (s *Store) Detail(ctx context.Context, id int64) (Detail, error) {
	if s.details == nil {
		return s.storedDetail(ctx, id)
	}
	return s.details.Get(ctx, id, func(ctx context.Context) (Detail, error) { return s.storedDetail(ctx, id) })
}

func (s *Store) storedDetail(ctx context.Context, id int64) (Detail, error) {
	l, err := s.Get(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	events, err := s.Timeline(ctx, id, 0)
	return Detail{Lead: l, Events: events}, err
}

func lockLead(ctx context.Context, tx pgx.Tx, id int64) (Lead, error) {
	return getLead(ctx, tx, `SELECT `+leadColumns+` `+leadFrom+` WHERE l.id = $1 FOR UPDATE OF l`, id)
}

// lockVersion locks the lead for a change made from a form loaded at
// version; a newer row is a *ConflictError carrying the current lead.
func lockVersion(ctx context.Context, tx pgx.Tx, id int64, version int) (Lead, error) {
	l, err := lockLead(ctx, tx, id)
	if err == nil && l.Version != version {
		return l, &ConflictError{Current: l, SeenVersion: version}
	}
	return l, err
}

// Create adds a lead in stage new, by hand.
func (s *Store) Create(ctx context.Context, by users.User, in NewLead) (Lead, error) {
	in.Normalize()
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := checkInput(ctx, tx, in, 0); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO leads (company, contact_name, email, phone, title, country, fit, score, source_campaign_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			in.Company, in.ContactName, in.Email, in.Phone, in.Title, in.Country, in.Fit, in.Score, campaignArg(in.SourceCampaignID)).Scan(&id)
		if db.IsUniqueViolation(err, "leads_email_key") {
			return FieldErrors{"email": emailTaken}
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO lead_events (lead_id, actor_id, kind, to_stage, note) VALUES ($1, $2, 'created', 'new', 'created by hand')`,
			id, by.ID)
		if err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "lead", id)
	})
	if err != nil {
		return Lead{}, err
	}
	return s.Get(ctx, id)
}

const emailTaken = "A lead with this email exists already."

// campaignArg is the source_campaign_id to write: NULL for none.
func campaignArg(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// checkInput checks typed lead fields (normalized) as a whole: the rules
// of Validate and what only the database knows — whether the campaign
// exists and whether another lead has the email — so one answer names
// every problem. leadID is the lead being edited, 0 for a new one. It
// returns nil, FieldErrors, or the database's error.
func checkInput(ctx context.Context, q db.DBTX, in NewLead, leadID int64) error {
	errs := in.Validate()
	if errs == nil {
		errs = FieldErrors{}
	}
	if _, refused := errs["source_campaign"]; !refused && in.SourceCampaignID != 0 {
		var ok bool
		if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = $1)`, in.SourceCampaignID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			errs["source_campaign"] = "That campaign does not exist (any more); choose one from the list."
		}
	}
	if _, refused := errs["email"]; !refused {
		var taken bool
		if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM leads WHERE lower(email) = lower($1) AND id <> $2)`, in.Email, leadID).Scan(&taken); err != nil {
			return err
		}
		if taken {
			errs["email"] = emailTaken
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// CheckInput reports every problem with typed lead fields without saving
// anything, for a form that has problems of its own (a score that is not a
// number) to show them all together. leadID is the lead being edited, 0
// for a new one.
func (s *Store) CheckInput(ctx context.Context, in NewLead, leadID int64) (FieldErrors, error) {
	in.Normalize()
	var errs FieldErrors
	if err := checkInput(ctx, s.pool, in, leadID); err != nil && !errors.As(err, &errs) {
		return nil, err
	}
	return errs, nil
}

// Update saves an edit of the lead's contact fields, source campaign, fit
// and score, checked against the version the editor saw, with a timeline
// event naming the fields that changed. An edit that changes nothing
// writes nothing.
func (s *Store) Update(ctx context.Context, by users.User, id int64, version int, in NewLead) (Lead, error) {
	in.Normalize()
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		l, err := lockVersion(ctx, tx, id, version)
		if err != nil {
			return err
		}
		if err := l.CanEdit(by); err != nil {
			return err
		}
		if err := checkInput(ctx, tx, in, id); err != nil {
			return err
		}
		changed := l.Changes(in)
		if len(changed) == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE leads SET company = $2, contact_name = $3, email = $4, phone = $5, title = $6,
			country = $7, fit = $8, score = $9, source_campaign_id = $10, updated_at = now(), version = version + 1
			WHERE id = $1`, id, in.Company, in.ContactName, in.Email, in.Phone, in.Title, in.Country, in.Fit, in.Score,
			campaignArg(in.SourceCampaignID))
		if db.IsUniqueViolation(err, "leads_email_key") {
			return FieldErrors{"email": emailTaken}
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO lead_events (lead_id, actor_id, kind, note, version)
			VALUES ($1, $2, 'edit', $3, $4)`, id, by.ID, "changed "+strings.Join(changed, ", "), l.Version+1)
		return err
	})
	if err != nil {
		return Lead{}, err
	}
	return s.Get(ctx, id)
}

// Touch logs a follow-up; the first one stops the SLA clock.
func (s *Store) Touch(ctx context.Context, by users.User, id int64, kind, note string) error {
	if !slices.Contains(TouchKinds, kind) {
		return refusal.InvalidField("kind", "Choose how you followed up: call, email, meeting or note.")
	}
	if note = strings.TrimSpace(note); tooLong(note, MaxNote) {
		return refusal.InvalidField("note", fmt.Sprintf("Keep the note under %d characters.", MaxNote))
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		l, err := lockLead(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := l.CanTouch(by); err != nil {
			return err
		}
		if l.FirstTouchAt == nil {
			if err := stopClock(ctx, tx, l); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `UPDATE leads SET updated_at = now() WHERE id = $1`, id); err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `INSERT INTO lead_events (lead_id, actor_id, kind, touch_kind, note, version)
			VALUES ($1, $2, 'touch', $3, $4, $5)`, id, by.ID, kind, note, l.Version); err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "touch", id)
	})
}

// stopClock records the first touch of l: its time and the follow-up time
// on the SLA clock (working time in business mode), and cancels the
// escalation steps still waiting.
func stopClock(ctx context.Context, tx pgx.Tx, l Lead) error {
	var now time.Time
	if err := tx.QueryRow(ctx, `SELECT now()`).Scan(&now); err != nil {
		return err
	}
	var response *int64
	if l.HandedOffAt != nil {
		policy, err := sla.Load(ctx, tx)
		if err != nil {
			return err
		}
		secs := int64(policy.Elapsed(*l.HandedOffAt, now) / time.Second)
		response = &secs
	}
	if _, err := tx.Exec(ctx, `UPDATE leads SET first_touch_at = $2, response_seconds = $3, updated_at = now()
		WHERE id = $1`, l.ID, now, response); err != nil {
		return err
	}
	return cancelLadder(ctx, tx, l.ID)
}

// Assign gives the lead to a rep (a sales manager's move).
func (s *Store) Assign(ctx context.Context, by users.User, id int64, version int, ownerID int64) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		l, err := lockVersion(ctx, tx, id, version)
		if err != nil {
			return err
		}
		if err := l.CanAssign(by); err != nil {
			return err
		}
		name, ok, err := repName(ctx, tx, ownerID)
		if err != nil {
			return err
		}
		if !ok {
			return refusal.InvalidField("owner", NotARep)
		}
		// The row is locked and its version checked above; the version in
		// the WHERE clause keeps the rule next to the write.
		if _, err := tx.Exec(ctx, `UPDATE leads SET owner_id = $2, updated_at = now(), version = version + 1
			WHERE id = $1 AND version = $3`, id, ownerID, version); err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `INSERT INTO lead_events (lead_id, actor_id, kind, note, version)
			VALUES ($1, $2, 'assign', $3, $4)`, id, by.ID, "assigned to "+name, l.Version+1); err != nil {
			return err
		}
		if err := notifications.Send(ctx, tx, []int64{ownerID}, by.ID, KindAssigned,
			fmt.Sprintf("%s assigned %s to you", by.Name, l.Company), Link(id)); err != nil {
			return err
		}
		return tell(ctx, tx, events.LeadAssigned, id, &by, []int64{ownerID})
	})
}

// Comment adds a note to the timeline; anyone in any team may.
func (s *Store) Comment(ctx context.Context, by users.User, id int64, text string) error {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return refusal.InvalidField("comment", "Write a comment first.")
	case tooLong(text, MaxComment):
		return refusal.InvalidField("comment", fmt.Sprintf("Keep the comment under %d characters.", MaxComment))
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO lead_events (lead_id, actor_id, kind, note, version)
			SELECT id, $2, 'comment', $3, version FROM leads WHERE id = $1`, id, by.ID, text)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return db.ErrNotFound
		}
		return db.RecordCreated(ctx, tx, "lead_comment", id)
	})
}

// Rep is a sales user who can own leads.
type Rep struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// Reps lists active sales users, for owner pickers.
func (s *Store) Reps(ctx context.Context) ([]Rep, error) {
	if s.reps != nil {
		return s.reps.Get(ctx, struct{}{}, func(ctx context.Context) ([]Rep, error) { return s.storedReps(ctx) })
	}
	return s.storedReps(ctx)
}

func (s *Store) storedReps(ctx context.Context) ([]Rep, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name FROM users WHERE team = 'sales' AND active AND NOT service ORDER BY lower(name)`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Rep])
}

// CampaignChoice is a campaign a lead may name as its source.
type CampaignChoice struct {
	ID       int64     `db:"id"`
	Name     string    `db:"name"`
	LaunchOn time.Time `db:"launch_on"` // a calendar day
}

// maxCampaignChoices bounds the source-campaign picker; leads come from
// recent campaigns, and a lead's current campaign is always offered.
const maxCampaignChoices = 500

// CampaignChoices lists campaigns for the source-campaign picker, newest
// launch first, including the campaign with id current (0: none) even if
// it is older than the newest maxCampaignChoices.
func (s *Store) CampaignChoices(ctx context.Context, current int64) ([]CampaignChoice, error) {
	if s.campaigns != nil && current == 0 {
		return s.campaigns.Get(ctx, struct{}{}, func(ctx context.Context) ([]CampaignChoice, error) { return s.storedCampaignChoices(ctx, 0) })
	}
	return s.storedCampaignChoices(ctx, current)
}

func (s *Store) storedCampaignChoices(ctx context.Context, current int64) ([]CampaignChoice, error) {
	rows, err := s.pool.Query(ctx, `
		(SELECT id, name, launch_on FROM campaigns ORDER BY launch_on DESC, id DESC LIMIT $1)
		UNION
		SELECT id, name, launch_on FROM campaigns WHERE id = $2
		ORDER BY launch_on DESC, id DESC`, maxCampaignChoices, current)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[CampaignChoice])
}
