package digest

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"tandem/internal/mailtest"
)

// recipients of the fixture: active and not opted out.
var fixtureRecipients = []string{"maria", "mia", "riley", "sam", "andre", "alex"}

var hrefUnsub = regexp.MustCompile(`https://tandem\.example\.com/digests/unsubscribe\?u=\d+&(amp;)?sig=[A-Za-z0-9_-]+`)

func TestDigestGoesOutOverSMTPWithBothParts(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"starttls", "tls"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			srv := mailtest.Start(t, mailtest.Options{TLS: mode, User: "tandem", Password: "s3cret-pass"})
			s := f.service(srv)
			ctx := context.Background()
			if err := s.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			msgs := srv.Messages()
			if len(msgs) != len(fixtureRecipients) {
				t.Fatalf("%d messages, want %d", len(msgs), len(fixtureRecipients))
			}
			for _, name := range fixtureRecipients {
				got := srv.To(name + "@example.com")
				if len(got) != 1 {
					t.Errorf("%s got %d messages", name, len(got))
					continue
				}
				m := got[0]
				if m.From != "tandem@example.com" || m.Header.Get("Subject") != "Tandem weekly digest: Week 47, 2026" {
					t.Errorf("%s: from %q, subject %q", name, m.From, m.Header.Get("Subject"))
				}
				if !strings.Contains(m.Header.Get("To"), name+"@example.com") || m.Header.Get("Auto-Submitted") != "auto-generated" {
					t.Errorf("%s: headers %v", name, m.Header)
				}
				for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
					for _, want := range []string{"Week 47, 2026", "Acme GmbH", "60,000", "Winter webinar", "Partner days",
						"https://tandem.example.com/digests/2026-W47"} {
						if !strings.Contains(body, want) {
							t.Errorf("%s: %s part lacks %q", name, part, want)
						}
					}
				}
				if !strings.Contains(m.HTML, "<table") || strings.Contains(m.HTML, "ZgotmplZ") {
					t.Errorf("%s: html part:\n%s", name, m.HTML)
				}
				// The unsubscribe link is in both parts and the header, and it
				// is this person's.
				link := hrefUnsub.FindString(m.Text)
				if link == "" || !strings.Contains(m.HTML, strings.Replace(link, "&", "&amp;", 1)) ||
					m.Header.Get("List-Unsubscribe") != "<"+link+">" {
					t.Fatalf("%s: unsubscribe link %q; html has it: %v; header %q", name, link,
						strings.Contains(m.HTML, strings.Replace(link, "&", "&amp;", 1)), m.Header.Get("List-Unsubscribe"))
				}
				u, _ := url.Parse(link)
				id, err := s.CheckUnsubscribe(ctx, u.Query().Get("u"), u.Query().Get("sig"))
				if err != nil || id != f.users[name] {
					t.Errorf("%s: unsubscribe link for user %d (%v), want %d", name, id, err, f.users[name])
				}
				if !strings.HasPrefix(m.Header.Get("Message-Id"), "<digest-2026-W47-") {
					t.Errorf("%s: message id %q", name, m.Header.Get("Message-Id"))
				}
			}
			if n := f.count(`SELECT count(*) FROM digest_sends WHERE week = '2026-W47' AND status = 'sent' AND sent_at IS NOT NULL`); n != len(fixtureRecipients) {
				t.Errorf("%d sends recorded as sent", n)
			}

			// Ticking again sends nothing more.
			f.now = f.now.Add(time.Hour)
			if err := s.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			if n := len(srv.Messages()); n != len(fixtureRecipients) {
				t.Errorf("after a second tick: %d messages", n)
			}
		})
	}
}

func TestOptedOutAndDeactivatedUsersGetNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := mailtest.Start(t, mailtest.Options{})
	s := f.service(srv)
	ctx := context.Background()
	if _, err := s.Archive(ctx, mustWeek(t, "2026-W47"), ViaSchedule, 0); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Queue(ctx, "2026-W47", true); err != nil || n != len(fixtureRecipients) {
		t.Fatalf("queued %d (%v)", n, err)
	}
	// Riley unsubscribes through the link between queueing and delivery;
	// Sam is deactivated.
	link, err := s.UnsubscribeURL(ctx, f.users["riley"])
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link)
	if _, err := s.Unsubscribe(ctx, u.Query().Get("u"), u.Query().Get("sig")); err != nil {
		t.Fatal(err)
	}
	f.exec(`UPDATE users SET active = false WHERE id = $1`, f.users["sam"])

	res, err := s.Deliver(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 4 || res.Skipped != 2 {
		t.Errorf("result %+v", res)
	}
	for _, name := range []string{"olga", "dora", "riley", "sam"} {
		if got := srv.To(name + "@example.com"); len(got) != 0 {
			t.Errorf("%s got %d messages", name, len(got))
		}
	}
	// A manager's "send now" later does not reach them either.
	if n, err := s.Queue(ctx, "2026-W47", false); err != nil || n != 0 {
		t.Errorf("send now queued %d (%v)", n, err)
	}
}

// Two app instances, each with its own pool and scheduler, tick at the same
// moments against one database: every person gets the digest once.
func TestTwoSchedulersRacingSendOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// 60 more colleagues, so the two delivery loops overlap for a while.
	f.exec(`INSERT INTO users (email, name, team, role) SELECT 'colleague' || i || '@example.com', 'Colleague ' || i, 'sales', 'member'
		FROM generate_series(1, 60) i`)
	srv := mailtest.Start(t, mailtest.Options{})
	a, b := f.service(srv), f.service(srv)
	ctx := context.Background()
	for round := range 3 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, s := range []*Service{a, b} {
			wg.Go(func() { errs[i] = s.Tick(ctx) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
	want := len(fixtureRecipients) + 60
	seen := map[string]int{}
	for _, m := range srv.Messages() {
		for _, to := range m.To {
			seen[to]++
		}
	}
	for to, n := range seen {
		if n != 1 {
			t.Errorf("%s got %d messages", to, n)
		}
	}
	if len(seen) != want || len(srv.Messages()) != want {
		t.Errorf("%d messages to %d people, want %d each", len(srv.Messages()), len(seen), want)
	}
	if n := f.count(`SELECT count(*) FROM digests`); n != 1 {
		t.Errorf("%d digests", n)
	}
	if n := f.count(`SELECT count(*) FROM digest_sends WHERE status = 'sent' AND attempts = 1`); n != want {
		t.Errorf("%d sends sent at the first attempt, want %d", n, want)
	}
}

// An instance claims a send and dies before sending it. Other instances
// leave the claim alone while it may still be in flight, then take it over.
func TestACrashBetweenClaimAndSendIsRetried(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := mailtest.Start(t, mailtest.Options{})
	crashed, survivor := f.service(srv), f.service(srv)
	ctx := context.Background()
	if _, err := crashed.Archive(ctx, mustWeek(t, "2026-W47"), ViaSchedule, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := crashed.Queue(ctx, "2026-W47", true); err != nil {
		t.Fatal(err)
	}
	j, ok, err := crashed.claim(ctx) // … and the process is gone
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}

	res, err := survivor.Deliver(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != len(fixtureRecipients)-1 || len(srv.Messages()) != len(fixtureRecipients)-1 {
		t.Fatalf("before the claim timeout: %+v, %d messages", res, len(srv.Messages()))
	}
	if n := f.count(`SELECT count(*) FROM digest_sends WHERE id = $1 AND status = 'sending'`, j.id); n != 1 {
		t.Fatal("the abandoned claim was touched before its timeout")
	}

	f.now = f.now.Add(survivor.claimTimeout + time.Second)
	if res, err = survivor.Deliver(ctx, 0); err != nil || res.Sent != 1 {
		t.Fatalf("after the claim timeout: %+v %v", res, err)
	}
	if got := srv.To(userEmail(t, f, j.userID)); len(got) != 1 {
		t.Errorf("the crashed send reached its recipient %d times", len(got))
	}
	if n := f.count(`SELECT attempts FROM digest_sends WHERE id = $1 AND status = 'sent'`, j.id); n != 2 {
		t.Errorf("attempts %d, want 2", n)
	}
	// A late report from the crashed worker's claim cannot undo the result.
	if err := crashed.record(ctx, j, outcome{status: "pending", reason: "late"}); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM digest_sends WHERE id = $1 AND status = 'sent'`, j.id); n != 1 {
		t.Error("a stale outcome overwrote the newer one")
	}
}

func userEmail(t *testing.T, f *fx, id int64) string {
	t.Helper()
	var email string
	if err := f.pool.QueryRow(context.Background(), `SELECT email FROM users WHERE id = $1`, id).Scan(&email); err != nil {
		t.Fatal(err)
	}
	return email
}

func TestFailedSendsRetryWithBackoffAndAdminsSeeThem(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var busy atomic.Int32
	srv := mailtest.Start(t, mailtest.Options{Reject: func(rcpt string) error {
		tempfail := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 2, 0}, Message: "mailbox busy, try later"}
		switch {
		case rcpt == "mia@example.com" && busy.Add(1) <= 2: // busy twice, then fine
			return tempfail
		case rcpt == "sam@example.com": // busy for good
			return tempfail
		case rcpt == "alex@example.com": // 550: refused for good
			return errors.New("no such mailbox")
		}
		return nil
	}})
	s := f.service(srv)
	s.maxAttempts = 3
	ctx := context.Background()
	start := f.now
	if err := s.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 3 {
		t.Fatalf("%d messages after the first run, want 3", n)
	}
	problems, err := s.Problems(ctx, "2026-W47")
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 3 || problems[0].Name != "Alex Morgan" || problems[0].Status != "failed" || problems[0].NextAttempt != nil ||
		!strings.Contains(problems[0].LastError, "no such mailbox") {
		t.Fatalf("problems: %+v", problems)
	}
	for _, p := range problems[1:] {
		if p.Status != "pending" || p.Attempts != 1 || !strings.Contains(p.LastError, "451") ||
			p.NextAttempt == nil || !p.NextAttempt.Equal(start.Add(2*time.Minute)) {
			t.Errorf("retrying: %+v", p)
		}
	}

	// Not due yet: nothing happens.
	f.now = start.Add(time.Minute)
	if res, _ := s.Deliver(ctx, 0); res != (Result{}) {
		t.Errorf("before the retry time: %+v", res)
	}
	// The second attempt after 2 minutes, the third 4 minutes later.
	f.now = start.Add(2 * time.Minute)
	if res, _ := s.Deliver(ctx, 0); res != (Result{Retrying: 2}) {
		t.Errorf("second attempt: %+v", res)
	}
	f.now = start.Add(6 * time.Minute)
	if res, _ := s.Deliver(ctx, 0); res != (Result{Sent: 1, Failed: 1}) {
		t.Errorf("third attempt: %+v", res)
	}
	if got := srv.To("mia@example.com"); len(got) != 1 {
		t.Errorf("mia got %d messages", len(got))
	}
	problems, _ = s.Problems(ctx, "2026-W47")
	if len(problems) != 2 || problems[1].Name != "Sam Patel" || problems[1].Status != "failed" || problems[1].Attempts != 3 {
		t.Fatalf("after giving up: %+v", problems)
	}
	if c, _ := s.Counts(ctx, "2026-W47"); c != (Counts{Sent: 4, Failed: 2}) {
		t.Errorf("counts %+v", c)
	}

	// An admin queues the failed ones again; they are tried at once.
	if n, err := s.Retry(ctx, "2026-W47"); err != nil || n != 2 {
		t.Fatalf("retry: %d %v", n, err)
	}
	if res, _ := s.Deliver(ctx, 0); res != (Result{Retrying: 1, Failed: 1}) {
		t.Errorf("after retry: %+v", res)
	}
	if n := len(srv.Messages()); n != 4 {
		t.Errorf("%d messages in all", n)
	}
}
