package digest

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/config"
	"tandem/internal/db"
	"tandem/internal/mailtest"
	"tandem/internal/testdb"
)

var berlin, _ = time.LoadLocation("Europe/Berlin")

// at is a wall-clock time in Berlin, November 2026.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, berlin)
}

// composeTime is when the schedule composes week 47: Monday 23 November
// 2026, 08:00 in Berlin. Week 47 ran from Monday 16 to Sunday 22 November.
var composeTime = at(23, 8, 0)

const baseURL = "https://tandem.example.com"

// fx is a hand-built company around ISO week 2026-W47.
type fx struct {
	t     *testing.T
	url   string
	pool  *pgxpool.Pool
	users map[string]int64 // by first name, lower case
	now   time.Time
}

func (f *fx) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		f.t.Fatalf("%v\n%s", err, sql)
	}
}

func (f *fx) id(sql string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		f.t.Fatalf("%v\n%s", err, sql)
	}
	return id
}

func (f *fx) count(sql string, args ...any) int {
	f.t.Helper()
	return int(f.id(sql, args...))
}

// service returns a Service on its own pool (a separate "app instance"),
// with the fixture's clock and, when srv is set, mail through it.
func (f *fx) service(srv *mailtest.Server) *Service {
	f.t.Helper()
	pool, err := db.Open(context.Background(), f.url, 4)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(pool.Close)
	o := Options{Location: berlin, BaseURL: baseURL, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if srv != nil {
		o.Mailer = testMailer(f.t, srv)
	}
	s := New(pool, o)
	s.now = func() time.Time { return f.now }
	return s
}

// testMailer is the production SMTP mailer aimed at srv, trusting its
// certificate.
func testMailer(t *testing.T, srv *mailtest.Server) *SMTPMailer {
	t.Helper()
	env := srv.Env()
	port, _ := strconv.Atoi(env["SMTP_PORT"])
	m := NewSMTPMailer(config.SMTP{Host: env["SMTP_HOST"], Port: port, User: env["SMTP_USER"], Password: env["SMTP_PASSWORD"],
		From: env["SMTP_FROM"], TLS: env["SMTP_TLS"]})
	m.timeout = 5 * time.Second
	if srv.RootCAs != nil {
		m.tlsConfig = &tls.Config{RootCAs: srv.RootCAs, ServerName: srv.Host, MinVersion: tls.VersionTLS12}
	}
	return m
}

// newFixture builds the company. Everyone but Olga (opted out) and Dora
// (deactivated) should get the digest: 6 recipients.
func newFixture(t *testing.T) *fx {
	t.Helper()
	url := testdb.URL(t)
	pool, err := db.Open(context.Background(), url, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	f := &fx{t: t, url: url, pool: pool, users: map[string]int64{}, now: composeTime}

	joined := at(1, 9, 0).AddDate(0, -3, 0)
	for _, u := range []struct{ name, team, role string }{
		{"Maria Lopez", "marketing", "manager"},
		{"Mia Novak", "marketing", "member"},
		{"Riley Chen", "sales", "member"},
		{"Sam Patel", "sales", "manager"},
		{"Andre Silva", "service", "member"},
		{"Alex Morgan", "marketing", "admin"},
		{"Olga Berg", "sales", "member"},
		{"Dora Diaz", "service", "member"},
	} {
		first, _, _ := strings.Cut(strings.ToLower(u.name), " ")
		email := first + "@example.com"
		f.users[first] = f.id(`INSERT INTO users (email, name, team, role, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			email, u.name, u.team, u.role, joined)
	}
	f.exec(`UPDATE users SET digest_opt_out = true WHERE id = $1`, f.users["olga"])
	f.exec(`UPDATE users SET active = false WHERE id = $1`, f.users["dora"])

	maria := f.users["maria"]
	campaign := func(name, launch string, announced bool) int64 {
		if !announced {
			return f.id(`INSERT INTO campaigns (name, channel, launch_on, end_on, owner_id) VALUES ($1, 'event', $2, $2, $3) RETURNING id`,
				name, launch, maria)
		}
		return f.id(`INSERT INTO campaigns (name, channel, launch_on, end_on, owner_id, status, announced_at, notice_lead, notice_days, revision)
			VALUES ($1, 'webinar', $2, $2::date + 20, $3, 'announced', $4, interval '14 days', 7, 1) RETURNING id`,
			name, launch, maria, at(2, 9, 0))
	}
	webinar := campaign("Winter webinar", "2026-11-10", true)
	partner := campaign("Partner days", "2026-11-25", true)
	campaign("Year-end promo", "2026-12-01", false)
	campaign("Spring teaser", "2026-12-10", true) // outside the two weeks after W47
	// Partner days: Riley and Andre acknowledged during W47, Sam on the
	// Monday after.
	f.exec(`INSERT INTO acknowledgements (campaign_id, user_id, revision, acknowledged_at) VALUES
		($1, $2, 1, $5), ($1, $3, 1, $5), ($1, $4, 1, $6)`,
		partner, f.users["riley"], f.users["andre"], f.users["sam"], at(18, 10, 0), at(23, 7, 0))

	riley := f.users["riley"]
	lead := func(company string, value float64, campaign *int64, handoff, won time.Time) {
		f.exec(`INSERT INTO leads (company, contact_name, email, stage, owner_id, deal_value, source_campaign_id,
			created_at, mql_at, handed_off_at, first_touch_at, accepted_at, opportunity_at, won_at, quality_rating)
			VALUES ($1, 'Contact', lower(replace($1, ' ', '')) || '@customer.example', 'won', $2, $3, $4,
			$5::timestamptz, $5, $5, $5::timestamptz + interval '2 hours', $5::timestamptz + interval '3 hours', $5::timestamptz + interval '1 day', $6, 4)`,
			company, riley, value, campaign, handoff, won)
	}
	lead("Gamma Ltd", 100000, &webinar, at(9, 9, 0), at(10, 15, 0))  // W46
	lead("Acme GmbH", 60000, &webinar, at(16, 9, 0), at(17, 11, 30)) // W47, campaign-sourced
	lead("Beta AG", 20000, nil, at(16, 10, 0), at(18, 16, 0))        // W47
	lead("Delta Corp", 50000, &webinar, at(16, 11, 0), at(23, 7, 0)) // after W47, before composing
	lead("Echo Systems", 75000, nil, at(10, 9, 0), at(12, 9, 0))     // W46
	// Handed off Friday, untouched: past the 24-hour SLA by Sunday night.
	f.exec(`INSERT INTO leads (company, contact_name, email, stage, owner_id, created_at, mql_at, handed_off_at)
		VALUES ('Foxtrot', 'C', 'fox@customer.example', 'handed_off', $1, $2, $2, $2)`, riley, at(20, 9, 0))

	f.exec(`INSERT INTO kpi_targets (kpi, period_kind, value, effective_from) VALUES ('revenue_goal', 'quarter', 1300000, '2026-10-01')`)

	// Feedback: one acted on in W47, one in W46, one declined in W47.
	theme := f.id(`SELECT id FROM feedback_themes WHERE name = 'Pricing and billing'`)
	fb := func(customer, status string, statusAt time.Time, response string) {
		f.exec(`INSERT INTO feedback_items (reporter_id, reporter_team, customer, product, theme_id, sentiment, chain_link,
			customer_words, status, status_at, acknowledged_at, ack_due_at, responded_at, responded_by, response, created_at)
			VALUES ($1, 'service', $2, 'Widget Pro', $3, 'negative', 'promise', 'The invoice does not match the offer.',
			$4, $5, $6, $7, $5, $8, $9, $6)`,
			f.users["andre"], customer, theme, status, statusAt, at(9, 9, 0), at(11, 9, 0), maria, response)
	}
	fb("Acme GmbH", "acted_on", at(19, 14, 0), "We fixed the price list on the website.\nSales has the corrected PDF.")
	fb("Old Customer", "acted_on", at(12, 14, 0), "Done last week.")
	fb("Beta AG", "declined", at(20, 9, 0), "Not something we will change.")
	return f
}
