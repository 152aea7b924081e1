package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A click on a form's submit button disables it while the form is sent
// (web/static/forms.js), and coming Back (pageshow) enables it again.
func TestSubmitButtonDisabledWhileSending(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.Login("agent@example.com")
	if code := h.Open("/feedback/new"); code != 200 {
		t.Fatalf("/feedback/new answered %d", code)
	}
	const button = `form[action="/feedback"] button[type="submit"]:not([name="find"])`
	// Hold the navigation back so the page stays to be looked at: a
	// listener on window runs after the script's one on document (the
	// empty form skips validation, which would stop the submit itself).
	get(h, "hold the submit", chromedp.Evaluate[bool](
		`document.querySelector('form[action="/feedback"]').noValidate = true; window.addEventListener("submit", e => e.preventDefault()); true`))
	h.step("click send", chromedp.Click(chromedp.CSS(button)))
	time.Sleep(300 * time.Millisecond)
	if !get(h, "read the button", chromedp.Evaluate[bool](`document.querySelector('`+button+`').disabled`)) {
		t.Fatal("the submit button is still enabled after the click")
	}
	get(h, "come back", chromedp.Evaluate[bool](
		`window.dispatchEvent(new PageTransitionEvent("pageshow", {persisted: true}))`))
	if get(h, "read the button again", chromedp.Evaluate[bool](`document.querySelector('`+button+`').disabled`)) {
		t.Fatal("the submit button stays disabled after pageshow")
	}
}
