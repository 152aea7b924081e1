package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestTokenJourney: a marketer creates an API token in the browser, sees
// it once after the redirect, not again on reload, and revokes it.
func TestTokenJourney(t *testing.T) {
	t.Parallel()
	h := start(t)
	h.Login("marketer@example.com")
	h.Open("/account")
	if code := h.ClickAndWait(`a[href="/account/tokens"]`); code != 200 {
		t.Fatalf("tokens page: %d", code)
	}
	h.step("fill the token form",
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Journey sync"),
		chromedp.Click(chromedp.CSS(`input[name="scopes"][value="write"]`)),
	)
	if code := h.ClickAndWait(`form[action="/account/tokens"] button[type="submit"]`); code != 200 {
		t.Fatalf("after create: %d", code)
	}
	secret := get(h, "read the new token", chromedp.Value(chromedp.CSS(`input[aria-label="New API token"]`)))
	if !strings.HasPrefix(secret, "tdm_") || len(secret) != 47 {
		t.Fatalf("shown token %q", secret)
	}
	if got := h.Text("table tbody tr td:nth-child(3)"); got != "read, write" {
		t.Errorf("scopes column %q", got)
	}
	h.Open("/account/tokens")
	if h.Exists(`input[aria-label="New API token"]`) {
		t.Error("the token is shown a second time")
	}
	if code := h.ClickAndWait(`button[aria-label="Revoke the token Journey sync"]`); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	if got := h.Text("table tbody tr td:nth-child(7)"); !strings.HasPrefix(got, "revoked") {
		t.Errorf("state after revoking %q", got)
	}
	h.Screenshot("account-tokens.png")
}
