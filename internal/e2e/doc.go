// Package e2e holds Tandem's end-to-end browser tests. Each test starts the
// real server on a free 127.0.0.1 port against its own migrated database with
// the demo company loaded, and drives it with headless Chromium through
// chromedp. Screenshots land in test-output/screenshots/ at the repository
// root. Run them with `make test` (Chromium and PostgreSQL are needed).
package e2e
