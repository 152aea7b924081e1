package seed

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/feedback"
	"tandem/internal/users"
)

// ScaleOptions sizes the large synthetic company of `tandem seed scale`.
type ScaleOptions struct {
	Leads     int
	Campaigns int
	Feedback  int
	Users     int
	Years     int
}

// scaleSLA is the follow-up SLA of the scale data: the default setting.
const scaleSLA = 24 * time.Hour

// DefaultScale is a company with years of history.
var DefaultScale = ScaleOptions{Leads: 1_000_000, Campaigns: 5_000, Feedback: 200_000, Users: 300, Years: 3}

// Scale writes a large, deterministic company with COPY: users (the demo
// logins among them, so benchmarks can sign in), campaigns with
// acknowledgements, leads with believable stage, rejection and win rates
// and their timeline events, and feedback with +1s. It refuses a database
// that already holds leads, so a benchmark can reuse what it seeded.
func Scale(ctx context.Context, p *pgxpool.Pool, loc *time.Location, o ScaleOptions, out io.Writer) error {
	conn, err := p.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	pool := conn.Conn()
	// As a superuser, skip the foreign-key triggers for this connection:
	// the generator keeps every reference valid by construction, and the
	// per-row checks would triple the load time. Without the right, load
	// with them.
	if _, err := pool.Exec(ctx, `SET session_replication_role = replica`); err != nil {
		fmt.Fprintln(out, "(not a superuser: loading with foreign-key checks, slower)")
	}
	defer pool.Exec(context.Background(), `RESET session_replication_role`)
	if _, err := pool.Exec(ctx, `SET maintenance_work_mem = '512MB'`); err != nil {
		return err
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM leads`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(out, "The database already holds %d leads; nothing seeded.\n", n)
		return nil
	}
	rng := rand.New(rand.NewPCG(1, uint64(o.Leads)))
	now := time.Now().In(loc)
	start := now.AddDate(-o.Years, 0, 0)
	total := time.Now()

	step := func(name string, f func() (int64, error)) error {
		t := time.Now()
		rows, err := f()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		d := time.Since(t)
		fmt.Fprintf(out, "%-22s %9d rows in %6.1fs (%8.0f rows/s)\n", name, rows, d.Seconds(), float64(rows)/d.Seconds())
		return nil
	}

	// Secondary indexes are dropped for the load and built afterwards:
	// one sort per index beats millions of single inserts.
	restore, err := dropIndexes(ctx, pool, "leads", "lead_events", "acknowledgements", "feedback_items", "feedback_heard")
	if err != nil {
		return err
	}
	restored := false
	defer func() {
		if !restored { // a failed load must not leave the schema without its indexes
			_, _ = restore(context.Background())
		}
	}()
	var people scalePeople
	if err := step("users", func() (int64, error) { return people.load(ctx, pool, o.Users, start, rng) }); err != nil {
		return err
	}
	var camps []scaleCampaign
	if err := step("campaigns", func() (int64, error) {
		var err error
		camps, err = loadCampaigns(ctx, pool, o.Campaigns, start, now, people, rng)
		return int64(len(camps)), err
	}); err != nil {
		return err
	}
	if err := step("acknowledgements", func() (int64, error) { return loadAcks(ctx, pool, camps, people, now, rng) }); err != nil {
		return err
	}
	if err := step("leads and events", func() (int64, error) { return loadLeads(ctx, pool, o.Leads, start, now, camps, people, rng) }); err != nil {
		return err
	}
	if err := step("feedback and +1s", func() (int64, error) { return loadFeedback(ctx, pool, o.Feedback, start, now, people, loc, rng) }); err != nil {
		return err
	}
	if err := step("indexes", func() (int64, error) { restored = true; return restore(ctx) }); err != nil {
		return err
	}
	// The load ran without triggers: recount what they would have kept.
	if _, err := pool.Exec(ctx, `UPDATE lead_stage_counts c SET n = (SELECT count(*) FROM leads l WHERE l.stage = c.stage)`); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE`); err != nil { // visibility maps too: no autovacuum storm during the first measurements
		return err
	}
	fmt.Fprintf(out, "%-22s %9s       in %6.1fs\n", "total", "", time.Since(total).Seconds())
	return nil
}

type scalePeople struct {
	reps, marketers, agents, all []int64
	field                        []int64 // sales and service
}

func (p *scalePeople) load(ctx context.Context, pool *pgx.Conn, n int, start time.Time, rng *rand.Rand) (int64, error) {
	hash, err := users.HashPassword(DemoPassword)
	if err != nil {
		return 0, err
	}
	var rows [][]any
	add := func(email, name string, team users.Team, role users.Role) {
		rows = append(rows, []any{email, name, string(team), string(role), hash, "UTC", true,
			start.Add(-time.Duration(rng.IntN(30*24)) * time.Hour)})
	}
	for _, l := range Logins {
		add(l.Email, l.Name, l.Team, l.Role)
	}
	for i := len(Logins); i < n; i++ {
		team := []users.Team{users.Sales, users.Sales, users.Sales, users.Sales, users.Sales, users.Marketing, users.Marketing, users.Service, users.Service, users.Service}[i%10]
		role := users.Member
		if i%25 == 0 {
			role = users.Manager
		}
		add(fmt.Sprintf("user%d@scale.example", i), fmt.Sprintf("%s %s %d", pick(rng, firstNames), pick(rng, lastNames), i), team, role)
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"users"},
		[]string{"email", "name", "team", "role", "password_hash", "timezone", "active", "created_at"}, pgx.CopyFromRows(rows)); err != nil {
		return 0, err
	}
	r, err := pool.Query(ctx, `SELECT id, team FROM users ORDER BY id`)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	for r.Next() {
		var id int64
		var team string
		if err := r.Scan(&id, &team); err != nil {
			return 0, err
		}
		p.all = append(p.all, id)
		switch team {
		case "sales":
			p.reps = append(p.reps, id)
			p.field = append(p.field, id)
		case "service":
			p.agents = append(p.agents, id)
			p.field = append(p.field, id)
		default:
			p.marketers = append(p.marketers, id)
		}
	}
	return int64(len(rows)), r.Err()
}

type scaleCampaign struct {
	id             int64
	launch, end    time.Time
	announced      time.Time
	late, announce bool
}

var channels = []string{"email", "webinar", "event", "paid_search", "paid_social", "content", "partner", "direct_mail"}

func loadCampaigns(ctx context.Context, pool *pgx.Conn, n int, start, now time.Time, p scalePeople, rng *rand.Rand) ([]scaleCampaign, error) {
	span := now.AddDate(0, 1, 0).Sub(start)
	camps := make([]scaleCampaign, n)
	src := pgx.CopyFromFunc(func() func() ([]any, error) {
		i := 0
		return func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			launch := start.Add(time.Duration(float64(span) * float64(i) / float64(n))).Truncate(24 * time.Hour)
			end := launch.AddDate(0, 0, 7+rng.IntN(50))
			c := scaleCampaign{id: int64(i + 1), launch: launch, end: end, announce: launch.Before(now.AddDate(0, 0, 10)) || rng.IntN(2) == 0}
			noticeDays := 3 + rng.IntN(18)
			if rng.IntN(6) == 0 {
				noticeDays = 1 + rng.IntN(5)
			}
			c.announced = launch.AddDate(0, 0, -noticeDays)
			c.late = noticeDays < 7
			if c.announced.After(now) {
				c.announce = false
			}
			camps[i] = c
			i++
			var status, reason any = "draft", ""
			var announcedAt, lead, nd, rev any = nil, nil, nil, 0
			if c.announce {
				status, announcedAt, lead, nd, rev = "announced", c.announced, launch.Sub(c.announced), 7, 1
				if c.late {
					reason = "agency delivered late"
				}
			}
			return []any{fmt.Sprintf("%s campaign %d", pick(rng, companyHeads), c.id), pick(rng, channels), "Mid-market operations buyers",
				"Free assessment", "* Lead with the assessment\n* Mention the case study", launch.Format("2006-01-02"), end.Format("2006-01-02"),
				100 + rng.IntN(400), float64(5000 + rng.IntN(95000)), p.marketers[rng.IntN(len(p.marketers))], status, announcedAt,
				lead, nd, c.announce && c.late, reason, rev}, nil
		}
	}())
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"campaigns"}, []string{"name", "channel", "audience", "offer", "talking_points",
		"launch_on", "end_on", "expected_leads", "budget", "owner_id", "status", "announced_at", "notice_lead", "notice_days",
		"late_notice", "late_reason", "revision"}, src)
	if err != nil {
		return nil, err
	}
	// One COPY into an otherwise idle table takes consecutive identity
	// values in row order.
	var first int64
	if err := pool.QueryRow(ctx, `SELECT min(id) FROM campaigns`).Scan(&first); err != nil {
		return nil, err
	}
	for i := range camps {
		camps[i].id = first + int64(i)
	}
	return camps, nil
}

// loadAcks acknowledges each announced campaign by a realistic share of the
// field (most before launch, some after).
func loadAcks(ctx context.Context, pool *pgx.Conn, camps []scaleCampaign, p scalePeople, now time.Time, rng *rand.Rand) (int64, error) {
	ci, fi := 0, 0
	return pool.CopyFrom(ctx, pgx.Identifier{"acknowledgements"}, []string{"campaign_id", "user_id", "revision", "acknowledged_at", "revision_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			for ci < len(camps) {
				c := camps[ci]
				for c.announce && fi < len(p.field) {
					u := p.field[fi]
					fi++
					if rng.IntN(100) < 72 {
						at := c.announced.Add(time.Duration(rng.Int64N(int64(c.launch.Sub(c.announced) + 72*time.Hour))))
						if at.Before(now) {
							return []any{c.id, u, 1, at, at}, nil
						}
					}
				}
				ci, fi = ci+1, 0
			}
			return nil, nil
		}))
}

// campaignAt picks a campaign running when a lead arrived (60 % of leads
// have one), or nil.
func campaignAt(camps []scaleCampaign, t time.Time, rng *rand.Rand) any {
	if len(camps) == 0 || rng.IntN(100) >= 60 {
		return nil
	}
	lo, hi := 0, len(camps)
	for lo < hi { // first campaign launching after t
		mid := (lo + hi) / 2
		if camps[mid].launch.After(t) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	for k := 0; k < 8 && lo-1-k >= 0; k++ {
		c := camps[lo-1-rng.IntN(min(8, lo))]
		if !c.end.Before(t) {
			return c.id
		}
	}
	return nil
}

// loadLeads streams leads and then their timeline events.
func loadLeads(ctx context.Context, pool *pgx.Conn, n int, start, now time.Time, camps []scaleCampaign, p scalePeople, rng *rand.Rand) (int64, error) {
	span := now.Sub(start)
	type stamp struct {
		id    int64
		actor int64
		at    time.Time
		to    string
	}
	var events []stamp
	hours := func(lo, hi float64) time.Duration {
		return time.Duration((lo + rng.Float64()*(hi-lo)) * float64(time.Hour))
	}
	i := 0
	leads, err := pool.CopyFrom(ctx, pgx.Identifier{"leads"}, append(leadCopyColumns, "source_campaign_id", "sla_due_at", "response_seconds"), pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		id := int64(i)
		created := start.Add(time.Duration(float64(span) * float64(i) / float64(n))).Add(-time.Duration(rng.IntN(3600)) * time.Second)
		first, last := pick(rng, firstNames), pick(rng, lastNames)
		company := pick(rng, companyHeads) + " " + pick(rng, companyTails)
		l := demoLead{id: id, company: company, contact: first + " " + last,
			email: fmt.Sprintf("%s.%s.%d@scale.example", first, last, id), phone: "+49 30 1234567", title: pick(rng, jobTitles),
			country: pick(rng, countries), fit: pick(rng, []string{"strong", "medium", "weak", ""}), score: rng.IntN(101),
			stage: "new", created: created}
		marketer := p.marketers[rng.IntN(len(p.marketers))]
		events = append(events, stamp{id, marketer, created, "new"})
		move := func(at time.Time, actor int64, to string) bool {
			if at.After(now) {
				return false
			}
			events = append(events, stamp{id, actor, at, to})
			l.stage = to
			return true
		}
		if rng.IntN(100) < 85 {
			at := created.Add(hours(1, 72))
			if move(at, marketer, "mql") {
				l.mqlAt = &at
			}
		}
		if l.stage == "mql" && rng.IntN(100) < 80 {
			at := l.mqlAt.Add(hours(0.5, 40))
			if move(at, marketer, "handed_off") {
				l.handedOffAt, l.handedOffBy, l.handoffNote = &at, marketer, "Asked for a quote."
				l.owner = p.reps[rng.IntN(len(p.reps))]
			}
		}
		if l.stage == "handed_off" {
			if rng.IntN(100) < 93 {
				t := l.handedOffAt.Add(hours(0.1, 40))
				if t.Before(now) {
					l.firstTouchAt = &t
				}
			}
			verdict := l.handedOffAt.Add(hours(2, 60))
			if rng.IntN(100) < 80 {
				if move(verdict, l.owner, "accepted") {
					l.acceptedAt, l.rating = &verdict, 3+rng.IntN(3)
					opp := verdict.Add(hours(24, 24*21))
					if rng.IntN(100) < 70 && move(opp, l.owner, "opportunity") {
						l.opportunityAt = &opp
						closed := opp.Add(hours(24*5, 24*60))
						if p := rng.IntN(100); p < 36 && move(closed, l.owner, "won") {
							l.wonAt, l.value = &closed, float64(5000+rng.IntN(115000))
						} else if p >= 36 && p < 66 && move(closed, l.owner, "lost") {
							l.lostAt, l.lostReason = &closed, pick(rng, lostReasons)
						}
					}
				}
			} else if move(verdict, l.owner, "rejected") {
				l.rejectedAt, l.rating, l.reason = &verdict, 1+rng.IntN(3), weighted(rng)
			}
		}
		// The load runs without triggers: the deadline and the response
		// time are given here as the triggers would (elapsed hours, the
		// default 24-hour SLA), in the row itself so the table keeps its
		// time order on disk.
		var due, response any
		if l.handedOffAt != nil {
			due = l.handedOffAt.Add(scaleSLA)
			if l.firstTouchAt != nil {
				response = int32(l.firstTouchAt.Sub(*l.handedOffAt).Round(time.Second) / time.Second)
			}
		}
		return append(l.row(), campaignAt(camps, created, rng), due, response), nil
	}))
	if err != nil {
		return 0, err
	}
	j := 0
	evs, err := pool.CopyFrom(ctx, pgx.Identifier{"lead_events"}, []string{"lead_id", "at", "actor_id", "kind", "to_stage", "version"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if j == len(events) {
				return nil, nil
			}
			e := events[j]
			j++
			kind := "stage"
			if e.to == "new" {
				kind = "created"
			}
			return []any{e.id, e.at, e.actor, kind, e.to, 1}, nil
		}))
	if err != nil {
		return 0, err
	}
	_, err = pool.Exec(ctx, `SELECT setval(pg_get_serial_sequence('leads', 'id'), (SELECT max(id) FROM leads))`)
	return leads + evs, err
}

// Feedback sentences are put together from parts, so searches match a
// believable share of the history rather than one item in eight.
var (
	feedbackSubjects = []string{"The onboarding", "Pricing", "The ERP integration", "Support", "The campaign email",
		"Reporting", "Sensor delivery", "The training videos", "The mobile app", "Invoicing", "The dashboard",
		"Our account manager", "The installation team", "The API", "Single sign-on", "The renewal quote",
		"Data export", "The trial", "Shipping", "The warranty process"}
	feedbackVerdicts = []string{"took longer than promised", "was better than expected", "keeps failing at month end",
		"did not match the brochure", "saved us hours every week", "confused our new staff", "was fixed quickly",
		"still has the same bug", "costs more than the offer said", "works exactly as demonstrated"}
	feedbackContexts = []string{"for the warehouse team", "during the pilot", "since the last update", "in the second site",
		"for our auditors", "after the price change", "on busy Mondays", "for the field engineers"}
)

func loadFeedback(ctx context.Context, pool *pgx.Conn, n int, start, now time.Time, p scalePeople, loc *time.Location, rng *rand.Rand) (int64, error) {
	var themes []int64
	r, err := pool.Query(ctx, `SELECT id FROM feedback_themes ORDER BY id`)
	if err != nil {
		return 0, err
	}
	themes, err = pgx.CollectRows(r, pgx.RowTo[int64])
	if err != nil {
		return 0, err
	}
	span := now.Sub(start)
	type heard struct{ item, user int64 }
	var plusOnes []heard
	i := 0
	items, err := pool.CopyFrom(ctx, pgx.Identifier{"feedback_items"}, []string{"reporter_id", "reporter_team", "customer", "product",
		"theme_id", "sentiment", "chain_link", "customer_words", "reporter_note", "status", "status_at", "response", "responded_at",
		"acknowledged_at", "ack_due_at", "rating", "rated_at", "created_at", "updated_at"}, pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		id := int64(i)
		created := start.Add(time.Duration(float64(span) * float64(i) / float64(n)))
		due := feedback.AckDue(created, loc)
		reporter := p.field[rng.IntN(len(p.field))]
		team := "sales"
		if rng.IntN(2) == 0 {
			team = "service"
		}
		status, statusAt := "new", created
		var response string
		var responded, acked, rating, ratedAt any
		if age := now.Sub(created); age > 72*time.Hour || rng.IntN(3) == 0 {
			ackAt := created.Add(time.Duration(rng.Int64N(int64(96 * time.Hour))))
			if ackAt.Before(now) {
				status, statusAt, acked, responded, response = "acknowledged", ackAt, ackAt, ackAt, "Thanks, we are looking into it."
				if age > 30*24*time.Hour {
					status = pick(rng, []string{"planned", "acted_on", "acted_on", "declined"})
					statusAt = ackAt.Add(time.Duration(rng.Int64N(int64(20 * 24 * time.Hour))))
					if statusAt.After(now) {
						statusAt = now.Add(-time.Hour)
					}
					responded = statusAt
				}
				if rng.IntN(2) == 0 {
					rating, ratedAt = 1+rng.IntN(5), statusAt
				}
			}
		}
		for k := rng.IntN(3); k > 0; k-- {
			if u := p.all[rng.IntN(len(p.all))]; u != reporter {
				plusOnes = append(plusOnes, heard{id, u})
			}
		}
		return []any{reporter, team, pick(rng, companyHeads) + " " + pick(rng, companyTails), pick(rng, []string{"Sensor S2", "Hub", "Cloud", "App"}),
			themes[rng.IntN(len(themes))], pick(rng, []string{"negative", "negative", "neutral", "positive"}),
			pick(rng, []string{"promise", "expectation", "experience"}), pick(rng, feedbackSubjects) + " " + pick(rng, feedbackVerdicts) + " " + pick(rng, feedbackContexts) + ".", "", status, statusAt, response, responded,
			acked, due, rating, ratedAt, created, statusAt}, nil
	}))
	if err != nil {
		return 0, err
	}
	var first int64 // see loadCampaigns on consecutive identities
	if err := pool.QueryRow(ctx, `SELECT min(id) FROM feedback_items`).Scan(&first); err != nil {
		return 0, err
	}
	seen := map[heard]bool{}
	j := 0
	heardRows, err := pool.CopyFrom(ctx, pgx.Identifier{"feedback_heard"}, []string{"item_id", "user_id"}, pgx.CopyFromFunc(func() ([]any, error) {
		for j < len(plusOnes) {
			h := plusOnes[j]
			j++
			if !seen[h] {
				seen[h] = true
				return []any{first + h.item - 1, h.user}, nil
			}
		}
		return nil, nil
	}))
	if err != nil {
		return 0, err
	}
	// +1s were copied in directly: set the count each item keeps.
	_, err = pool.Exec(ctx, `UPDATE feedback_items f SET heard_count = h.n
		FROM (SELECT item_id, count(*) AS n FROM feedback_heard GROUP BY item_id) h WHERE h.item_id = f.id`)
	return items + heardRows, err
}

// dropIndexes drops the tables' indexes that back no constraint and
// returns a function that recreates them from their definitions.
func dropIndexes(ctx context.Context, pool *pgx.Conn, tables ...string) (func(context.Context) (int64, error), error) {
	rows, err := pool.Query(ctx, `
		SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i
		WHERE i.indrelid = ANY($1::regclass[])
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`, tables)
	if err != nil {
		return nil, err
	}
	type index struct{ Name, Def string }
	indexes, err := pgx.CollectRows(rows, pgx.RowToStructByPos[index])
	if err != nil {
		return nil, err
	}
	for _, ix := range indexes {
		if _, err := pool.Exec(ctx, `DROP INDEX `+ix.Name); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context) (int64, error) {
		for _, ix := range indexes {
			if _, err := pool.Exec(ctx, ix.Def); err != nil {
				return 0, fmt.Errorf("%s: %w", ix.Name, err)
			}
		}
		return int64(len(indexes)), nil
	}, nil
}
