package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/feedback"
	"tandem/internal/users"
)

// fbDemoCount is how many items the demo logs over two quarters.
const fbDemoCount = 320

// fbTemplate is one thing customers say, by theme, link and sentiment.
// Several items share a template: recurring complaints are what +1s and
// merges are for. spike* make a template more frequent in a window of days
// ago (a faulty batch, a campaign that overpromised).
type fbTemplate struct {
	theme, link, sentiment, product, words, note string
	campaign                                     string // part of a campaign name to link to
	spikeFrom, spikeTo                           int
}

var fbTemplates = []fbTemplate{
	{theme: "Campaign messaging", link: "promise", sentiment: "negative", product: "FleetLink Tracker",
		words: "Your launch flyer said three months free. Nobody told us that was for annual plans only; we signed monthly and feel tricked.",
		note:  "Third customer this month who read the launch offer this way.", campaign: "FleetLink Tracker launch", spikeFrom: 120, spikeTo: 60},
	{theme: "Campaign messaging", link: "promise", sentiment: "negative", product: "Insight Dashboard",
		words:    "The LinkedIn ad showed an Excel export. We bought the dashboard for exactly that, and it is not there.",
		campaign: "LinkedIn: Insight Dashboard", spikeFrom: 90, spikeTo: 30},
	{theme: "Campaign messaging", link: "promise", sentiment: "negative", product: "ColdChain Sensor S2",
		words: "The email promised 8 to 12 percent energy savings. After three months we see 3 percent at best.",
		note:  "Store manager was polite but clearly disappointed.", campaign: "Retail energy savings"},
	{theme: "Campaign messaging", link: "promise", sentiment: "neutral", product: "Insight Dashboard",
		words:    "The launch webinar was good, but I still do not understand which plan includes the shift reports.",
		campaign: "Insight Dashboard 3.0 launch"},
	{theme: "Campaign messaging", link: "promise", sentiment: "positive", product: "ColdChain Sensor S2",
		words:    "The Harbor Foods case study is exactly our situation. That is why we called you.",
		campaign: "Case study series: Harbor Foods"},
	{theme: "Campaign messaging", link: "expectation", sentiment: "negative", product: "FleetLink Tracker",
		words:    "The expo discount code did not work when we ordered two weeks later, although the rep said it would.",
		campaign: "Logistics Expo booth"},
	{theme: "Pricing and billing", link: "expectation", sentiment: "negative", product: "FleetLink Tracker",
		words: "We were quoted per vehicle, but the invoice charges per tracker, including the spares sitting in our warehouse."},
	{theme: "Pricing and billing", link: "experience", sentiment: "negative", product: "Insight Dashboard",
		words: "The invoice came without our PO number, so accounts payable sent it back twice. Now we have a dunning letter.",
		note:  "Finance at the customer is annoyed, not the users."},
	{theme: "Pricing and billing", link: "expectation", sentiment: "neutral", product: "FleetLink Tracker",
		words: "Fine with the price, but we need to pay quarterly, not a year up front."},
	{theme: "Pricing and billing", link: "experience", sentiment: "positive", product: "Insight Dashboard",
		words: "The new invoice with totals per site saves our controller an hour every month."},
	{theme: "Onboarding and setup", link: "expectation", sentiment: "negative", product: "FleetLink Tracker",
		words: "Sales told us installation takes an afternoon. It took three visits and two weeks for 40 vans.",
		note:  "The rep quoted the brochure; the brochure assumes new vans."},
	{theme: "Onboarding and setup", link: "experience", sentiment: "negative", product: "ColdChain Sensor S2",
		words: "The setup wizard lost our sensor names twice; we typed 120 names again."},
	{theme: "Onboarding and setup", link: "experience", sentiment: "positive", product: "Insight Dashboard",
		words: "The onboarding call was excellent. We were live the same day."},
	{theme: "Onboarding and setup", link: "expectation", sentiment: "neutral", product: "ColdChain Sensor S2",
		words: "Nobody told us the gateway needs its own network port; IT had to open a ticket first and we lost a week."},
	{theme: "Product quality", link: "experience", sentiment: "negative", product: "ColdChain Sensor S2",
		words: "Our S2 sensors show minus 20 while the reference thermometer says minus 18. We nearly threw away a full load.",
		note:  "Serial numbers start with S2-2406.", spikeFrom: 20, spikeTo: 0},
	{theme: "Product quality", link: "experience", sentiment: "negative", product: "FleetLink Tracker",
		words: "Since the last firmware update the trackers in our older vans are empty after a week and a half.",
		note:  "Vans from 2012 and 2013.", spikeFrom: 75, spikeTo: 35},
	{theme: "Product quality", link: "experience", sentiment: "neutral", product: "FleetLink Tracker",
		words: "The mounting bracket cracked on two units after the first frost."},
	{theme: "Missing feature", link: "expectation", sentiment: "negative", product: "Insight Dashboard",
		words:     "We need to export alarms to Excel for our auditors; the CSV with semicolons breaks their template.",
		spikeFrom: 90, spikeTo: 20},
	{theme: "Missing feature", link: "experience", sentiment: "neutral", product: "FleetLink Tracker",
		words: "We would love geofences per driver, not only per vehicle."},
	{theme: "Missing feature", link: "promise", sentiment: "negative", product: "Insight Dashboard",
		words: "The brochure shows a mobile app for the dashboard. There is only the mobile website."},
	{theme: "Missing feature", link: "experience", sentiment: "neutral", product: "ColdChain Sensor S2",
		words: "An SMS alarm, not only email, would help our night shift."},
	{theme: "Performance and reliability", link: "experience", sentiment: "negative", product: "Insight Dashboard",
		words: "The dashboard takes 30 seconds to load on Monday mornings, when everyone opens the weekly report."},
	{theme: "Performance and reliability", link: "experience", sentiment: "negative", product: "FleetLink Tracker",
		words: "Positions froze for two hours on Tuesday and nobody told us. Dispatch phoned every driver."},
	{theme: "Performance and reliability", link: "experience", sentiment: "positive", product: "Insight Dashboard",
		words: "Since 3.0 the reports load instantly. Big difference for the morning meeting.", spikeFrom: 50, spikeTo: 0},
	{theme: "Integrations", link: "expectation", sentiment: "negative", product: "Insight Dashboard",
		words: "Sales said the SAP connector was standard. Now we hear it is a paid project.",
		note:  "Deal is at risk; they budgeted nothing for integration."},
	{theme: "Integrations", link: "experience", sentiment: "neutral", product: "FleetLink Tracker",
		words: "The API rate limit is too low for our dispatch system, which polls every vehicle every ten seconds."},
	{theme: "Integrations", link: "expectation", sentiment: "negative", product: "ColdChain Sensor S2",
		words: "We were told the sensors talk to our existing gateway. They do not."},
	{theme: "Ease of use", link: "experience", sentiment: "negative", product: "Insight Dashboard",
		words: "Alarm rules are hidden three menus deep; my team gave up and calls me instead."},
	{theme: "Ease of use", link: "experience", sentiment: "neutral", product: "FleetLink Driver App",
		words: "Drivers cannot find the break button in the app; it is grey on grey."},
	{theme: "Ease of use", link: "experience", sentiment: "positive", product: "FleetLink Driver App",
		words: "Drivers like the new app: bigger buttons, fewer taps."},
	{theme: "Documentation and training", link: "experience", sentiment: "negative", product: "ColdChain Sensor S2",
		words: "The calibration guide is only in English, and our warehouse staff do not read English."},
	{theme: "Documentation and training", link: "expectation", sentiment: "neutral", product: "Insight Dashboard",
		words: "Training was promised on site; it was a recorded video."},
	{theme: "Documentation and training", link: "experience", sentiment: "positive", product: "FleetLink Tracker",
		words: "The short install videos are great. Our own mechanics mount the trackers now."},
	{theme: "Support experience", link: "experience", sentiment: "negative", product: "FleetLink Tracker",
		words: "We waited four days for an answer to a ticket marked urgent."},
	{theme: "Support experience", link: "experience", sentiment: "positive", product: "ColdChain Sensor S2",
		words:     "Service called us about the faulty batch before we noticed anything. That is why we stay with you.",
		spikeFrom: 3, spikeTo: 0},
	{theme: "Support experience", link: "experience", sentiment: "negative", product: "Insight Dashboard",
		words: "Every support call starts from zero; nobody reads the previous ticket."},
	{theme: "Contract and renewal", link: "expectation", sentiment: "negative", product: "FleetLink Tracker",
		words: "The three-month notice period was never mentioned when we signed."},
	{theme: "Contract and renewal", link: "expectation", sentiment: "neutral", product: "Insight Dashboard",
		words: "We want to add 15 users in the middle of the term without a new contract."},
	{theme: "Contract and renewal", link: "promise", sentiment: "negative", product: "FleetLink Tracker",
		words:    "The year-end mail said this year's prices are held for next year; our renewal quote is 6 percent higher.",
		campaign: "Year-end budget campaign"},
	{theme: "Delivery and lead times", link: "expectation", sentiment: "negative", product: "ColdChain Sensor S2",
		words: "We were promised the kit within a week. It took four, and our audit was in between."},
	{theme: "Delivery and lead times", link: "experience", sentiment: "neutral", product: "FleetLink Tracker",
		words: "The trackers arrived, but the cables came in a separate parcel a week later."},
	{theme: "Delivery and lead times", link: "promise", sentiment: "negative", product: "ColdChain Sensor S2",
		words:    "The mailing said the loan kit ships from Hamburg in two days. It took two weeks.",
		campaign: "Direct mail to plant managers"},
}

var (
	fbCustomers = []string{"Harbor Foods", "Nordic Freight", "Alpine Dairy", "Rhein Pharma Logistik", "Baltic Cold Store",
		"Lindner Transport", "Metro Fresh Markets", "Vanguard Couriers", "Polar Pharma Wholesale", "Keller Bau",
		"Sunrise Bakeries", "Delta Vending", "Greenfield Farms", "Blue Harbor Seafood", "Fjord Fisheries", "Hansa Retail",
		"Castle Hotels", "Ostbahn Logistik", "Medline Distribution", "Rapid Parcel", "Elbe Kühlhaus", "Tatra Fresh",
		"Lakeside Catering", "Brightwater Utilities", "Iberia Frozen Foods", "Danube Pharma", "Westpoint Movers",
		"Copperfield Care Homes", "Sørensen Transport", "Atlas Ice Cream"}
	fbPrefixes = []string{"", "", "", "Honestly: ", "Quote from the call: ", "Their words: "}
	fbNotes    = []string{"Came up in the quarterly review.", "Said twice, so it matters to them.",
		"Customer asked me to pass it on.", "Heard on site during the install.", "Raised by their head of operations.",
		"They are happy otherwise.", "Renewal is due next quarter."}
	fbHeardNotes = []string{"", "", "Same here.", "Heard this twice at the trade fair.", "Raised in their renewal call.",
		"Came up in a support call this week.", "Their CFO mentioned it too.", "Same wording, almost word for word.",
		"They asked whether it is being fixed."}
	fbAcks = []string{
		"Thanks for passing this on. We are checking it with product and come back with a plan.",
		"Got it, and it is not the first time we hear this. Looking into it this week.",
		"Thank you. We have put it on the agenda of Thursday's marketing-sales sync.",
		"Acknowledged. We are collecting more cases; +1s help us size it.",
	}
	// fbPlans, fbActs and fbDeclines answer by theme.
	fbPlans = map[string]string{
		"Campaign messaging":          "We are rewriting the offer text and the talking points; the new version goes out with the next send.",
		"Pricing and billing":         "Finance will change the invoice template; planned for the next billing run.",
		"Onboarding and setup":        "We are adding realistic install times and a network checklist to the sales deck.",
		"Product quality":             "Product has confirmed the fault; replacement plan and a customer letter are in preparation.",
		"Missing feature":             "It is on the roadmap; we will tell customers the release as soon as product commits to it.",
		"Performance and reliability": "Engineering is working on it; we prepare a status-page link for customers.",
		"Integrations":                "We are clarifying what is standard and what is a project, and will update the price list.",
		"Ease of use":                 "Product is redesigning that screen; we will share a preview with this customer.",
		"Documentation and training":  "Translations and on-site training slots are planned for next quarter.",
		"Support experience":          "Service is changing the urgent-ticket process; we will report back.",
		"Contract and renewal":        "Legal is reviewing the wording; sales gets a one-page summary of the terms.",
		"Delivery and lead times":     "Logistics will quote real lead times in the order confirmation from next month.",
	}
	fbActs = map[string]string{
		"Campaign messaging":          "Done: the offer text now says \"annual plans only\" in the headline, and sales has the updated talking points.",
		"Pricing and billing":         "Done: invoices carry the PO number and a per-site total. Affected customers got a corrected invoice.",
		"Onboarding and setup":        "Done: the deck now says \"1–3 days depending on vehicle age\" and includes the IT checklist.",
		"Product quality":             "Done: replacements shipped, and every affected customer was called by service.",
		"Missing feature":             "Done: it shipped in the latest release; we emailed the customers who asked for it.",
		"Performance and reliability": "Done: the fix is live and the status page now announces incidents.",
		"Integrations":                "Done: the price list now shows the connector as a fixed-price package.",
		"Ease of use":                 "Done: the new screen is live. Thanks for the push.",
		"Documentation and training":  "Done: the guide is available in German and Polish, and on-site training can be booked.",
		"Support experience":          "Done: urgent tickets now page the on-call engineer, and agents see the ticket history.",
		"Contract and renewal":        "Done: notice periods are on the quote's first page, and mid-term seat changes need no new contract.",
		"Delivery and lead times":     "Done: order confirmations now carry the real ship date.",
	}
	fbDeclines = []string{
		"We looked into it and will not change this now: it affects very few customers. We will revisit if we hear it more often.",
		"This is how the product is meant to work; we have added an explanation to the FAQ instead.",
		"Not this year: it conflicts with the roadmap. Sales has a workaround in the talking points.",
	}
)

// fbPerson is a demo user as the feedback loader needs them.
type fbPerson struct {
	ID    int64
	Email string
	Name  string
	Team  users.Team
	Role  users.Role
}

// fbNamed is a row's name and id.
type fbNamed struct {
	Name string
	ID   int64
}

// fbItem is one demo item with its simulated history.
type fbItem struct {
	tpl        int
	reporter   fbPerson
	customer   string
	leadID     *int64
	campaignID *int64
	words      string
	note       string
	created    time.Time
	dup        *fbItem   // the earlier item this duplicate is merged into
	forgotten  bool      // never acknowledged: waits too long, a trouble sign
	mergeAt    time.Time // when, for duplicates
	heard      []fbHeard
	events     []fbEvent
	status     feedback.Status
	statusAt   time.Time
	owner      *int64
	response   string
	respondAt  *time.Time
	respondBy  *int64
	ackAt      *time.Time
	rating     *int
	ratedAt    *time.Time
	version    int
	id         int64
}

type fbHeard struct {
	user     fbPerson
	customer string
	note     string
	at       time.Time
}

type fbEvent struct {
	at       time.Time
	actor    int64
	kind     string
	from, to *string
	response string
	owner    *int64
	rating   *int
}

// demoFeedback loads a few hundred feedback items over two quarters with
// +1s, responses, ratings and a few merges of duplicates, some linked to
// leads and campaigns.
func demoFeedback(ctx context.Context, pool *pgxpool.Pool, now time.Time, rng *rand.Rand) (bool, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM feedback_items)`).Scan(&exists); err != nil {
		return false, err
	}
	if exists {
		return false, nil
	}
	loc := now.Location()
	rows, err := pool.Query(ctx, `SELECT id, email, name, team, role FROM users WHERE active ORDER BY id`)
	if err != nil {
		return false, err
	}
	people, err := pgx.CollectRows(rows, pgx.RowToStructByPos[fbPerson])
	if err != nil {
		return false, err
	}
	byEmail := map[string]fbPerson{}
	var field []fbPerson // sales and service: most feedback comes from them
	var marketing []fbPerson
	for _, p := range people {
		byEmail[p.Email] = p
		if p.Team == users.Marketing {
			marketing = append(marketing, p)
		} else {
			field = append(field, p)
		}
	}
	triagers := []fbPerson{byEmail["marketer@example.com"], byEmail["marketer@example.com"], byEmail["noah.kim@example.com"],
		byEmail["marketing.manager@example.com"], byEmail["admin@example.com"]}
	owners := []fbPerson{byEmail["marketer@example.com"], byEmail["noah.kim@example.com"], byEmail["marketing.manager@example.com"]}
	for _, p := range slices.Concat(triagers, owners) {
		if p.ID == 0 {
			return false, fmt.Errorf("demo users are missing: load them first")
		}
	}

	themes := map[string]int64{}
	rows, err = pool.Query(ctx, `SELECT name, id FROM feedback_themes`)
	if err != nil {
		return false, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[fbNamed])
	if err != nil {
		return false, err
	}
	for _, t := range list {
		themes[t.Name] = t.ID
	}
	for _, t := range fbTemplates {
		if themes[t.theme] == 0 {
			return false, fmt.Errorf("feedback theme %q is missing", t.theme)
		}
	}
	rows, err = pool.Query(ctx, `SELECT company, id FROM leads
		WHERE stage IN ('accepted', 'opportunity', 'won', 'lost') ORDER BY id LIMIT 400`)
	if err != nil {
		return false, err
	}
	leads, err := pgx.CollectRows(rows, pgx.RowToStructByPos[fbNamed])
	if err != nil {
		return false, err
	}
	rows, err = pool.Query(ctx, `SELECT name, id FROM campaigns ORDER BY id`)
	if err != nil {
		return false, err
	}
	campaigns, err := pgx.CollectRows(rows, pgx.RowToStructByPos[fbNamed])
	if err != nil {
		return false, err
	}

	items := fbGenerate(now, loc, rng, field, marketing, leads, campaigns)
	fbPairDuplicates(items, now, rng)
	// Every third item of the last twelve days that is past its deadline
	// was forgotten: the overview's trouble sign has something to show.
	overdue := 0
	for _, it := range items {
		if it.dup == nil && now.After(feedback.AckDue(it.created, loc)) && now.Sub(it.created) < 12*24*time.Hour {
			it.forgotten = overdue%3 == 0
			overdue++
		}
	}
	for _, it := range items {
		fbHeardToo(it, people, now, rng)
		if it.dup == nil {
			fbLifecycle(it, now, loc, rng, triagers, owners)
		} else {
			it.status, it.statusAt, it.version = feedback.New, it.created, 1
			it.events = []fbEvent{{at: it.created, actor: it.reporter.ID, kind: "created", to: fbStr("new")}}
		}
	}

	err = db.InTx(ctx, pool, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		for _, it := range items {
			t := fbTemplates[it.tpl]
			batch.Queue(`INSERT INTO feedback_items (reporter_id, reporter_team, customer, lead_id, campaign_id, product,
					theme_id, sentiment, chain_link, customer_words, reporter_note, status, status_at, owner_id, response,
					responded_at, responded_by, acknowledged_at, ack_due_at, rating, rated_at, created_at, updated_at, version)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
				RETURNING id`,
				it.reporter.ID, it.reporter.Team, it.customer, it.leadID, it.campaignID, t.product, themes[t.theme],
				t.sentiment, t.link, it.words, it.note, it.status, it.statusAt, it.owner, it.response, it.respondAt,
				it.respondBy, it.ackAt, feedback.AckDue(it.created, loc), it.rating, it.ratedAt, it.created,
				fbLatest(it), it.version).QueryRow(func(row pgx.Row) error { return row.Scan(&it.id) })
		}
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return err
		}
		var heard, events [][]any
		for _, it := range items {
			for _, h := range it.heard {
				heard = append(heard, []any{it.id, h.user.ID, h.customer, h.note, h.at})
			}
			for _, e := range it.events {
				events = append(events, []any{it.id, e.at, e.actor, e.kind, e.from, e.to, e.response, e.owner, e.rating})
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"feedback_heard"},
			[]string{"item_id", "user_id", "customer", "note", "created_at"}, pgx.CopyFromRows(heard)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE feedback_items f SET heard_count = h.n
			FROM (SELECT item_id, count(*) AS n FROM feedback_heard GROUP BY item_id) h WHERE h.item_id = f.id`); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"feedback_events"},
			[]string{"item_id", "at", "actor_id", "kind", "from_status", "to_status", "response", "owner_id", "rating"},
			pgx.CopyFromRows(events)); err != nil {
			return err
		}
		names := map[int64]string{}
		for _, p := range people {
			names[p.ID] = p.Name
		}
		return fbRecentNotifications(ctx, tx, items, names, now)
	})
	if err != nil {
		return false, err
	}

	// Duplicates go through the real merge, so the demo obeys the same
	// counting rules as the app. The merge's notifications are history.
	store := feedback.NewStore(pool, loc)
	for _, it := range items {
		if it.dup == nil {
			continue
		}
		into := it.dup
		by := triagers[rng.IntN(len(triagers))]
		at := it.mergeAt
		u := users.User{ID: by.ID, Name: by.Name, Team: by.Team, Role: by.Role, Active: true}
		if err := store.WithClock(func() time.Time { return at }).Merge(ctx, u, it.id, into.id, it.version); err != nil {
			return false, fmt.Errorf("merge #%d into #%d: %w", it.id, into.id, err)
		}
		if _, err := pool.Exec(ctx, `UPDATE notifications SET created_at = $1, read_at = $1
			WHERE kind = 'feedback_merged' AND link = $2 AND created_at > $3`, at, feedback.Link(into.id), now); err != nil {
			return false, err
		}
	}
	return true, nil
}

func fbStr(s string) *string { return &s }

// fbOfficeHours moves t into working hours (weekdays 8:00–18:00 in loc):
// marketing answers from the office. Moved answers spread over the day;
// the weekend's backlog over Monday and Tuesday.
func fbOfficeHours(t time.Time, loc *time.Location, rng *rand.Rand) time.Time {
	t = t.In(loc)
	moved, weekend := false, false
	for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday || t.Hour() >= 18 {
		weekend = weekend || t.Weekday() == time.Saturday || t.Weekday() == time.Sunday
		t = time.Date(t.Year(), t.Month(), t.Day()+1, 8, 0, 0, 0, loc)
		moved = true
	}
	if t.Hour() < 8 {
		t = time.Date(t.Year(), t.Month(), t.Day(), 8, 0, 0, 0, loc)
		moved = true
	}
	if weekend && rng.IntN(2) == 0 {
		t = t.AddDate(0, 0, 1)
	}
	if moved {
		t = t.Add(time.Duration(rng.IntN(9*60)) * time.Minute)
	}
	return t
}

func fbLatest(it *fbItem) time.Time {
	latest := it.created
	for _, e := range it.events {
		if e.at.After(latest) {
			latest = e.at
		}
	}
	return latest
}

// fbGenerate draws the items: when, who, what, for which customer.
func fbGenerate(now time.Time, loc *time.Location, rng *rand.Rand, field, marketing []fbPerson,
	leads, campaigns []fbNamed) []*fbItem {
	items := make([]*fbItem, 0, fbDemoCount)
	for range fbDemoCount {
		// A working day in the last two quarters, mostly in office hours.
		daysAgo := rng.IntN(182)
		day := now.AddDate(0, 0, -daysAgo)
		for rng.Float64() < 0.9 && (day.Weekday() == time.Saturday || day.Weekday() == time.Sunday) {
			day = day.AddDate(0, 0, 1)
			daysAgo--
		}
		created := time.Date(day.Year(), day.Month(), day.Day(), 8+rng.IntN(10), rng.IntN(60), rng.IntN(60), 0, loc)
		if created.After(now.Add(-20 * time.Minute)) {
			created = now.Add(-time.Duration(20+rng.IntN(600)) * time.Minute)
			daysAgo = 0
		}
		// Templates weigh more inside their spike window.
		weights := make([]int, len(fbTemplates))
		total := 0
		for i, t := range fbTemplates {
			w := 2
			if t.spikeFrom > 0 || t.spikeTo > 0 {
				w = 1
				if daysAgo <= t.spikeFrom && daysAgo >= t.spikeTo {
					w = 14
				}
			}
			weights[i] = w
			total += w
		}
		n := rng.IntN(total)
		tpl := 0
		for i, w := range weights {
			if n < w {
				tpl = i
				break
			}
			n -= w
		}
		t := fbTemplates[tpl]
		reporter := field[rng.IntN(len(field))]
		if t.link == "promise" && rng.Float64() < 0.15 || rng.Float64() < 0.05 {
			reporter = marketing[rng.IntN(len(marketing))]
		}
		it := &fbItem{tpl: tpl, reporter: reporter, created: created,
			customer: fbCustomers[rng.IntN(len(fbCustomers))],
			words:    fbPrefixes[rng.IntN(len(fbPrefixes))] + t.words}
		if len(leads) > 0 && rng.Float64() < 0.3 {
			l := leads[rng.IntN(len(leads))]
			it.customer, it.leadID = l.Name, &l.ID
		}
		if t.campaign != "" && rng.Float64() < 0.7 {
			for _, c := range campaigns {
				if strings.Contains(c.Name, t.campaign) {
					it.campaignID = &c.ID
					break
				}
			}
		}
		switch {
		case t.note != "" && rng.Float64() < 0.6:
			it.note = t.note
		case rng.Float64() < 0.35:
			it.note = fbNotes[rng.IntN(len(fbNotes))]
		}
		items = append(items, it)
	}
	slices.SortStableFunc(items, func(a, b *fbItem) int { return a.created.Compare(b.created) })
	return items
}

// fbPairDuplicates marks a few later items as duplicates of an earlier one
// with the same template, merged a day or so after they were logged.
func fbPairDuplicates(items []*fbItem, now time.Time, rng *rand.Rand) {
	used := map[*fbItem]bool{}
	pairs := 0
	for _, j := range rng.Perm(len(items)) {
		if pairs == 7 {
			break
		}
		b := items[j]
		mergeAt := b.created.Add(time.Duration(4+rng.IntN(26)) * time.Hour)
		if used[b] || mergeAt.After(now.Add(-time.Hour)) {
			continue
		}
		for i := j - 1; i >= 0; i-- {
			a := items[i]
			gap := b.created.Sub(a.created)
			if used[a] || a.tpl != b.tpl || gap < 24*time.Hour || gap > 40*24*time.Hour {
				continue
			}
			b.dup, b.mergeAt = a, mergeAt
			used[a], used[b] = true, true
			pairs++
			break
		}
	}
}

// fbHeardToo adds colleagues' +1s. A duplicate gets its +1s before its
// merge, partly from people who heard the original too: the merge must
// count them once.
func fbHeardToo(it *fbItem, people []fbPerson, now time.Time, rng *rand.Rand) {
	end := now.Add(-5 * time.Minute)
	if it.dup != nil {
		end = it.mergeAt.Add(-time.Minute)
	}
	window := end.Sub(it.created.Add(time.Hour))
	if window <= 0 {
		return
	}
	n := 0
	switch r := rng.Float64(); {
	case r < 0.42:
	case r < 0.67:
		n = 1
	case r < 0.82:
		n = 2
	case r < 0.93:
		n = 3 + rng.IntN(2)
	default:
		n = 5 + rng.IntN(4)
	}
	if it.dup != nil {
		n = 2 + rng.IntN(3)
	}
	maxWindow := 30 * 24 * time.Hour
	for _, k := range rng.Perm(len(people)) {
		if len(it.heard) >= n {
			break
		}
		p := people[k]
		if p.ID == it.reporter.ID {
			continue
		}
		at := it.created.Add(time.Hour + time.Duration(rng.Int64N(int64(min(window, maxWindow)))))
		h := fbHeard{user: p, at: at, note: fbHeardNotes[rng.IntN(len(fbHeardNotes))]}
		if rng.Float64() < 0.55 {
			h.customer = fbCustomers[rng.IntN(len(fbCustomers))]
		}
		it.heard = append(it.heard, h)
	}
	slices.SortFunc(it.heard, func(a, b fbHeard) int { return a.at.Compare(b.at) })
}

// fbLifecycle simulates triage: acknowledgement (mostly within two business
// days), planning, acting or declining, an owner, and the reporter's rating.
func fbLifecycle(it *fbItem, now time.Time, loc *time.Location, rng *rand.Rand, triagers, owners []fbPerson) {
	t := fbTemplates[it.tpl]
	it.status, it.statusAt, it.version = feedback.New, it.created, 1
	it.events = []fbEvent{{at: it.created, actor: it.reporter.ID, kind: "created", to: fbStr("new")}}
	hours := func(lo, hi float64) time.Duration {
		return time.Duration((lo + rng.Float64()*(hi-lo)) * float64(time.Hour))
	}
	due := feedback.AckDue(it.created, loc)
	var first time.Time
	switch r := rng.Float64(); {
	case it.forgotten:
		return
	case r < 0.82:
		first = it.created.Add(time.Duration(rng.Int64N(int64(due.Sub(it.created)))))
		if earliest := it.created.Add(20 * time.Minute); first.Before(earliest) {
			first = earliest
		}
	default:
		first = due.Add(hours(2, 96)) // late
	}
	move := func(at time.Time, to feedback.Status, response string) bool {
		at = fbOfficeHours(at, loc, rng)
		if at.After(now.Add(-time.Minute)) {
			return false
		}
		by := triagers[rng.IntN(len(triagers))]
		it.events = append(it.events, fbEvent{at: at, actor: by.ID, kind: "status", from: fbStr(string(it.status)),
			to: fbStr(string(to)), response: response})
		it.status, it.statusAt, it.response, it.respondAt, it.respondBy = to, at, response, &at, &by.ID
		if it.ackAt == nil {
			it.ackAt = &at
		}
		it.version++
		return true
	}
	decline := fbDeclines[rng.IntN(len(fbDeclines))]
	firstTo, firstText := feedback.Acknowledged, fbAcks[rng.IntN(len(fbAcks))]
	switch r := rng.Float64(); {
	case r < 0.1:
		firstTo, firstText = feedback.Planned, fbPlans[t.theme]
	case r < 0.18:
		firstTo, firstText = feedback.Declined, decline
	case r < 0.28:
		firstTo, firstText = feedback.ActedOn, fbActs[t.theme]
	}
	if !move(first, firstTo, firstText) {
		return
	}
	first = *it.respondAt
	if rng.Float64() < 0.65 {
		o := owners[rng.IntN(len(owners))]
		at := first.Add(5 * time.Minute)
		if !at.After(now) {
			it.events = append(it.events, fbEvent{at: at, actor: *it.respondBy, kind: "owner", owner: &o.ID})
			it.owner = &o.ID
			it.version++
		}
	}
	if it.status == feedback.Acknowledged {
		next := first.Add(hours(3*24, 20*24))
		switch r := rng.Float64(); {
		case r < 0.45:
			move(next, feedback.Planned, fbPlans[t.theme])
		case r < 0.7:
			move(next, feedback.ActedOn, fbActs[t.theme])
		case r < 0.85:
			move(next, feedback.Declined, decline)
		}
	}
	if it.status == feedback.Planned && rng.Float64() < 0.72 {
		move(it.statusAt.Add(hours(7*24, 45*24)), feedback.ActedOn, fbActs[t.theme])
	}
	// The reporter rates the latest response, more kindly when it was acted on.
	if rng.Float64() < 0.68 {
		at := it.respondAt.Add(hours(1, 96))
		if at.After(now.Add(-time.Minute)) {
			return
		}
		scale := map[feedback.Status][]int{
			feedback.ActedOn:      {5, 5, 5, 5, 4, 4, 4, 4, 3, 2},
			feedback.Planned:      {5, 4, 4, 4, 4, 3, 3, 3, 2, 2},
			feedback.Acknowledged: {4, 4, 3, 3, 3, 3, 2, 2, 2, 1},
			feedback.Declined:     {4, 3, 3, 3, 2, 2, 2, 1, 1, 1},
		}[it.status]
		rating := scale[rng.IntN(len(scale))]
		it.rating, it.ratedAt = &rating, &at
		it.events = append(it.events, fbEvent{at: at, actor: it.reporter.ID, kind: "rating", rating: &rating})
	}
}

// fbRecentNotifications gives the last ten days' responses their in-app
// notifications, unread, as the app would have sent them.
func fbRecentNotifications(ctx context.Context, tx pgx.Tx, items []*fbItem, names map[int64]string, now time.Time) error {
	var rows [][]any
	for _, it := range items {
		for _, e := range it.events {
			if e.kind != "status" || now.Sub(e.at) > 10*24*time.Hour {
				continue
			}
			recipients := []int64{it.reporter.ID}
			for _, h := range it.heard {
				if h.at.Before(e.at) {
					recipients = append(recipients, h.user.ID)
				}
			}
			title := feedback.ResponseTitle(it.id, it.customer, feedback.Status(*e.to), names[e.actor])
			for _, u := range recipients {
				if u != e.actor {
					rows = append(rows, []any{u, "feedback_response", title, feedback.Link(it.id), e.at})
				}
			}
		}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"notifications"}, []string{"user_id", "kind", "title", "link", "created_at"},
		pgx.CopyFromRows(rows))
	return err
}
