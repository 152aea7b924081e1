package server

import (
	"net/http"
	"testing"

	"tandem/internal/testdb/demo"
)

// BenchmarkPages renders the heaviest pages through the real router and
// middleware (session, CSRF, policy, gzip) for a signed-in manager, on
// the demo company, with the KPI snapshot warm as in use.
func BenchmarkPages(b *testing.B) {
	e := newTestEnvOn(b, demo.New(b), nil)
	c := e.client()
	c.login("sales.manager@example.com")
	for _, path := range []string{"/", "/?lens=sales", "/kpis/conversion", "/leads", "/leads/queue", "/feedback?q=price", "/feedback/themes"} {
		if res := c.get(path); res.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d", path, res.StatusCode)
		}
		b.Run(path, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				c.get(path)
			}
		})
	}
}
