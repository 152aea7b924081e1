package digest

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"tandem/internal/config"
	"tandem/internal/mailtest"
)

func TestMailOffStillArchives(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(nil)
	ctx := context.Background()
	if err := s.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	e, err := s.Entry(ctx, "2026-W47")
	if err != nil || e.Archived == nil || e.Archived.ComposedVia != ViaSchedule || e.Queued != nil {
		t.Fatalf("entry %+v %v", e, err)
	}
	if n := f.count(`SELECT count(*) FROM digest_sends`); n != 0 {
		t.Errorf("%d sends queued with mail off", n)
	}
	if _, _, err := s.SendNow(ctx, "2026-W47", f.users["maria"], time.Second); !errors.Is(err, ErrMailOff) {
		t.Errorf("send now with mail off: %v", err)
	}
	if err := s.SendTest(ctx, e.Archived.Digest, 1, "x", "x@example.com"); !errors.Is(err, ErrMailOff) {
		t.Errorf("test send with mail off: %v", err)
	}
}

func TestSendNowAndTestSend(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := mailtest.Start(t, mailtest.Options{})
	s := f.service(srv)
	ctx := context.Background()
	f.now = at(20, 15, 0) // Friday of W47: the manager sends early

	d, err := s.Compose(ctx, mustWeek(t, "2026-W47"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SendTest(ctx, d, f.users["maria"], "Maria Lopez", "maria@example.com"); err != nil {
		t.Fatal(err)
	}
	test := srv.Wait(t, 1, 5*time.Second)[0]
	if test.Header.Get("Subject") != "[Test] Tandem weekly digest: Week 47, 2026" || !strings.Contains(test.Text, "[TEST]") ||
		!strings.Contains(test.HTML, "Test:") || f.count(`SELECT count(*) FROM digest_sends`) != 0 {
		t.Errorf("test mail: %q\n%s", test.Header.Get("Subject"), test.Text)
	}

	n, res, err := s.SendNow(ctx, "2026-W47", f.users["maria"], 10*time.Second)
	if err != nil || n != len(fixtureRecipients) || res.Sent != n {
		t.Fatalf("send now: %d %+v %v", n, res, err)
	}
	// Maria got her test and the real one; the schedule on Monday adds
	// nothing.
	if got := srv.To("maria@example.com"); len(got) != 2 {
		t.Errorf("maria got %d", len(got))
	}
	f.now = composeTime
	if err := s.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 1+len(fixtureRecipients) {
		t.Errorf("%d messages in all", n)
	}
	e, _ := s.Entry(ctx, "2026-W47")
	if e.Archived.ComposedVia != ViaManager || e.Archived.ComposedBy != "Maria Lopez" || !e.Archived.AsOf.Equal(at(20, 15, 0)) {
		t.Errorf("archived %s by %s as of %v", e.Archived.ComposedVia, e.Archived.ComposedBy, e.Archived.AsOf)
	}
}

// With the mail server down, a run stops at the first failure instead of
// waiting out the connect timeout once per person; the rest stay queued.
func TestUnreachableServerStopsTheRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now: connections are refused
	s := f.service(nil)
	s.mailer = &SMTPMailer{cfg: config.SMTP{Host: "127.0.0.1", Port: port, From: "t@example.com", TLS: "none"}, timeout: time.Second}
	if err := s.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM digest_sends WHERE attempts = 1 AND status = 'pending' AND last_error LIKE 'could not connect%'`); n != 1 {
		t.Errorf("%d sends attempted, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM digest_sends WHERE attempts = 0 AND status = 'pending'`); n != len(fixtureRecipients)-1 {
		t.Errorf("%d sends still untried, want %d", n, len(fixtureRecipients)-1)
	}
}
