package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
)

// demoLeadCount is the size of the demo pipeline over two quarters.
const demoLeadCount = 2400

var (
	companyHeads = []string{"North", "Blue", "Iron", "Silver", "Bright", "Cedar", "Harbor", "Summit", "Granite", "Maple",
		"Orbit", "Pioneer", "Quantum", "River", "Stone", "Vertex", "Willow", "Atlas", "Beacon", "Crest"}
	companyTails = []string{"Logistics", "Foods", "Health", "Systems", "Labs", "Works", "Retail", "Energy", "Capital",
		"Analytics", "Machines", "Textiles", "Pharma", "Media", "Freight", "Software", "Builders", "Dental", "Hotels", "Farms"}
	firstNames = []string{"Anna", "Ben", "Carla", "David", "Elif", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Kira", "Liam",
		"Maya", "Nils", "Olga", "Pablo", "Quinn", "Rosa", "Stefan", "Tara", "Umar", "Vera", "Wim", "Yara", "Zoe"}
	lastNames = []string{"Schmidt", "Garcia", "Jansen", "Rossi", "Novak", "Dubois", "Kowalski", "Berg", "Costa", "Murphy",
		"Ivanova", "Lindqvist", "Moreau", "Fischer", "Santos", "Keller", "Horvat", "Nagy", "Weiss", "Brandt"}
	jobTitles = []string{"Head of Operations", "IT Manager", "CFO", "Procurement Lead", "COO", "Facilities Manager",
		"Marketing Director", "Owner", "Plant Manager", "VP Sales"}
	countries = []string{"DE", "AT", "CH", "NL", "FR", "PL", "SE", "GB", "IT", "ES"}
	asks      = []string{"asked for a demo", "downloaded the pricing guide and asked for a call", "wants a quote for 50 seats",
		"attended the webinar and asked about integrations", "requested a trial", "asked about delivery times",
		"compares us with their current supplier", "needs a solution before the next quarter"}
	whys = []string{"fits our mid-market profile", "budget confirmed in the form", "decision maker", "came back three times this month",
		"matches the campaign's target industry", "existing customer's sister company"}
	lostReasons = []string{"chose a competitor on price", "project postponed", "no decision", "went with the incumbent",
		"budget cut"}
	rejectWeights = []struct {
		reason string
		weight int
	}{{"not_icp", 30}, {"no_budget", 22}, {"bad_contact", 15}, {"duplicate", 8}, {"bad_timing", 15}, {"competitor_or_student", 6}, {"other", 4}}
)

type demoEvent struct {
	leadID   int64
	at       time.Time
	actor    int64
	kind     string
	from, to *string
	touch    *string
	note     string
	version  int
}

// demoLeads builds a believable pipeline: about 80 % of handoffs accepted,
// a spread of rejection reasons, some SLA breaches, and roughly a fifth of
// handed-off leads won. Rows go in with COPY.
func demoLeads(ctx context.Context, pool *pgxpool.Pool, now time.Time, rng *rand.Rand) (bool, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM leads)`).Scan(&exists); err != nil {
		return false, err
	}
	if exists {
		return false, nil
	}
	people, err := peopleByEmail(ctx, pool)
	if err != nil {
		return false, err
	}
	reps := []int64{people["rep@example.com"], people["jordan.blake@example.com"], people["priya.nair@example.com"],
		people["tom.becker@example.com"], people["lena.fischer@example.com"]}
	formerRep := people["chris.doyle@example.com"]
	salesManager := people["sales.manager@example.com"]
	marketers := []int64{people["marketer@example.com"], people["noah.kim@example.com"], people["marketing.manager@example.com"]}

	start := now.AddDate(0, -6, 0)
	span := now.Sub(start)
	var rows [][]any
	var events []demoEvent
	hours := func(lo, hi float64) time.Duration {
		return time.Duration((lo + rng.Float64()*(hi-lo)) * float64(time.Hour))
	}
	for i := 0; i < demoLeadCount; i++ {
		id := int64(i + 1)
		// Leads arrive a little faster over time.
		created := start.Add(time.Duration(float64(span) * (1 - rng.Float64()*rng.Float64())))
		created = created.Add(-time.Duration(rng.IntN(3600)) * time.Second)
		if created.After(now) {
			created = now.Add(-time.Hour)
		}
		first, last := pick(rng, firstNames), pick(rng, lastNames)
		company := pick(rng, companyHeads) + " " + pick(rng, companyTails)
		domain := strings.ToLower(strings.ReplaceAll(company, " ", "")) + ".example"
		l := demoLead{id: id, company: company, contact: first + " " + last,
			email: fmt.Sprintf("%s.%s.%d@%s", strings.ToLower(first), strings.ToLower(last), id, domain),
			phone: fmt.Sprintf("+49 30 %07d", rng.IntN(10000000)), title: pick(rng, jobTitles), country: pick(rng, countries),
			fit: pick(rng, []string{"strong", "medium", "medium", "weak", ""}), score: 20 + rng.IntN(80),
			stage: "new", created: created}
		version := 1
		ev := func(at time.Time, actor int64, kind, from, to, note string) {
			e := demoEvent{leadID: id, at: at, actor: actor, kind: kind, note: note, version: version}
			if from != "" {
				e.from = &from
			}
			if to != "" {
				e.to = &to
			}
			events = append(events, e)
		}
		marketer := marketers[rng.IntN(len(marketers))]
		ev(created, marketer, "created", "", "new", "")
		move := func(at time.Time, actor int64, to, note string) bool {
			if at.After(now) {
				return false
			}
			version++
			ev(at, actor, "stage", l.stage, to, note)
			l.stage = to
			return true
		}

		age := now.Sub(created)
		if rng.Float64() < 0.86 || age > 30*24*time.Hour && rng.Float64() < 0.5 {
			mql := created.Add(hours(1, 72))
			if move(mql, marketer, "mql", "") {
				l.mqlAt = &mql
			}
		}
		if l.stage == "mql" && rng.Float64() < 0.8 {
			handoff := l.mqlAt.Add(hours(0.5, 40))
			note := fmt.Sprintf("%s: %s; %s.", first, pick(rng, asks), pick(rng, whys))
			if move(handoff, marketer, "handed_off", note) {
				l.handedOffAt, l.handoffNote, l.handedOffBy = &handoff, note, marketer
				switch {
				case now.Sub(handoff) > 150*24*time.Hour && rng.Float64() < 0.3:
					l.owner = formerRep
				case now.Sub(handoff) < 72*time.Hour && rng.Float64() < 0.3:
					// recent and still waiting for a sales manager to assign it
				default:
					l.owner = reps[rng.IntN(len(reps))]
				}
			}
		}
		touch := func(at time.Time, actor int64, kind string) {
			events = append(events, demoEvent{leadID: id, at: at, actor: actor, kind: "touch", touch: &kind,
				note: "first contact", version: version})
		}
		if l.stage == "handed_off" {
			seedSales(&l, rng, now, hours, move, touch, salesManager)
		}
		// The row's version is that of its last event, as the app keeps it:
		// a conflict lists the events after the version a form was loaded at.
		l.version = version
		rows = append(rows, l.row())
	}

	err = db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"leads"}, leadCopyColumns, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"lead_events"},
			[]string{"lead_id", "at", "actor_id", "kind", "from_stage", "to_stage", "touch_kind", "note", "version"},
			pgx.CopyFromSlice(len(events), func(i int) ([]any, error) {
				e := events[i]
				return []any{e.leadID, e.at, e.actor, e.kind, e.from, e.to, e.touch, e.note, e.version}, nil
			})); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('leads', 'id'), (SELECT max(id) FROM leads))`)
		return err
	})
	return err == nil, err
}

// seedSales plays out what sales did with a handed-off lead.
func seedSales(l *demoLead, rng *rand.Rand, now time.Time, hours func(lo, hi float64) time.Duration,
	move func(time.Time, int64, string, string) bool, touch func(time.Time, int64, string), salesManager int64) {
	actor := l.owner
	if actor == 0 {
		actor = salesManager
	}
	// First touch: mostly inside the 24-hour SLA, some late, a few never.
	var touchAt time.Time
	switch p := rng.Float64(); {
	case p < 0.84:
		touchAt = l.handedOffAt.Add(hours(0.2, 22))
	case p < 0.95:
		touchAt = l.handedOffAt.Add(hours(25, 70))
	}
	if l.owner != 0 && !touchAt.IsZero() && touchAt.Before(now) {
		l.firstTouchAt = &touchAt
		touch(touchAt, actor, pick(rng, []string{"call", "call", "email", "meeting"}))
	}
	if l.owner == 0 {
		return
	}
	verdict := l.handedOffAt.Add(hours(2, 60))
	if l.firstTouchAt != nil && verdict.Before(*l.firstTouchAt) {
		verdict = l.firstTouchAt.Add(hours(0.5, 8))
	}
	if rng.Float64() < 0.81 {
		r := 3 + rng.IntN(3)
		if move(verdict, actor, "accepted", fmt.Sprintf("quality %d/5", r)) {
			l.acceptedAt, l.rating = &verdict, r
		}
	} else {
		reason := weighted(rng)
		r := 1 + rng.IntN(3)
		note := ""
		if reason == "other" || rng.Float64() < 0.4 {
			note = pick(rng, []string{"Contact says they never asked for this.", "Student project.", "Already talking to us via a partner.",
				"Phone number dead, email bounced.", "Company has 3 employees.", "Budget only next fiscal year."})
		}
		if move(verdict, actor, "rejected", fmt.Sprintf("%s, quality %d/5", reason, r)) {
			l.rejectedAt, l.rating, l.reason, l.rejectNote = &verdict, r, reason, note
			if recycle := verdict.Add(hours(24, 24*20)); rng.Float64() < 0.3 && move(recycle, l.handedOffBy, "recycled", "back to nurture") {
				l.recycledAt = &recycle
			}
		}
		return
	}
	if l.stage != "accepted" {
		return
	}
	opp := l.acceptedAt.Add(hours(24, 24*21))
	if rng.Float64() < 0.72 && move(opp, actor, "opportunity", "") {
		l.opportunityAt = &opp
		close := opp.Add(hours(24*5, 24*60))
		switch p := rng.Float64(); {
		case p < 0.38:
			value := float64(5000 + rng.IntN(115000))
			if move(close, actor, "won", fmt.Sprintf("value %.2f", value)) {
				l.wonAt, l.value = &close, value
			}
		case p < 0.68:
			reason := pick(rng, lostReasons)
			if move(close, actor, "lost", reason) {
				l.lostAt, l.lostReason = &close, reason
			}
		}
	}
}

type demoLead struct {
	id                                                       int64
	company, contact, email, phone, title, country, fit      string
	score                                                    int
	owner, handedOffBy                                       int64
	stage                                                    string
	value                                                    float64
	handoffNote, reason, rejectNote, lostReason              string
	rating                                                   int
	created                                                  time.Time
	version                                                  int
	mqlAt, handedOffAt, firstTouchAt, acceptedAt, rejectedAt *time.Time
	recycledAt, opportunityAt, wonAt, lostAt                 *time.Time
}

var leadCopyColumns = []string{"id", "company", "contact_name", "email", "phone", "title", "country", "fit", "score",
	"owner_id", "stage", "deal_value", "handoff_note", "handed_off_by", "quality_rating", "rejection_reason", "rejection_note",
	"lost_reason", "created_at", "mql_at", "handed_off_at", "first_touch_at", "accepted_at", "rejected_at", "recycled_at",
	"opportunity_at", "won_at", "lost_at", "updated_at", "version"}

func (l demoLead) row() []any {
	nullID := func(id int64) any {
		if id == 0 {
			return nil
		}
		return id
	}
	var value, rating, reason any
	if l.value > 0 {
		value = l.value
	}
	if l.rating > 0 {
		rating = int16(l.rating)
	}
	if l.reason != "" {
		reason = l.reason
	}
	updated := l.created
	for _, t := range []*time.Time{l.mqlAt, l.handedOffAt, l.firstTouchAt, l.acceptedAt, l.rejectedAt, l.recycledAt, l.opportunityAt, l.wonAt, l.lostAt} {
		if t != nil && t.After(updated) {
			updated = *t
		}
	}
	return []any{l.id, l.company, l.contact, l.email, l.phone, l.title, l.country, l.fit, l.score,
		nullID(l.owner), l.stage, value, l.handoffNote, nullID(l.handedOffBy), rating, reason, l.rejectNote,
		l.lostReason, l.created, l.mqlAt, l.handedOffAt, l.firstTouchAt, l.acceptedAt, l.rejectedAt, l.recycledAt,
		l.opportunityAt, l.wonAt, l.lostAt, updated, l.version}
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func weighted(rng *rand.Rand) string {
	total := 0
	for _, w := range rejectWeights {
		total += w.weight
	}
	n := rng.IntN(total)
	for _, w := range rejectWeights {
		if n < w.weight {
			return w.reason
		}
		n -= w.weight
	}
	return "other"
}

// peopleByEmail maps every user's email to their id.
func peopleByEmail(ctx context.Context, pool *pgxpool.Pool) (map[string]int64, error) {
	rows, err := pool.Query(ctx, `SELECT email, id FROM users`)
	if err != nil {
		return nil, err
	}
	m := map[string]int64{}
	defer rows.Close()
	for rows.Next() {
		var e string
		var id int64
		if err := rows.Scan(&e, &id); err != nil {
			return nil, err
		}
		m[e] = id
	}
	return m, rows.Err()
}
