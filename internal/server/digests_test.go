package server

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/internal/digest"
	"tandem/internal/kpi"
	"tandem/internal/mailtest"
	"tandem/internal/testdb/demo"
)

// newDigestEnv is newTestEnv with mail going to an in-process SMTP server
// (nil: mail off).
func newDigestEnv(t *testing.T, smtp *mailtest.Server) *testEnv {
	t.Helper()
	pool := demo.New(t)
	var env map[string]string
	if smtp != nil {
		env = smtp.Env()
	}
	return newTestEnvOn(t, pool, env)
}

// weeks are the digest weeks the tests use: the one archived by the demo
// data (the latest due) and the upcoming one, still a live preview.
func weeks() (archived, upcoming string) {
	now := time.Now()
	up, _ := digest.DefaultSchedule.Upcoming(now, time.UTC)
	return digest.DefaultSchedule.LatestDue(now, time.UTC).Label(), up.Label()
}

// recipients counts the demo users who should get the digest.
func (e *testEnv) recipients() int {
	return e.count(`SELECT count(*) FROM users WHERE active AND NOT digest_opt_out`)
}

var unsubLink = regexp.MustCompile(`http://127\.0\.0\.1:8080(/digests/unsubscribe\?u=\d+&sig=[A-Za-z0-9_-]+)`)

func TestDigestPreviewAndNote(t *testing.T) {
	t.Parallel()
	e := newDigestEnv(t, nil)
	archived, upcoming := weeks()
	c := e.client()
	c.login("marketing.manager@example.com")

	res := c.get("/digests")
	wantStatus(t, res, http.StatusOK)
	for _, want := range []string{"Next digest", `href="/digests/` + upcoming + `"`, `href="/digests/` + archived + `"`,
		"Mail is off", `aria-current="page"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("index lacks %q", want)
		}
	}

	res = c.get("/digests/" + upcoming)
	wantStatus(t, res, http.StatusOK)
	for _, want := range []string{"Live preview", "Customer wins", "Revenue against the quarterly goal", "KPIs against targets",
		"Launches in the next two weeks", "Feedback acted on", "Open trouble signs", `name="note"`, "Mail is off"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if strings.Contains(res.Body, "Send a test to me") {
		t.Error("send buttons shown with mail off")
	}

	res = c.post("/digests/"+upcoming+"/note", url.Values{"version": {"0"}, "note": {"Great <b>week</b>, team."}})
	wantRedirect(t, res, "/digests/"+upcoming)
	res = c.get("/digests/" + upcoming)
	if !strings.Contains(res.Body, "A note from Maria Lopez") || !strings.Contains(res.Body, "Great &lt;b&gt;week&lt;/b&gt;, team.") ||
		!strings.Contains(res.Body, "Your note is saved") {
		t.Errorf("note not shown:\n%s", res.Body)
	}
	// A form from before the save is stale; a long note is refused in the form.
	wantStatus(t, c.post("/digests/"+upcoming+"/note", url.Values{"version": {"0"}, "note": {"Other"}}), http.StatusConflict)
	res = c.post("/digests/"+upcoming+"/note", url.Values{"version": {"1"}, "note": {strings.Repeat("x", digest.MaxNote+1)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Keep the note to 1000 characters") || !strings.Contains(res.Body, "xxxxxxxx") {
		t.Errorf("422 page:\n%s", res.Body)
	}

	// The archived week: no note form any more, and its note cannot change.
	res = c.get("/digests/" + archived)
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, "Archived") || strings.Contains(res.Body, `name="note"`) {
		t.Errorf("archived page:\n%s", res.Body)
	}
	// It says which instant its numbers are frozen at (issue 12, item 8).
	if !strings.Contains(res.Body, `id="digest-as-of"`) || !strings.Contains(res.Body, "Numbers as of ") {
		t.Errorf("the archived page does not state its cut-off:\n%s", res.Body)
	}
	wantStatus(t, c.post("/digests/"+archived+"/note", url.Values{"version": {"2"}, "note": {"Late"}}), http.StatusConflict)

	// Plain text, as mailed.
	res = c.get("/digests/" + archived + "?format=text")
	wantStatus(t, res, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" || !strings.Contains(res.Body, "CUSTOMER WINS") ||
		!strings.Contains(res.Body, "Numbers as of ") {
		t.Errorf("text: %s\n%s", ct, res.Body)
	}

	// Weeks that do not exist or have not started.
	up, err := e.srv.digests.ParseWeek(upcoming)
	if err != nil {
		t.Fatal(err)
	}
	next := up.Next().Next().Label() // not started yet
	for _, path := range []string{"/digests/2026-W54", "/digests/2026-47", "/digests/" + next} {
		wantStatus(t, c.get(path), http.StatusNotFound)
	}
	// Without SMTP nothing can be sent.
	wantStatus(t, c.post("/digests/"+upcoming+"/send", nil), http.StatusUnprocessableEntity)
	wantStatus(t, c.post("/digests/"+upcoming+"/test", nil), http.StatusUnprocessableEntity)

	// Members read digests but get no manager tools.
	m := e.client()
	m.login("rep@example.com")
	res = m.get("/digests/" + upcoming)
	wantStatus(t, res, http.StatusOK)
	if strings.Contains(res.Body, `name="note"`) || !strings.Contains(res.Body, "Great &lt;b&gt;week") {
		t.Errorf("member view:\n%s", res.Body)
	}
}

func TestDigestSendNowReachesEveryoneOnce(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t, mailtest.Options{})
	e := newDigestEnv(t, smtp)
	_, upcoming := weeks()
	// One person opted out on the account page.
	rep := e.client()
	rep.login("rep@example.com")
	wantRedirect(t, rep.post("/account/digest", url.Values{}), "/account")
	if !strings.Contains(rep.get("/account").Body, "no longer get the weekly digest") {
		t.Error("no confirmation of the opt-out")
	}
	want := e.recipients()

	c := e.client()
	c.login("sales.manager@example.com")
	res := c.post("/digests/"+upcoming+"/send", nil)
	wantRedirect(t, res, "/digests/"+upcoming)
	msgs := smtp.Wait(t, want, 10*time.Second)
	if len(msgs) != want {
		t.Fatalf("%d messages, want %d", len(msgs), want)
	}
	seen := map[string]int{}
	for _, m := range msgs {
		for _, to := range m.To {
			seen[to]++
		}
		if !strings.HasPrefix(m.Header.Get("Subject"), "Tandem weekly digest: Week ") || m.Text == "" || m.HTML == "" {
			t.Errorf("message: %q, text %d bytes, html %d bytes", m.Header.Get("Subject"), len(m.Text), len(m.HTML))
		}
	}
	for to, n := range seen {
		if n != 1 {
			t.Errorf("%s got %d", to, n)
		}
	}
	for _, nobody := range []string{"rep@example.com", "chris.doyle@example.com"} {
		if seen[nobody] != 0 {
			t.Errorf("%s (opted out or deactivated) got mail", nobody)
		}
	}
	res = c.get("/digests/" + upcoming)
	if !strings.Contains(res.Body, "Sent to "+strconv.Itoa(want)+" people just now") || !strings.Contains(res.Body, "Archived") {
		t.Errorf("after sending:\n%s", res.Body)
	}

	// Again: nobody new, nothing sent.
	res = c.post("/digests/"+upcoming+"/send", nil)
	wantRedirect(t, res, "/digests/"+upcoming)
	if body := c.get("/digests/" + upcoming).Body; !strings.Contains(body, "Everyone has had this digest already") {
		t.Errorf("second send:\n%s", body)
	}
	if n := len(smtp.Messages()); n != want {
		t.Errorf("%d messages after sending twice", n)
	}
}

func TestDigestTestToMeAndUnsubscribe(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t, mailtest.Options{})
	e := newDigestEnv(t, smtp)
	_, upcoming := weeks()
	c := e.client()
	c.login("service.manager@example.com")
	wantRedirect(t, c.post("/digests/"+upcoming+"/note", url.Values{"version": {"0"}, "note": {"Thanks for the quick answers."}}),
		"/digests/"+upcoming)
	wantRedirect(t, c.post("/digests/"+upcoming+"/test", nil), "/digests/"+upcoming)
	if body := c.get("/digests/" + upcoming).Body; !strings.Contains(body, "on its way to service.manager@example.com") ||
		!strings.Contains(body, "Live preview") {
		t.Errorf("after the test:\n%s", body)
	}
	m := smtp.Wait(t, 1, 10*time.Second)[0]
	if len(m.To) != 1 || m.To[0] != "service.manager@example.com" || !strings.HasPrefix(m.Header.Get("Subject"), "[Test] ") {
		t.Fatalf("test mail to %v: %q", m.To, m.Header.Get("Subject"))
	}
	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		if !strings.Contains(body, "Thanks for the quick answers.") || !strings.Contains(body, "Sven Olsen") {
			t.Errorf("%s part lacks the note", part)
		}
	}
	if n := e.count(`SELECT count(*) FROM digest_sends`); n != 0 {
		t.Errorf("the test counted as a send: %d rows", n)
	}

	// The unsubscribe link: GET only asks; the button applies it.
	link := unsubLink.FindStringSubmatch(m.Text)
	if link == nil {
		t.Fatalf("no unsubscribe link in:\n%s", m.Text)
	}
	anon := e.client()
	res := anon.get(link[1])
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, "service.manager@example.com") || !strings.Contains(res.Body, `action="/digests/unsubscribe"`) {
		t.Errorf("confirm page:\n%s", res.Body)
	}
	id := e.userID("service.manager@example.com")
	if e.count(`SELECT count(*) FROM users WHERE id = $1 AND digest_opt_out`, id) != 0 {
		t.Fatal("GET unsubscribed")
	}
	u, _ := url.Parse(link[1])
	forged := url.Values{"u": {strconv.FormatInt(e.userID("rep@example.com"), 10)}, "sig": {u.Query().Get("sig")}}
	wantStatus(t, anon.post("/digests/unsubscribe", forged), http.StatusUnprocessableEntity)
	wantStatus(t, anon.get("/digests/unsubscribe?u=1&sig=nope"), http.StatusUnprocessableEntity)
	res = anon.follow(t, anon.post("/digests/unsubscribe", url.Values{"u": {u.Query().Get("u")}, "sig": {u.Query().Get("sig")}}))
	if !strings.Contains(res.Body, "will no longer get the weekly digest") {
		t.Errorf("done page:\n%s", res.Body)
	}
	if e.count(`SELECT count(*) FROM users WHERE digest_opt_out`) != 1 ||
		e.count(`SELECT count(*) FROM users WHERE id = $1 AND digest_opt_out`, id) != 1 {
		t.Error("not unsubscribed (or someone else was)")
	}

	// Back on from the account page.
	res = c.get("/account")
	if !strings.Contains(res.Body, `name="digest"`) || strings.Contains(res.Body, "checked") {
		t.Errorf("account page after unsubscribing:\n%s", res.Body)
	}
	wantRedirect(t, c.post("/account/digest", url.Values{"digest": {"on"}}), "/account")
	if e.count(`SELECT count(*) FROM users WHERE id = $1 AND digest_opt_out`, id) != 0 {
		t.Error("not subscribed again")
	}
}

func TestAdminsSeeFailedSendsAndRetry(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t, mailtest.Options{Reject: func(rcpt string) error {
		if rcpt == "agent@example.com" {
			return errors.New("mailbox unavailable")
		}
		return nil
	}})
	e := newDigestEnv(t, smtp)
	archived, _ := weeks()
	c := e.client()
	c.login("admin@example.com")
	wantRedirect(t, c.post("/digests/"+archived+"/send", nil), "/digests/"+archived)
	res := c.get("/digests/" + archived)
	for _, want := range []string{"1 could not be sent yet", "Delivery problems", "agent@example.com", "mailbox unavailable",
		"gave up", "Try the failed ones again"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("admin page lacks %q", want)
		}
	}
	wantRedirect(t, c.post("/digests/"+archived+"/retry", nil), "/digests/"+archived)
	if n := e.count(`SELECT count(*) FROM digest_sends WHERE status = 'pending' AND attempts = 0`); n != 1 {
		t.Errorf("%d sends queued again", n)
	}
	// Managers see the counts, not the problem details.
	m := e.client()
	m.login("sales.manager@example.com")
	if body := m.get("/digests/" + archived).Body; strings.Contains(body, "Delivery problems") || !strings.Contains(body, "Sent to") {
		t.Errorf("manager view:\n%s", body)
	}
}

// QA found the live preview saying "MQLs delivered 97 / 140 ✓ on target"
// while the week ran and the overview said "on pace". The running week's
// preview, page and plain text, judges MQLs and revenue on pace and says
// what is due by now; nothing under its target is "on target".
func TestDigestLivePreviewIsJudgedOnPace(t *testing.T) {
	t.Parallel()
	e := newDigestEnv(t, nil)
	current := kpi.PeriodOf(kpi.Week, time.Now(), e.srv.cfg.Location).Label()
	c := e.client()
	c.login("rep@example.com")

	text := c.get("/digests/" + current + "?format=text")
	wantStatus(t, text, http.StatusOK)
	pace := regexp.MustCompile(`\), (on|close to|behind) pace;`)
	for _, name := range []string{"MQLs delivered", "Revenue vs goal"} {
		line := lineWith(text.Body, "- "+name+":")
		if !strings.Contains(line, "due by now") || !pace.MatchString(line) {
			t.Errorf("the running week's %s line is not judged on pace: %q", name, line)
		}
	}
	page := c.get("/digests/" + current)
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(page.Body, "due by now") || !strings.Contains(page.Body, "judged on pace") {
		t.Error("the live preview page does not say what is due by now")
	}
}

// lineWith is the first line of s that contains part, "" if none.
func lineWith(s, part string) string {
	for line := range strings.SplitSeq(s, "\n") {
		if strings.Contains(line, part) {
			return line
		}
	}
	return ""
}
