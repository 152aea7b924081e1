package campaigns

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/format"
	"tandem/internal/notifications"
	"tandem/internal/settings"
	"tandem/internal/users"
)

// Store reads and writes campaigns, acknowledgements, comments and product
// alerts. Dates are cut in the business timezone loc.
type Store struct {
	pool *pgxpool.Pool
	loc  *time.Location
}

// NewStore returns a Store on pool for a business in loc.
func NewStore(pool *pgxpool.Pool, loc *time.Location) *Store { return &Store{pool: pool, loc: loc} }

const campaignColumns = `c.id, c.name, c.channel, c.audience, c.offer, coalesce(c.key, '') AS key, c.talking_points, c.launch_on, c.end_on,
	c.expected_leads, round(c.budget * 100)::bigint AS budget_cents, c.owner_id, o.name AS owner_name,
	c.status = 'announced' AS announced, c.announced_at,
	coalesce(extract(epoch FROM c.notice_lead), 0)::float8 AS notice_lead_seconds,
	coalesce(c.notice_days, 0) AS notice_days, c.late_notice, c.late_reason, c.revision, c.created_at, c.updated_at, c.version`

const campaignFrom = ` FROM campaigns c JOIN users o ON o.id = c.owner_id`

// campaignRow is campaignColumns scanned by name; campaign() makes the
// domain value of it.
type campaignRow struct {
	ID                int64      `db:"id"`
	Name              string     `db:"name"`
	Channel           Channel    `db:"channel"`
	Audience          string     `db:"audience"`
	Offer             string     `db:"offer"`
	Key               string     `db:"key"`
	TalkingPoints     string     `db:"talking_points"`
	LaunchOn          time.Time  `db:"launch_on"`
	EndOn             time.Time  `db:"end_on"`
	ExpectedLeads     int        `db:"expected_leads"`
	BudgetCents       int64      `db:"budget_cents"`
	OwnerID           int64      `db:"owner_id"`
	OwnerName         string     `db:"owner_name"`
	Announced         bool       `db:"announced"`
	AnnouncedAt       *time.Time `db:"announced_at"`
	NoticeLeadSeconds float64    `db:"notice_lead_seconds"`
	NoticeDays        int        `db:"notice_days"`
	LateNotice        bool       `db:"late_notice"`
	LateReason        string     `db:"late_reason"`
	Revision          int        `db:"revision"`
	CreatedAt         time.Time  `db:"created_at"`
	UpdatedAt         time.Time  `db:"updated_at"`
	Version           int        `db:"version"`
}

func (r campaignRow) campaign() Campaign {
	c := Campaign{
		ID: r.ID,
		Details: Details{Name: r.Name, Channel: r.Channel, Audience: r.Audience, Offer: r.Offer, Key: r.Key,
			TalkingPoints: r.TalkingPoints, LaunchOn: r.LaunchOn, EndOn: r.EndOn, ExpectedLeads: r.ExpectedLeads,
			BudgetCents: r.BudgetCents, OwnerID: r.OwnerID},
		OwnerName: r.OwnerName, Announced: r.Announced,
		NoticeLead: time.Duration(r.NoticeLeadSeconds * float64(time.Second)), NoticeDays: r.NoticeDays,
		LateNotice: r.LateNotice, LateReason: r.LateReason, Revision: r.Revision,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
	}
	if r.AnnouncedAt != nil {
		c.AnnouncedAt = *r.AnnouncedAt
	}
	return c
}

// oneCampaign runs a query of campaignColumns for one campaign.
func oneCampaign(ctx context.Context, q db.DBTX, sql string, args ...any) (Campaign, error) {
	r, err := db.QueryOne[campaignRow](ctx, q, sql, args...)
	if err != nil {
		return Campaign{}, err
	}
	return r.campaign(), nil
}

// Get returns the campaign with id.
func (s *Store) Get(ctx context.Context, id int64) (Campaign, error) {
	return oneCampaign(ctx, s.pool, `SELECT `+campaignColumns+campaignFrom+` WHERE c.id = $1`, id)
}

// lock reads the campaign for update and checks the caller's version.
func lock(ctx context.Context, tx pgx.Tx, id int64, version int) (Campaign, error) {
	c, err := oneCampaign(ctx, tx, `SELECT `+campaignColumns+campaignFrom+` WHERE c.id = $1 FOR UPDATE OF c`, id)
	if err != nil {
		return Campaign{}, err
	}
	if c.Version != version {
		return Campaign{}, db.ErrConflict
	}
	return c, nil
}

// checkOwner refuses an owner who is not an active marketer.
func checkOwner(ctx context.Context, q db.DBTX, id int64) (string, error) {
	var team users.Team
	var active bool
	err := q.QueryRow(ctx, `SELECT team, active FROM users WHERE id = $1`, id).Scan(&team, &active)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && (team != users.Marketing || !active) {
		return "Choose an active member of the marketing team as owner.", nil
	}
	return "", err
}

// Owners lists the people who may own a campaign: active marketers.
func (s *Store) Owners(ctx context.Context) ([]users.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name FROM users WHERE active AND NOT service AND team = 'marketing' ORDER BY lower(name), id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (users.User, error) {
		var u users.User
		err := r.Scan(&u.ID, &u.Name)
		return u, err
	})
}

// Create stores a new draft campaign.
func (s *Store) Create(ctx context.Context, by int64, f Form) (Campaign, error) {
	d, errs := f.Parse()
	if errs != nil {
		return Campaign{}, errs
	}
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		msg, err := checkOwner(ctx, tx, d.OwnerID)
		if err != nil {
			return err
		}
		if msg != "" {
			return FieldErrors{"owner_id": msg}
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO campaigns (name, channel, audience, offer, talking_points, launch_on, end_on,
				expected_leads, budget, owner_id, created_by, key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::numeric / 100, $10, $11, $12) RETURNING id`,
			d.Name, d.Channel, d.Audience, d.Offer, d.TalkingPoints, d.LaunchOn, d.EndOn,
			d.ExpectedLeads, d.BudgetCents, d.OwnerID, by, keyArg(d.Key)).Scan(&id); db.IsUniqueViolation(err, "campaigns_key_key") {
			return keyTaken
		} else if err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "campaign", id)
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.Get(ctx, id)
}

// Update saves an edit made on version. After announcement, changed talking
// points become a new revision and everyone who acknowledged is asked to
// acknowledge again; a new launch date recomputes the notice lead time
// against the announce time, and a notice that turns late needs a reason.
func (s *Store) Update(ctx context.Context, by, id int64, version int, f Form) (Campaign, error) {
	d, errs := f.Parse()
	if errs == nil {
		errs = FieldErrors{}
	}
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := lock(ctx, tx, id, version)
		if err != nil {
			return err
		}
		if d.OwnerID != 0 && d.OwnerID != c.OwnerID {
			msg, err := checkOwner(ctx, tx, d.OwnerID)
			if err != nil {
				return err
			}
			if msg != "" {
				errs["owner_id"] = msg
			}
		}
		lead, late, reason, revision := c.NoticeLead, c.LateNotice, c.LateReason, c.Revision
		if c.Announced {
			if d.TalkingPoints == "" && errs["talking_points"] == "" {
				errs["talking_points"] = "An announced notice needs its talking points; they are what sales and service read."
			}
			if _, bad := errs["launch_on"]; !bad {
				lead = NoticeLead(d.LaunchOn, c.AnnouncedAt, s.loc)
				late = IsLate(d.LaunchOn, c.AnnouncedAt, c.NoticeDays, s.loc)
			}
			if late {
				reason = strings.TrimSpace(f.LateReason)
				if msg := CheckReason(reason); msg != "" {
					errs["late_reason"] = "With this launch date the notice is late (" + LeadPhrase(lead) + ", " +
						format.Count(c.NoticeDays, "day") + " required). " + msg
				}
			}
			if d.TalkingPoints != c.TalkingPoints {
				revision++
			}
		}
		if len(errs) > 0 {
			return errs
		}
		tag, err := tx.Exec(ctx, `
			UPDATE campaigns SET name = $2, channel = $3, audience = $4, offer = $5, talking_points = $6,
				launch_on = $7, end_on = $8, expected_leads = $9, budget = $10::numeric / 100, owner_id = $11,
				notice_lead = CASE WHEN status = 'announced' THEN make_interval(secs => $12) END,
				late_notice = $13, late_reason = $14, revision = $15, key = $17, updated_at = now(), version = version + 1,
				launch_told_at = CASE WHEN launch_on = $7 THEN launch_told_at END
			WHERE id = $1 AND version = $16`,
			id, d.Name, d.Channel, d.Audience, d.Offer, d.TalkingPoints, d.LaunchOn, d.EndOn, d.ExpectedLeads,
			d.BudgetCents, d.OwnerID, lead.Seconds(), late, reason, revision, version, keyArg(d.Key))
		if db.IsUniqueViolation(err, "campaigns_key_key") {
			return keyTaken
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return db.ErrConflict
		}
		if revision == c.Revision {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO campaign_revisions (campaign_id, revision, talking_points, edited_by)
			VALUES ($1, $2, $3, $4)`, id, revision, d.TalkingPoints, by); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT a.user_id FROM acknowledgements a JOIN users u ON u.id = a.user_id
			WHERE a.campaign_id = $1 AND u.active`, id)
		if err != nil {
			return err
		}
		acked, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if err := notifications.Send(ctx, tx, acked, by, "reacknowledge",
			"Talking points changed for "+d.Name+": please read and acknowledge again", link(id)); err != nil {
			return err
		}
		return tellCampaign(ctx, tx, events.CampaignRevised, id, &by, acked)
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.Get(ctx, id)
}

// Announce publishes a draft to sales and service at time at. It records
// the announce time, the notice lead time and the notice_days setting; a
// late notice needs a reason. Everyone in sales and service is notified.
func (s *Store) Announce(ctx context.Context, by, id int64, version int, reason string, at time.Time) (Campaign, error) {
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := lock(ctx, tx, id, version)
		if err != nil {
			return err
		}
		if c.Announced {
			return ErrAlreadyAnnounced
		}
		if Day(at, s.loc).After(c.EndOn) {
			return ErrEnded
		}
		set, err := settings.Load(ctx, tx)
		if err != nil {
			return err
		}
		errs := FieldErrors{}
		if strings.TrimSpace(c.TalkingPoints) == "" {
			errs["talking_points"] = "Add talking points before announcing: they are what sales and service will read."
		}
		lead := NoticeLead(c.LaunchOn, at, s.loc)
		late := IsLate(c.LaunchOn, at, set.NoticeDays, s.loc)
		reason = strings.TrimSpace(reason)
		if !late {
			reason = ""
		} else if msg := CheckReason(reason); msg != "" {
			errs["late_reason"] = "This is a late notice (" + LeadPhrase(lead) + ", " +
				format.Count(set.NoticeDays, "day") + " required). " + msg
		}
		if len(errs) > 0 {
			return errs
		}
		if _, err := tx.Exec(ctx, `
			UPDATE campaigns SET status = 'announced', announced_at = $2, announced_by = $3,
				notice_lead = make_interval(secs => $4), notice_days = $5, late_notice = $6, late_reason = $7,
				revision = 1, updated_at = now(), version = version + 1
			WHERE id = $1`, id, at, by, lead.Seconds(), set.NoticeDays, late, reason); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO campaign_revisions (campaign_id, revision, talking_points, edited_by, created_at)
			VALUES ($1, 1, $2, $3, $4)`, id, c.TalkingPoints, by, at); err != nil {
			return err
		}
		audience, err := fieldAudience(ctx, tx)
		if err != nil {
			return err
		}
		title := "New campaign notice: " + c.Name + ", launching " + c.LaunchOn.Format("2 Jan 2006")
		if late {
			title += " (late notice)"
		}
		if err := notifications.Send(ctx, tx, audience, by, "new_notice", title, link(id)); err != nil {
			return err
		}
		return tellCampaign(ctx, tx, events.CampaignAnnounced, id, &by, audience)
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.Get(ctx, id)
}

// Revision is one announced version of the talking points.
type Revision struct {
	Revision      int       `db:"revision"`
	TalkingPoints string    `db:"talking_points"`
	EditedBy      string    `db:"edited_by"`
	At            time.Time `db:"created_at"`
}

// Revisions lists the campaign's talking-point revisions, newest first.
func (s *Store) Revisions(ctx context.Context, id int64) ([]Revision, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.revision, r.talking_points, coalesce(u.name, '') AS edited_by, r.created_at
		FROM campaign_revisions r LEFT JOIN users u ON u.id = r.edited_by
		WHERE r.campaign_id = $1 ORDER BY r.revision DESC`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Revision])
}

func link(id int64) string { return "/campaigns/" + itoa64(id) }

// AudienceSize is how many people an announcement reaches now: the active
// members of sales and service, whom Announce notifies.
func (s *Store) AudienceSize(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE active AND team IN ('sales', 'service')`).Scan(&n)
	return n, err
}
