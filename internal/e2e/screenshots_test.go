package e2e

import (
	"bytes"
	"image/png"
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

// TestScreenshots takes full-page screenshots of the main pages at 1280
// and 390 px as the sales manager (who sees the queue and the pinned
// banners), and checks each is a picture exactly as wide as the window: a
// full-page capture of a page that overflows is wider. They go to
// test-output/screenshots/readme/, or into docs/screenshots/ for the README
// with TANDEM_SCREENSHOTS=1: `TANDEM_SCREENSHOTS=1 bin/devdb throwaway --
// go test ./internal/e2e/ -run TestScreenshots`.
func TestScreenshots(t *testing.T) {
	t.Parallel()
	h := startFor(t, 2*time.Minute, nil)
	h.Login("sales.manager@example.com")
	dir := filepath.Join(repoRoot(t), "test-output", "screenshots", "readme")
	if os.Getenv("TANDEM_SCREENSHOTS") == "1" {
		dir = filepath.Join(repoRoot(t), "docs", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, width := range []struct {
		w, h   int64
		suffix string
	}{{desktopWidth, desktopHeight, "1280"}, {phoneWidth, phoneHeight, "390"}} {
		for _, p := range screenshotPages {
			h.step("viewport", chromedp.EmulateViewport(width.w, width.h))
			if code := h.Open(p.path); code != http.StatusOK {
				t.Fatalf("%s: status %d", p.path, code)
			}
			shot := get(h, "screenshot "+p.path, chromedp.FullScreenshot(100))
			img, err := png.DecodeConfig(bytes.NewReader(shot))
			if err != nil {
				t.Fatalf("%s at %s px: the screenshot is not a PNG: %v", p.path, width.suffix, err)
			}
			if int64(img.Width) != width.w {
				t.Errorf("%s at %s px: the page is %d px wide", p.path, width.suffix, img.Width)
			}
			file := filepath.Join(dir, p.name+"-"+width.suffix+".png")
			if err := os.WriteFile(file, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", file)
		}
	}
}
