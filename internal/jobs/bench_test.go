package jobs_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/events"
	"tandem/internal/testdb"
)

// poster is the ledger channel posting each delivery to a receiver, so the
// benchmark measures what a webhook delivery costs the job table: the
// fan-out, one job per delivery, the attempt and its bookkeeping.
type poster struct {
	*ledger
	url string
}

func (p poster) Deliver(ctx context.Context, id int64, attempt int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader([]byte(`{"type":"lead.handed_off"}`)))
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	return p.ledger.Deliver(ctx, id, attempt)
}

// BenchmarkDeliveries records b.N events and reports how many deliveries
// per second one instance makes to a local receiver, from the event's
// commit to the receiver's answer.
func BenchmarkDeliveries(b *testing.B) {
	pool := testdb.New(b)
	var received atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	l := newLedger(b, pool)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for i := 0; i < b.N; i++ {
			if _, err := events.Record(ctx, tx, events.Change{Kind: events.LeadHandedOff,
				Payload: events.Lead{ID: int64(i), URL: "/leads/1"}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	startSystem(b, pool, poster{ledger: l, url: receiver.URL})
	for received.Load() < int64(b.N) || count(b, pool, `SELECT count(*) FROM ledger_deliveries WHERE delivered = 1`) < b.N {
		time.Sleep(5 * time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
}
