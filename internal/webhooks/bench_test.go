package webhooks_test

import (
	"net/http"
	"testing"
	"time"

	"tandem/internal/testdb"
)

// BenchmarkWebhookDeliveries records b.N handoff events and reports how
// many signed webhook deliveries per second one instance makes to a local
// receiver, from the events' commit to the last delivery recorded: the
// fan-out job, one delivery row and job per event, the signed POST and its
// bookkeeping.
func BenchmarkWebhookDeliveries(b *testing.B) {
	url := testdb.URL(b)
	rc := newLedgerReceiver(b, func(string, int) int { return http.StatusNoContent })
	in := startInstance(b, "bench", url)
	subscribe(b, in, rc)
	b.ResetTimer()
	start := time.Now()
	recordHandoffs(b, in.pool, b.N)
	waitDelivered(b, in.pool, b.N)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
}
