package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tandem/internal/oidctest"
)

// TestSSOJourney: an admin maps a provider group to a team and role and
// makes a SCIM token the directory can use at once; a newcomer signs in
// through the provider's own sign-in page, lands in Tandem with that
// access, and signing out signs them out of the provider too.
func TestSSOJourney(t *testing.T) {
	t.Parallel()
	idp := oidctest.Start(t)
	idp.Interactive()
	h := startWith(t, idp.Env())

	h.Login("admin@example.com")
	if code := h.Open("/admin/sso"); code != 200 {
		t.Fatalf("admin page: %d", code)
	}
	h.step("fill the rule form",
		chromedp.SendKeys(chromedp.CSS("#f-group"), "Acme Sellers"),
		chromedp.SetValue(chromedp.CSS("#f-team"), "sales"),
		chromedp.SetValue(chromedp.CSS("#f-role"), "manager"),
	)
	if code := h.ClickAndWait(`form[action="/admin/sso/rules"] button[type="submit"]`); code != 200 {
		t.Fatalf("after adding the rule: %d", code)
	}
	if got := h.Text("table tbody tr td:nth-child(2)"); got != "Acme Sellers" {
		t.Fatalf("rules table shows %q", got)
	}
	h.Screenshot("admin-sso.png")

	h.step("name a SCIM token", chromedp.SendKeys(chromedp.CSS("#f-scim-token-name"), "Acme directory"))
	if code := h.ClickAndWait(`form[action="/admin/sso/scim-tokens"] button[type="submit"]`); code != 200 {
		t.Fatalf("after creating the SCIM token: %d", code)
	}
	scimToken, _ := h.Attr(`input[aria-label="New SCIM token"]`, "value")
	if scimToken == "" {
		t.Fatal("the new SCIM token is not shown")
	}
	h.Screenshot("admin-sso-scim-token.png")
	req, _ := http.NewRequest(http.MethodGet, h.BaseURL+"/scim/v2/Users?count=1", nil)
	req.Header.Set("Authorization", "Bearer "+scimToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the token from the page at /scim/v2: %d", res.StatusCode)
	}
	h.step("sign the admin out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#f-email")))

	h.Open("/login")
	h.Screenshot("login-sso.png")
	if code := h.ClickAndWait(`a.sso-button`); code != 200 {
		t.Fatalf("provider's sign-in page: %d", code)
	}
	if !strings.HasPrefix(h.Location().String(), idp.AuthorizationEndpoint()) {
		t.Fatalf("not at the provider: %s", h.Location())
	}
	h.step("sign in at the provider",
		chromedp.SendKeys(chromedp.CSS("#acme-email"), "dana.newcomer@example.com"),
		chromedp.SendKeys(chromedp.CSS("#acme-groups"), "Everyone, Acme Sellers"),
	)
	if code := h.ClickAndWait(`#acme-submit`); code != 200 {
		t.Fatalf("back in Tandem: %d at %s", code, h.Location())
	}
	if p := h.Path(); p != "/" {
		t.Fatalf("landed on %s", p)
	}
	menu, _ := h.Attr(".user-name", "aria-label")
	if menu != "Your account: dana.newcomer, Sales Manager" {
		t.Errorf("user menu %q", menu)
	}
	h.Screenshot("sso-signed-in.png")

	h.step("sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	deadline := time.Now().Add(10 * time.Second)
	// The page navigates twice (Tandem's logout page, the provider, back to
	// /login): a read in between may find the target gone, so poll softly.
	for time.Now().Before(deadline) {
		if u, err := url.Parse(h.locationOrErr()); err == nil && u.Path == "/login" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if p := h.Path(); p != "/login" {
		t.Fatalf("after signing out: %s", h.Location())
	}
	if hints := idp.Logouts(); len(hints) != 1 || hints[0] == "" {
		t.Errorf("provider logouts %v", hints)
	}
}
