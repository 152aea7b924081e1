package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/campaigns"
	"tandem/internal/db"
	"tandem/internal/notifications"
	"tandem/internal/settings"
)

// demoCampaign is one campaign of the demo plan.
type demoCampaign struct {
	name, channel, audience, offer, points string
	owner                                  string // email
	expected                               int
	budget                                 int64 // whole currency units
	days                                   int   // how long it runs
}

var demoPlan = []demoCampaign{
	{"Cold-chain compliance webinar", "webinar", "Quality and logistics leads at food producers", "Free compliance checklist and a 30-minute audit call",
		"- New EU temperature-logging rules apply from **1 July**; our sensors log every 60 s.\n- Lead with the audit call, not the price.\n- Attendees get the checklist by email the next morning.",
		"marketing.manager@example.com", 120, 9500, 28},
	{"FleetLink Tracker launch", "event", "Fleet managers of 20+ vehicles", "Launch price: 3 months free on annual plans",
		"## What is new\n- Live position every 10 s, geofences, driver scoring.\n- **Battery: up to 30 days** on a charge.\n\n## Say\n- \"3 months free\" applies to annual plans signed before the end date only.\n- Demo units: ask [the launch team](https://intranet.example.com/fleetlink).",
		"admin@example.com", 200, 38000, 42},
	{"Paid search: fleet tracking", "paid_search", "Small fleets searching for GPS tracking", "Online quote in 2 minutes",
		"- Leads come in through the quote form; they expect a call **within a day**.\n- Many are 5–10 vehicles: offer the starter plan.",
		"marketer@example.com", 150, 12000, 35},
	{"Logistics Expo booth", "event", "Visitors to the Logistics Expo, hall 4", "Expo discount of 15 % until the end of the month",
		"- Booth B-412, live FleetLink demo every hour.\n- Scanned badges arrive as leads the day after.\n- The 15 % expo discount needs the code **EXPO15**.",
		"noah.kim@example.com", 90, 24000, 21},
	{"Partner push with Nordic Freight", "partner", "Nordic Freight's 400 subcontractors", "Partner bundle: tracker plus dashboard at the tracker price",
		"- Leads are tagged with the partner; **do not** quote list prices to them.\n- Nordic Freight's contact is on every lead note.",
		"marketing.manager@example.com", 80, 6000, 45},
	{"Retail energy savings email series", "email", "Store operations managers in retail chains", "Energy report for one store, free",
		"- Four emails over four weeks; the report request is the conversion.\n- Typical saving quoted: **8–12 %** of refrigeration energy. Do not promise more.",
		"marketer@example.com", 110, 4500, 30},
	{"LinkedIn: Insight Dashboard", "paid_social", "Operations directors, 200–2000 employees", "Guided dashboard tour",
		"- The ad promises a *guided tour*, not a trial: book 30 minutes.\n- Excel export is on the roadmap, not in the product yet.",
		"noah.kim@example.com", 70, 15000, 28},
	{"Case study series: Harbor Foods", "content", "Food producers evaluating cold-chain monitoring", "Read how Harbor Foods cut spoilage by 30 %",
		"- Harbor Foods agreed to take **two** reference calls per month; ask marketing first.\n- The 30 % figure is for their dairy line only.",
		"marketer@example.com", 60, 3000, 40},
	{"Direct mail to plant managers", "direct_mail", "Plant managers at 1,200 manufacturers", "A sensor starter kit on loan",
		"- The mailing has a QR code to book a kit; kits ship from the Hamburg warehouse.\n- Kits come back after 30 days; sales follows up in week 3.",
		"admin@example.com", 100, 21000, 35},
	{"Summer upgrade offer", "email", "Existing FleetLink customers on the old tracker", "Trade in old trackers for 40 % off",
		"- Only for customers on the **T1** tracker.\n- Service handles the swap; sales confirms the order.",
		"marketing.manager@example.com", 90, 5000, 30},
	{"Pharma cold-chain roundtable", "webinar", "Quality heads at pharma wholesalers", "Invitation-only roundtable with our validation lead",
		"- GDP validation documents are available on request, under NDA.\n- Do not discuss the S2 sensor's calibration issue; refer to service.",
		"noah.kim@example.com", 40, 8000, 21},
	{"Insight Dashboard 3.0 launch", "event", "All dashboard customers and open opportunities", "Upgrade to 3.0 at no cost this quarter",
		"## Highlights\n- New alarm rules, shift reports, mobile view.\n- Upgrade is free for current customers **this quarter**.\n\n## Careful\n- Excel export ships in 3.1.",
		"admin@example.com", 160, 30000, 45},
	{"Year-end budget campaign", "email", "Prospects with an open quote", "Lock this year's prices for next year",
		"- Prices are held for orders signed by **31 December**.\n- Quotes older than 90 days need a new quote first.",
		"marketer@example.com", 80, 4000, 30},
	{"Trade fair follow-up", "paid_social", "Visitors of the autumn trade fair", "Follow-up demo with a trade-fair gift",
		"- Retargeting ads for fair visitors; leads mention the fair.\n- The gift (a thermometer) ships with the demo kit.",
		"noah.kim@example.com", 60, 7000, 21},
	{"Spring partner program", "partner", "Regional system integrators", "Partner margin of 20 % in the first year",
		"", "marketing.manager@example.com", 50, 10000, 60},
	{"Customer referral drive", "content", "Existing customers", "A month free for each referral that signs",
		"- Draft: terms still with legal.", "marketer@example.com", 40, 2000, 45},
}

// lateReasons explain the late notices of the demo.
var lateReasons = []string{
	"The agency delivered the creative a week late and the media slot could not move.",
	"Budget was approved only last Friday.",
	"The partner moved their newsletter date forward.",
	"Launch date was pulled forward to match the trade fair.",
}

// demoQuestions are asked on the campaigns of the plan with these indexes;
// an empty answer stays open.
var demoQuestions = map[int]demoQA{
	0:  {"Who answers the technical questions from the webinar chat?", "Service takes them: Hannah collects them and answers within two days."},
	1:  {"Does the launch price also apply to monthly plans?", "No, annual plans only. Monthly customers can switch to annual within the campaign and get it."},
	3:  {"Can we offer the expo discount to people who did not visit the booth?", "Only if they mention the expo; otherwise use the standard quote."},
	4:  {"Which price list do partner leads get?", "The partner price list, v3. It is linked in every lead note."},
	8:  {"Are the loan kits insured if a prospect damages one?", ""},
	13: {"Do fair visitors who already have a quote get the gift too?", ""},
}

type demoQA struct{ q, a string }

// demoCampaigns loads campaigns, notices, acknowledgements and product
// alerts, and attributes existing leads to their source campaigns.
func demoCampaigns(ctx context.Context, pool *pgxpool.Pool, now time.Time, rng *rand.Rand) (bool, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM campaigns)`).Scan(&exists); err != nil {
		return false, err
	}
	if exists {
		return false, nil
	}
	people, err := userIDsByEmail(ctx, pool)
	if err != nil {
		return false, err
	}
	audience, err := demoAudience(ctx, pool)
	if err != nil {
		return false, err
	}
	err = db.InTx(ctx, pool, func(tx pgx.Tx) error {
		set, err := settings.Load(ctx, tx)
		if err != nil {
			return err
		}
		l := campaignLoader{tx: tx, now: now, loc: now.Location(), rng: rng, people: people, audience: audience, noticeDays: set.NoticeDays}
		if err := l.campaigns(ctx); err != nil {
			return err
		}
		if err := l.alerts(ctx); err != nil {
			return err
		}
		return l.attributeLeads(ctx)
	})
	return err == nil, err
}

func userIDsByEmail(ctx context.Context, pool *pgxpool.Pool) (map[string]int64, error) {
	rows, err := pool.Query(ctx, `SELECT email, id FROM users`)
	if err != nil {
		return nil, err
	}
	pairs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
		Email string
		ID    int64
	}])
	m := make(map[string]int64, len(pairs))
	for _, p := range pairs {
		m[p.Email] = p.ID
	}
	return m, err
}

// audienceMember is someone in sales or service, active or not.
type audienceMember struct {
	id     int64
	email  string
	joined time.Time
	active bool
}

func demoAudience(ctx context.Context, pool *pgxpool.Pool) ([]audienceMember, error) {
	rows, err := pool.Query(ctx, `SELECT id, email, created_at, active FROM users
		WHERE team IN ('sales', 'service') ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (audienceMember, error) {
		var m audienceMember
		err := r.Scan(&m.id, &m.email, &m.joined, &m.active)
		return m, err
	})
}

type campaignLoader struct {
	tx         pgx.Tx
	now        time.Time
	loc        *time.Location
	rng        *rand.Rand
	people     map[string]int64
	audience   []audienceMember
	noticeDays int
	// running are the announced campaigns with their dates, for attribution.
	running []campaigns.Campaign
}

// jitter is a random duration in [lo, hi).
func (l *campaignLoader) jitter(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(l.rng.Int64N(int64(hi-lo)))
}

func (l *campaignLoader) campaigns(ctx context.Context) error {
	today := campaigns.Day(l.now, l.loc)
	start := today.AddDate(0, 0, -172)
	// The first twelve run back to back over the two quarters; then two
	// announced notices for the coming weeks and two drafts.
	launches := make([]time.Time, len(demoPlan))
	for i := range 12 {
		launches[i] = start.AddDate(0, 0, i*15+l.rng.IntN(4))
	}
	launches[12] = today.AddDate(0, 0, 4)  // announced yesterday: late
	launches[13] = today.AddDate(0, 0, 16) // announced three days ago
	launches[14] = today.AddDate(0, 0, 25)
	launches[15] = today.AddDate(0, 0, 40)
	lateIdx := map[int]bool{2: true, 6: true, 9: true, 12: true}
	lateN := 0
	for i, p := range demoPlan {
		launch := launches[i]
		end := launch.AddDate(0, 0, p.days-1)
		owner := l.people[p.owner]
		created := campaigns.LaunchStart(launch, l.loc).Add(-l.jitter(25*24*time.Hour, 40*24*time.Hour))
		if created.After(l.now) {
			created = l.now.Add(-time.Hour)
		}
		var id int64
		if err := l.tx.QueryRow(ctx, `INSERT INTO campaigns (name, channel, audience, offer, talking_points, launch_on, end_on,
				expected_leads, budget, owner_id, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $11) RETURNING id`,
			p.name, p.channel, p.audience, p.offer, p.points, launch, end, p.expected, p.budget, owner, created).Scan(&id); err != nil {
			return err
		}
		if i >= 14 {
			continue // drafts
		}
		var announced time.Time
		switch {
		case i == 12:
			announced = l.now.Add(-l.jitter(20*time.Hour, 28*time.Hour))
		case i == 13:
			announced = l.now.Add(-l.jitter(70*time.Hour, 76*time.Hour))
		case lateIdx[i]:
			announced = campaigns.LaunchStart(launch, l.loc).Add(-l.jitter(2*24*time.Hour, 5*24*time.Hour))
		default:
			announced = campaigns.LaunchStart(launch, l.loc).Add(-l.jitter(9*24*time.Hour, 20*24*time.Hour))
		}
		late := campaigns.IsLate(launch, announced, l.noticeDays, l.loc)
		reason := ""
		if late {
			reason = lateReasons[lateN%len(lateReasons)]
			lateN++
		}
		lead := campaigns.NoticeLead(launch, announced, l.loc)
		revision := 1
		// Two campaigns had their talking points changed after announcing.
		var revisedAt time.Time
		if i == 1 || i == 11 {
			revision = 2
			revisedAt = campaigns.LaunchStart(launch, l.loc).Add(-l.jitter(24*time.Hour, 3*24*time.Hour))
		}
		if _, err := l.tx.Exec(ctx, `UPDATE campaigns SET status = 'announced', announced_at = $2, announced_by = owner_id,
				notice_lead = make_interval(secs => $3), notice_days = $4, late_notice = $5, late_reason = $6, revision = $7,
				updated_at = $2
			WHERE id = $1`, id, announced, lead.Seconds(), l.noticeDays, late, reason, revision); err != nil {
			return err
		}
		firstText := p.points
		if revision == 2 {
			firstText = p.points + "\n- (first version; corrected below)"
		}
		if _, err := l.tx.Exec(ctx, `INSERT INTO campaign_revisions (campaign_id, revision, talking_points, edited_by, created_at)
			VALUES ($1, 1, $2, $3, $4)`, id, firstText, owner, announced); err != nil {
			return err
		}
		if revision == 2 {
			if _, err := l.tx.Exec(ctx, `INSERT INTO campaign_revisions (campaign_id, revision, talking_points, edited_by, created_at)
				VALUES ($1, 2, $2, $3, $4)`, id, p.points, owner, revisedAt); err != nil {
				return err
			}
		}
		c := campaigns.Campaign{ID: id, Details: campaigns.Details{Name: p.name, LaunchOn: launch, EndOn: end, OwnerID: owner},
			Announced: true, AnnouncedAt: announced, Revision: revision}
		if err := l.acknowledgements(ctx, c, i >= 12, revisedAt); err != nil {
			return err
		}
		if qa, ok := demoQuestions[i]; ok {
			if err := l.question(ctx, c, qa); err != nil {
				return err
			}
		}
		if i >= 12 {
			if err := l.noticeNotifications(ctx, c); err != nil {
				return err
			}
		}
		l.running = append(l.running, c)
	}
	return nil
}

// acknowledgements: most people acknowledge within days, some only after
// launch, some never; for upcoming notices the demo logins have not yet.
func (l *campaignLoader) acknowledgements(ctx context.Context, c campaigns.Campaign, upcoming bool, revisedAt time.Time) error {
	launch := campaigns.LaunchStart(c.LaunchOn, l.loc)
	var ids, revisions []int64
	var ats, revAts []time.Time
	for _, m := range l.audience {
		earliest := c.AnnouncedAt
		if m.joined.After(earliest) {
			earliest = m.joined
		}
		chance := 0.85
		if upcoming {
			chance = 0.5
			if m.email == "rep@example.com" || m.email == "agent@example.com" || m.email == "sales.manager@example.com" {
				continue
			}
		}
		if earliest.After(l.now) || l.rng.Float64() > chance {
			continue
		}
		window := launch.Sub(earliest)
		if window < 6*time.Hour {
			window = 6 * time.Hour
		}
		at := earliest.Add(time.Duration(l.rng.Float64() * 1.15 * float64(window)))
		if at.After(l.now) {
			at = earliest.Add(time.Duration(l.rng.Float64() * float64(l.now.Sub(earliest))))
		}
		rev, revAt := int64(1), at
		if c.Revision == 2 {
			switch {
			case at.After(revisedAt):
				rev = 2
			case l.rng.Float64() < 0.6 && revisedAt.Before(l.now):
				rev = 2
				revAt = revisedAt.Add(l.jitter(time.Hour, 30*time.Hour))
				if revAt.After(l.now) {
					revAt = l.now
				}
			}
		}
		ids = append(ids, m.id)
		revisions = append(revisions, rev)
		ats = append(ats, at)
		revAts = append(revAts, revAt)
	}
	_, err := l.tx.Exec(ctx, `INSERT INTO acknowledgements (campaign_id, user_id, revision, acknowledged_at, revision_at)
		SELECT $1, u, r, a, ra FROM unnest($2::bigint[], $3::int[], $4::timestamptz[], $5::timestamptz[]) AS t(u, r, a, ra)`,
		c.ID, ids, revisions, ats, revAts)
	return err
}

// question adds a question from sales or service and, usually, the owner's
// answer.
func (l *campaignLoader) question(ctx context.Context, c campaigns.Campaign, qa demoQA) error {
	var active []audienceMember
	for _, m := range l.audience {
		if m.active && m.joined.Before(c.AnnouncedAt) {
			active = append(active, m)
		}
	}
	if len(active) == 0 {
		return nil
	}
	asker := active[l.rng.IntN(len(active))]
	askedAt := c.AnnouncedAt.Add(l.jitter(2*time.Hour, 20*time.Hour))
	if askedAt.After(l.now) {
		askedAt = l.now.Add(-time.Hour)
	}
	var team string
	var qid int64
	if err := l.tx.QueryRow(ctx, `INSERT INTO campaign_comments (campaign_id, author_id, author_team, body, created_at)
		SELECT $1, id, team, $3, $4 FROM users WHERE id = $2 RETURNING id, author_team`,
		c.ID, asker.id, qa.q, askedAt).Scan(&qid, &team); err != nil {
		return err
	}
	if qa.a == "" {
		return nil
	}
	answered := askedAt.Add(l.jitter(time.Hour, 20*time.Hour))
	if answered.After(l.now) {
		answered = l.now
	}
	_, err := l.tx.Exec(ctx, `INSERT INTO campaign_comments (campaign_id, parent_id, author_id, author_team, body, created_at)
		VALUES ($1, $2, $3, 'marketing', $4, $5)`, c.ID, qid, c.OwnerID, qa.a, answered)
	return err
}

// noticeNotifications tells sales and service about the upcoming notices,
// as announcing does.
func (l *campaignLoader) noticeNotifications(ctx context.Context, c campaigns.Campaign) error {
	var ids []int64
	for _, m := range l.audience {
		if m.active {
			ids = append(ids, m.id)
		}
	}
	return notifications.Send(ctx, l.tx, ids, c.OwnerID, "new_notice",
		"New campaign notice: "+c.Name+", launching "+c.LaunchOn.Format("2 Jan 2006"), fmt.Sprintf("/campaigns/%d", c.ID))
}

var demoAlerts = []struct {
	headline, product, severity, what, guidance, poster string
	postedDaysAgo, untilDays                            int // untilDays relative to today; 0: until further notice
	ackShare                                            float64
}{
	{"Firmware 4.2 drains the battery on older vans", "FleetLink Tracker", "warning",
		"Trackers on firmware 4.2 in vans built before 2015 last **about 9 days** instead of 30. Firmware 4.3 fixes it; rollout is automatic.",
		"- Do **not** promise 30-day battery life to prospects with older vans until 4.3 is out.\n- Customers who complain: service swaps the unit for free.",
		"agent@example.com", 60, -20, 0.9},
	{"Excel export moves to release 3.1", "Insight Dashboard", "info",
		"The Excel export announced for 3.0 ships with 3.1, planned for next quarter.",
		"- Stop saying \"Excel export in 3.0\".\n- CSV export works today and opens in Excel.",
		"service.manager@example.com", 12, 0, 0.6},
	{"Batch 2406 sensors read 2 °C too low", "ColdChain Sensor S2", "critical",
		"Sensors from batch **2406** (serials S2-2406-xxxx) read about 2 °C too low below 0 °C. About 140 units at 23 customers are affected. Service is calling each one and ships replacements this week.",
		"- **Stop** quoting the S2's ±0.5 °C accuracy until replacements have shipped.\n- Pause S2 demos with units from batch 2406.\n- If a customer asks: \"we found a calibration fault in one batch, we are replacing the units free of charge, and service will contact you\".",
		"service.manager@example.com", 2, 21, 0.45},
}

func (l *campaignLoader) alerts(ctx context.Context) error {
	today := campaigns.Day(l.now, l.loc)
	rows, err := l.tx.Query(ctx, `SELECT id, email, created_at FROM users WHERE active ORDER BY id`)
	if err != nil {
		return err
	}
	type person struct {
		id     int64
		email  string
		joined time.Time
	}
	everyone, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (person, error) {
		var p person
		err := r.Scan(&p.id, &p.email, &p.joined)
		return p, err
	})
	if err != nil {
		return err
	}
	// The critical alert stays unacknowledged for a few demo logins, so the
	// pinned banner shows.
	pinnedFor := map[string]bool{"rep@example.com": true, "marketer@example.com": true, "sales.manager@example.com": true}
	for _, a := range demoAlerts {
		posted := l.now.Add(-time.Duration(a.postedDaysAgo)*24*time.Hour - l.jitter(time.Hour, 5*time.Hour))
		var until *time.Time
		if a.untilDays != 0 {
			u := today.AddDate(0, 0, a.untilDays)
			until = &u
		}
		poster := l.people[a.poster]
		var id int64
		if err := l.tx.QueryRow(ctx, `INSERT INTO product_alerts (headline, product, severity, what_happened, guidance,
				until_on, posted_by, posted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			a.headline, a.product, a.severity, a.what, a.guidance, until, poster, posted).Scan(&id); err != nil {
			return err
		}
		var ids []int64
		var ats []time.Time
		for _, p := range everyone {
			if p.id != poster && (a.severity == "critical" && pinnedFor[p.email] || l.rng.Float64() > a.ackShare) {
				continue
			}
			at := posted
			if p.id != poster {
				at = posted.Add(time.Duration(l.rng.Float64() * float64(l.now.Sub(posted))))
			}
			ids = append(ids, p.id)
			ats = append(ats, at)
		}
		if _, err := l.tx.Exec(ctx, `INSERT INTO alert_acks (alert_id, user_id, acknowledged_at)
			SELECT $1, u, a FROM unnest($2::bigint[], $3::timestamptz[]) AS t(u, a)`, id, ids, ats); err != nil {
			return err
		}
		if a.postedDaysAgo <= 14 {
			var all []int64
			for _, p := range everyone {
				all = append(all, p.id)
			}
			title := campaigns.Severity(a.severity).Label() + " product alert, " + a.product + ": " + a.headline
			if err := notifications.Send(ctx, l.tx, all, poster, "new_alert", title, fmt.Sprintf("/alerts/%d", id)); err != nil {
				return err
			}
		}
	}
	return nil
}

// attributeLeads gives about two thirds of the existing leads a source
// campaign that was running on the day the lead came in.
func (l *campaignLoader) attributeLeads(ctx context.Context) error {
	rows, err := l.tx.Query(ctx, `SELECT id, created_at FROM leads ORDER BY id`)
	if err != nil {
		return err
	}
	type lead struct {
		id      int64
		created time.Time
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (lead, error) {
		var x lead
		err := r.Scan(&x.id, &x.created)
		return x, err
	})
	if err != nil || len(all) == 0 {
		return err
	}
	candidates := make([][]int64, len(all))
	covered := 0
	for i, x := range all {
		day := campaigns.Day(x.created, l.loc)
		for _, c := range l.running {
			if c.Running(day) {
				candidates[i] = append(candidates[i], c.ID)
			}
		}
		if len(candidates[i]) > 0 {
			covered++
		}
	}
	if covered == 0 {
		return nil
	}
	const share = 0.65
	chance := min(1, share*float64(len(all))/float64(covered))
	var ids, sources []int64
	for i, x := range all {
		if len(candidates[i]) == 0 || l.rng.Float64() >= chance {
			continue
		}
		ids = append(ids, x.id)
		sources = append(sources, candidates[i][l.rng.IntN(len(candidates[i]))])
	}
	_, err = l.tx.Exec(ctx, `UPDATE leads SET source_campaign_id = t.c
		FROM unnest($1::bigint[], $2::bigint[]) AS t(id, c) WHERE leads.id = t.id`, ids, sources)
	return err
}
