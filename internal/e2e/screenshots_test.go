package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// screenshotPages are the pages kept in docs/screenshots, by file name.
var screenshotPages = []struct{ name, path string }{
	{"overview", "/"},
	{"queue", "/leads/queue"},
	{"lead", "/leads/1"},
	{"campaign", "/campaigns/1"},
	{"feedback", "/feedback"},
}

// TestScreenshots writes full-page screenshots of the main pages at 1280
// and 390 px into docs/screenshots/ for the README, as the sales manager
// (who sees the queue and the pinned banners). It runs only when
// TANDEM_SCREENSHOTS=1: `TANDEM_SCREENSHOTS=1 bin/devdb throwaway -- go test
// ./internal/e2e/ -run TestScreenshots`.
func TestScreenshots(t *testing.T) {
	if os.Getenv("TANDEM_SCREENSHOTS") != "1" {
		t.Skip("set TANDEM_SCREENSHOTS=1 to write docs/screenshots/")
	}
	h := startFor(t, 2*time.Minute, nil)
	h.Login("sales.manager@example.com")
	dir := filepath.Join(repoRoot(t), "docs", "screenshots")
	for _, width := range []struct {
		w, h   int64
		suffix string
	}{{desktopWidth, desktopHeight, "1280"}, {phoneWidth, phoneHeight, "390"}} {
		for _, p := range screenshotPages {
			h.step("viewport", chromedp.EmulateViewport(width.w, width.h))
			if code := h.Open(p.path); code != http.StatusOK {
				t.Fatalf("%s: status %d", p.path, code)
			}
			png := get(h, "screenshot "+p.path, chromedp.FullScreenshot(100))
			file := filepath.Join(dir, p.name+"-"+width.suffix+".png")
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", file)
		}
	}
}
