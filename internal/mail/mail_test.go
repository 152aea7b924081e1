package mail_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/config"
	"tandem/internal/db"
	"tandem/internal/digest"
	"tandem/internal/events"
	"tandem/internal/mail"
	"tandem/internal/mailtest"
	"tandem/internal/notifications"
	"tandem/internal/refusal"
	"tandem/internal/testdb"
	"tandem/internal/users"
)

const baseURL = "https://tandem.example.com"

type fx struct {
	t    *testing.T
	pool *pgxpool.Pool
}

func newFx(t *testing.T) *fx {
	t.Helper()
	return &fx{t: t, pool: testdb.New(t)}
}

func (f *fx) user(email string, team users.Team, role users.Role) users.User {
	f.t.Helper()
	u, err := db.QueryOne[users.User](context.Background(), f.pool, `INSERT INTO users (email, name, team, role)
		VALUES ($1, $2, $3, $4) RETURNING id, email, name, team, role, timezone, active, service, created_at, version`,
		email, strings.Split(email, "@")[0], team, role)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fx) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%v\n%s", err, sql)
	}
	return n
}

// event records a lead event for the audience.
func (f *fx) event(kind events.Kind, company string, audience ...int64) events.Event {
	f.t.Helper()
	data, _ := json.Marshal(events.Lead{ID: 7, Company: company, Contact: "Ann Buyer", Stage: "handed_off",
		ActorName: "Mia Marketer", URL: baseURL + "/leads/7"})
	ev := events.Event{Kind: kind, Audience: audience, Data: data}
	if err := f.pool.QueryRow(context.Background(), `INSERT INTO events (kind, audience, data) VALUES ($1, $2, $3)
		RETURNING id, occurred_at`, kind, audience, data).Scan(&ev.ID, &ev.OccurredAt); err != nil {
		f.t.Fatal(err)
	}
	return ev
}

func (f *fx) plan(c *mail.Channel, ev events.Event) []int64 {
	f.t.Helper()
	var ids []int64
	err := db.InTx(context.Background(), f.pool, func(tx pgx.Tx) error {
		var err error
		ids, err = c.Plan(context.Background(), tx, ev)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return ids
}

func mailer(srv *mailtest.Server) digest.Mailer {
	env := srv.Env()
	port, _ := strconv.Atoi(env["SMTP_PORT"])
	return digest.NewSMTPMailer(config.SMTP{Host: env["SMTP_HOST"], Port: port, From: env["SMTP_FROM"], TLS: env["SMTP_TLS"]})
}

func (f *fx) channel(srv *mailtest.Server) *mail.Channel {
	o := mail.Options{BaseURL: baseURL, Location: time.UTC}
	if srv != nil {
		o.Mailer = mailer(srv)
	}
	return mail.New(f.pool, o)
}

func TestDefaultsPerRole(t *testing.T) {
	t.Parallel()
	cases := []struct {
		team users.Team
		role users.Role
		kind events.Kind
		want mail.Delivery
	}{
		{users.Sales, users.Member, events.LeadHandedOff, mail.EmailNow},
		{users.Sales, users.Member, events.SLABreached, mail.EmailNow},
		{users.Sales, users.Member, events.LeadWon, mail.InApp},
		{users.Sales, users.Manager, events.SLABreached, mail.EmailNow},
		{users.Sales, users.Manager, events.LeadHandedOff, mail.EmailDaily},
		{users.Sales, users.Admin, events.LeadAccepted, mail.EmailDaily},
		{users.Marketing, users.Member, events.LeadRejected, mail.EmailDaily},
		{users.Marketing, users.Manager, events.FeedbackLogged, mail.EmailDaily},
		{users.Marketing, users.Member, events.CampaignAnnounced, mail.InApp},
		{users.Service, users.Member, events.CampaignRevised, mail.EmailNow},
		{users.Service, users.Member, events.AlertPosted, mail.EmailNow},
		{users.Service, users.Manager, events.DigestPublished, mail.Off},
		{users.Sales, users.Member, events.DigestPublished, mail.Off},
	}
	for _, c := range cases {
		if got := mail.Default(c.team, c.role, c.kind); got != c.want {
			t.Errorf("Default(%s, %s, %s) = %s, want %s", c.team, c.role, c.kind, got, c.want)
		}
	}
}

// notifications.Send only reads explicit "off" rows, which is right only
// while no default is off for a kind that has an in-app notice.
func TestNoDefaultIsOffForAnInAppKind(t *testing.T) {
	t.Parallel()
	for _, inApp := range []string{"lead_handed_off", "lead_awaiting_rep", "lead_assigned", "lead_accepted", "lead_rejected",
		"lead_sla_warning", "lead_sla_breached", "new_notice", "reacknowledge", "new_alert", "feedback_response"} {
		k, ok := notifications.EventKind(inApp)
		if !ok {
			t.Errorf("%s has no event kind", inApp)
			continue
		}
		for _, team := range users.Teams {
			for _, role := range users.Roles {
				if mail.Default(team, role, k) == mail.Off {
					t.Errorf("%s/%s: %s is off by default but has in-app notices (%s)", team, role, k, inApp)
				}
			}
		}
	}
}

func TestSaveStoresOnlyWhatDiffersFromTheDefault(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	ctx := context.Background()
	rep := f.user("rep@example.com", users.Sales, users.Member)
	s := mail.NewStore(f.pool)
	err := s.Save(ctx, rep, map[events.Kind]mail.Delivery{
		events.LeadHandedOff: mail.EmailDaily, events.LeadAssigned: mail.EmailNow, events.LeadWon: mail.Off})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM notification_prefs WHERE user_id = $1`, rep.ID); n != 2 {
		t.Errorf("%d rows stored, want 2 (the default email_now for lead.assigned is no row)", n)
	}
	prefs, err := s.Prefs(ctx, rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(prefs) != len(events.Kinds) {
		t.Fatalf("%d prefs, want one per kind", len(prefs))
	}
	got := map[events.Kind]mail.Pref{}
	for _, p := range prefs {
		got[p.Kind] = p
	}
	if p := got[events.LeadHandedOff]; p.Delivery != mail.EmailDaily || !p.Chosen || p.Default != mail.EmailNow {
		t.Errorf("handed off: %+v", p)
	}
	if p := got[events.LeadWon]; p.Delivery != mail.Off {
		t.Errorf("won: %+v", p)
	}
	if p := got[events.SLABreached]; p.Delivery != mail.EmailNow || p.Chosen {
		t.Errorf("sla breached: %+v", p)
	}
	err = s.Save(ctx, rep, map[events.Kind]mail.Delivery{events.LeadHandedOff: "sometimes"})
	if refusal.KindOf(err) != refusal.Invalid {
		t.Errorf("bad choice: %v, want a refusal", err)
	}
}

func TestOffSuppressesTheInAppNotification(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	ctx := context.Background()
	rep := f.user("rep@example.com", users.Sales, users.Member)
	rep2 := f.user("rep2@example.com", users.Sales, users.Member)
	if err := mail.NewStore(f.pool).Save(ctx, rep, map[events.Kind]mail.Delivery{events.LeadHandedOff: mail.Off}); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, f.pool, func(tx pgx.Tx) error {
		if err := notifications.Send(ctx, tx, []int64{rep.ID, rep2.ID}, 0, "lead_handed_off", "Acme to you", "/leads/1"); err != nil {
			return err
		}
		// Kinds without an event kind are never suppressed.
		return notifications.Send(ctx, tx, []int64{rep.ID}, 0, "sign_in_burst", "Sign-ins", "/account")
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'lead_handed_off'`, rep.ID); n != 0 {
		t.Errorf("rep who turned handoffs off got %d", n)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'lead_handed_off'`, rep2.ID); n != 1 {
		t.Errorf("other rep got %d, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'sign_in_burst'`, rep.ID); n != 1 {
		t.Errorf("security notice: %d, want 1", n)
	}
}

func TestPlanAndDeliverThroughSMTP(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	ctx := context.Background()
	srv := mailtest.Start(t, mailtest.Options{})
	rep := f.user("rep@example.com", users.Sales, users.Member)
	mgr := f.user("sm@example.com", users.Sales, users.Manager)
	mkt := f.user("mkt@example.com", users.Marketing, users.Member)
	gone := f.user("gone@example.com", users.Sales, users.Member)
	f.pool.Exec(ctx, `UPDATE users SET active = false WHERE id = $1`, gone.ID)
	c := f.channel(srv)

	ev := f.event(events.LeadHandedOff, "Acme GmbH", rep.ID, mgr.ID, mkt.ID, gone.ID)
	ids := f.plan(c, ev)
	if len(ids) != 1 {
		t.Fatalf("planned %v, want one mail now (the rep)", ids)
	}
	if again := f.plan(c, ev); len(again) != 0 {
		t.Errorf("second plan returned %v", again)
	}
	if n := f.count(`SELECT count(*) FROM mail_deliveries WHERE daily AND user_id = $1`, mgr.ID); n != 1 {
		t.Errorf("manager's daily rows: %d, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM mail_deliveries WHERE user_id IN ($1, $2)`, mkt.ID, gone.ID); n != 0 {
		t.Errorf("in-app-only and inactive users got %d rows", n)
	}

	if err := c.Deliver(ctx, ids[0], 1); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Wait(t, 1, 5*time.Second)
	m := msgs[0]
	if len(m.To) != 1 || m.To[0] != "rep@example.com" {
		t.Errorf("to %v", m.To)
	}
	if s := m.Header.Get("Subject"); s != "Lead handed off: Acme GmbH" {
		t.Errorf("subject %q", s)
	}
	unsub := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
	u, err := url.Parse(unsub)
	if err != nil || !strings.HasPrefix(unsub, baseURL+"/mail/unsubscribe?") || u.Query().Get("k") != "lead.handed_off" ||
		u.Query().Get("u") != strconv.FormatInt(rep.ID, 10) {
		t.Errorf("List-Unsubscribe %q", m.Header.Get("List-Unsubscribe"))
	}
	if h := m.Header.Get("List-Unsubscribe-Post"); h != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", h)
	}
	for _, part := range []struct{ name, body, unsub string }{
		{"text", m.Text, unsub}, {"html", m.HTML, strings.ReplaceAll(unsub, "&", "&amp;")}} {
		for _, want := range []string{baseURL + "/leads/7", baseURL + "/account/notifications", part.unsub,
			"Unsubscribe from Lead handed off", "You get this because", "Ann Buyer"} {
			if !strings.Contains(part.body, want) {
				t.Errorf("%s part lacks %q:\n%s", part.name, want, part.body)
			}
		}
	}
	if n := f.count(`SELECT count(*) FROM mail_deliveries WHERE id = $1 AND status = 'sent' AND sent_at IS NOT NULL`, ids[0]); n != 1 {
		t.Error("delivery not marked sent")
	}
	// A redelivery of a sent row sends nothing.
	if err := c.Deliver(ctx, ids[0], 2); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages after a repeated Deliver", n)
	}

	// The unsubscribe link flips the kind to in-app, so a later event is
	// not mailed; another user's or a forged signature is refused.
	s := c.Prefs()
	q := u.Query()
	if _, err := s.CheckUnsubscribe(ctx, strconv.FormatInt(mgr.ID, 10), q.Get("k"), q.Get("sig")); !errors.Is(err, mail.ErrBadSignature) {
		t.Errorf("other user's id with the rep's signature: %v", err)
	}
	if _, err := s.CheckUnsubscribe(ctx, q.Get("u"), "lead.assigned", q.Get("sig")); !errors.Is(err, mail.ErrBadSignature) {
		t.Errorf("other kind with the handoff's signature: %v", err)
	}
	v, err := s.Unsubscribe(ctx, q.Get("u"), q.Get("k"), q.Get("sig"))
	if err != nil || !v.Done || v.Email != "rep@example.com" {
		t.Fatalf("unsubscribe: %+v %v", v, err)
	}
	if n := f.count(`SELECT count(*) FROM notification_prefs WHERE user_id = $1 AND kind = 'lead.handed_off' AND delivery = 'in_app'`, rep.ID); n != 1 {
		t.Error("unsubscribe did not store in_app")
	}
	if ids := f.plan(c, f.event(events.LeadHandedOff, "Beta AG", rep.ID)); len(ids) != 0 {
		t.Errorf("planned %v after unsubscribing", ids)
	}
}

func TestDeliverGivesUpOnARefusedRecipient(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	ctx := context.Background()
	srv := mailtest.Start(t, mailtest.Options{Reject: func(rcpt string) error {
		if rcpt == "nobody@example.com" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
		}
		return nil
	}})
	rep := f.user("nobody@example.com", users.Sales, users.Member)
	c := f.channel(srv)
	ids := f.plan(c, f.event(events.LeadAssigned, "Acme", rep.ID))
	if len(ids) != 1 {
		t.Fatalf("planned %v", ids)
	}
	err := c.Deliver(ctx, ids[0], 1)
	if !errors.Is(err, events.ErrGiveUp) || !errors.Is(err, digest.ErrRecipientRefused) {
		t.Fatalf("Deliver: %v, want ErrGiveUp wrapping the refusal", err)
	}
	if n := f.count(`SELECT count(*) FROM mail_deliveries WHERE id = $1 AND status = 'failed' AND last_error <> ''`, ids[0]); n != 1 {
		t.Error("not marked failed")
	}
}

func TestMailOffPlansNothing(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	rep := f.user("rep@example.com", users.Sales, users.Member)
	mgr := f.user("sm@example.com", users.Sales, users.Manager)
	c := f.channel(nil)
	if c.MailOn() || c.Name() != "email" {
		t.Fatalf("mail on without a mailer, or channel named %q", c.Name())
	}
	if ids := f.plan(c, f.event(events.LeadHandedOff, "Acme", rep.ID, mgr.ID)); len(ids) != 0 {
		t.Errorf("planned %v with mail off", ids)
	}
	if n := f.count(`SELECT count(*) FROM mail_deliveries`); n != 0 {
		t.Errorf("%d rows with mail off", n)
	}
	if n, err := c.SendDailySummaries(context.Background(), time.Now()); n != 0 || err != nil {
		t.Errorf("summaries with mail off: %d %v", n, err)
	}
}

func TestDailySummarySentOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	ctx := context.Background()
	srv := mailtest.Start(t, mailtest.Options{})
	mgr := f.user("sm@example.com", users.Sales, users.Manager)
	mkt := f.user("mkt@example.com", users.Marketing, users.Member)
	c := f.channel(srv)
	f.plan(c, f.event(events.LeadHandedOff, "Acme GmbH", mgr.ID))
	f.plan(c, f.event(events.LeadHandedOff, "Beta AG", mgr.ID))
	f.plan(c, f.event(events.LeadAccepted, "Gamma SE", mgr.ID, mkt.ID))

	now := time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	counts := make([]int, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each run its own channel, as on separate instances.
			counts[i], errs[i] = f.channel(srv).SendDailySummaries(ctx, now)
		}()
	}
	wg.Wait()
	total := 0
	for i := range counts {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		total += counts[i]
	}
	if total != 2 {
		t.Errorf("%d summaries sent in all, want 2 (one per user)", total)
	}
	time.Sleep(100 * time.Millisecond)
	if got := srv.To("sm@example.com"); len(got) != 1 {
		t.Fatalf("manager got %d summaries", len(got))
	} else {
		m := got[0]
		if s := m.Header.Get("Subject"); s != "Tandem daily summary: 3 updates" {
			t.Errorf("subject %q", s)
		}
		for _, want := range []string{"Lead handed off (2)", "Lead accepted (1)", "Acme GmbH", "Beta AG", "Gamma SE",
			"Unsubscribe from Lead handed off", "Unsubscribe from the daily email summary"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("summary lacks %q:\n%s", want, m.Text)
			}
		}
		if !strings.Contains(m.Header.Get("List-Unsubscribe"), "k=daily") {
			t.Errorf("List-Unsubscribe %q", m.Header.Get("List-Unsubscribe"))
		}
		defer func() {
			// The summary's one-click link stops the summary: every daily kind
			// goes to in-app, the rest stays.
			u, err := url.Parse(strings.Trim(m.Header.Get("List-Unsubscribe"), "<>"))
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if _, err := c.Prefs().Unsubscribe(ctx, q.Get("u"), q.Get("k"), q.Get("sig")); err != nil {
				t.Fatal(err)
			}
			prefs, err := c.Prefs().Prefs(ctx, mgr)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range prefs {
				if p.Delivery == mail.EmailDaily {
					t.Errorf("%s still daily after unsubscribing from the summary", p.Kind)
				}
				if p.Kind == events.SLABreached && p.Delivery != mail.EmailNow {
					t.Errorf("sla breached became %s", p.Delivery)
				}
			}
		}()
	}
	if got := srv.To("mkt@example.com"); len(got) != 1 {
		t.Errorf("marketer got %d summaries", len(got))
	}
	if n := f.count(`SELECT count(*) FROM mail_deliveries WHERE status <> 'sent'`); n != 0 {
		t.Errorf("%d rows not sent", n)
	}
	// Same day again: nothing, even with a new row pending.
	f.plan(c, f.event(events.LeadRejected, "Delta", mgr.ID))
	if n, err := c.SendDailySummaries(ctx, now.Add(time.Hour)); n != 0 || err != nil {
		t.Errorf("second run the same day: %d %v", n, err)
	}
	if n, err := c.SendDailySummaries(ctx, now.AddDate(0, 0, 1)); n != 1 || err != nil {
		t.Errorf("next day: %d %v", n, err)
	}
}
