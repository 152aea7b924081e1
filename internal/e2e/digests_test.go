package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tandem/internal/mailtest"
)

// A manager previews the coming digest, adds a note and sends a test to
// themselves, which arrives at a real SMTP server in the test process with
// the note in both parts.
func TestDigestPreviewNoteAndTestMail(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t, mailtest.Options{})
	h := startWith(t, smtp.Env())
	h.Login("marketing.manager@example.com")

	h.Open("/digests")
	if got := h.Text("main"); !strings.Contains(got, "Next digest") || !strings.Contains(got, "Archive") {
		t.Fatalf("/digests: %q", got)
	}
	h.Screenshot("digests-index")
	if code := h.ClickAndWait(`.dg-next a.button`); code != 200 {
		t.Fatalf("opening the preview answered %d", code)
	}
	week := strings.TrimPrefix(h.Path(), "/digests/")
	if !strings.HasPrefix(week, "20") || !strings.Contains(h.Text(".page-head"), "Live preview") {
		t.Fatalf("preview at %s: %q", h.Path(), h.Text(".page-head"))
	}
	for _, section := range []string{"#wins-h", "#revenue-h", "#kpis-h", "#launches-h", "#feedback-h", "#trouble-h"} {
		if !h.Exists(section) {
			t.Errorf("the preview has no %s section", section)
		}
	}

	note := "Record week for the webinar leads. Please acknowledge the year-end notice today."
	h.step("write a note", chromedp.SendKeys(chromedp.CSS("#f-note"), note))
	if code := h.ClickAndWait(`form[action$="/note"] button[type="submit"]`); code != 200 {
		t.Fatalf("saving the note answered %d: %q", code, h.TextOr("main", ""))
	}
	if got := h.Text(".flash"); !strings.Contains(got, "Your note is saved") {
		t.Errorf("flash after saving: %q", got)
	}
	if got := h.Text(".dg-note"); !strings.Contains(got, "A note from Maria Lopez") || !strings.Contains(got, note) {
		t.Errorf("note in the preview: %q", got)
	}
	if got, _ := h.Attr("#f-note", "maxlength"); got != "1000" {
		t.Errorf("note maxlength %q", got)
	}

	if code := h.ClickAndWait(`form[action$="/test"] button[type="submit"]`); code != 200 {
		t.Fatalf("sending the test answered %d: %q", code, h.TextOr("main", ""))
	}
	if got := h.Text(".flash"); !strings.Contains(got, "on its way to marketing.manager@example.com") {
		t.Errorf("flash after the test: %q", got)
	}
	h.Screenshot("digest-week")

	m := smtp.Wait(t, 1, 10*time.Second)[0]
	if len(m.To) != 1 || m.To[0] != "marketing.manager@example.com" || !strings.HasPrefix(m.Header.Get("Subject"), "[Test] Tandem weekly digest: Week ") {
		t.Fatalf("test mail to %v, subject %q", m.To, m.Header.Get("Subject"))
	}
	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		for _, want := range []string{note, "/digests/" + week, "/digests/unsubscribe?u="} {
			if !strings.Contains(body, want) {
				t.Errorf("%s part lacks %q", part, want)
			}
		}
	}
	if n := len(smtp.Messages()); n != 1 {
		t.Errorf("%d messages; the test goes to the manager only", n)
	}

	// The manager turns the weekly mail off on the account page.
	h.Open("/account")
	if _, on := h.Attr(`input[name="digest"]`, "checked"); !on {
		t.Error("the digest checkbox is not ticked for a user who gets it")
	}
	h.step("untick the digest", chromedp.Click(chromedp.CSS(`input[name="digest"]`)))
	if code := h.ClickAndWait(`form[action="/account/digest"] button[type="submit"]`); code != 200 {
		t.Fatalf("saving the digest setting answered %d", code)
	}
	if got := h.Text(".flash"); !strings.Contains(got, "no longer get the weekly digest") || h.Exists(`input[name="digest"]:checked`) {
		t.Errorf("after opting out: %q", got)
	}
	h.Screenshot("account-digest")
}
