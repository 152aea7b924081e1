package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/tokens"
	"tandem/internal/users"
)

// importDomain marks the leads of the import test's batch.
const importDomain = "@api-import.example"

// TestAPIImportKilledAndRerun is the API's end-to-end test with a real
// client: cmd/tandem-import, built and run as its own process against the
// real server over TCP, imports 1 000 leads with one Idempotency-Key per
// row, is killed (SIGKILL) once the database has 300 of them, and is run
// again to the end. Exactly 1 000 leads of the batch exist afterwards, and
// the re-run got the kept answer (Idempotent-Replayed) for every row the
// first run had finished.
func TestAPIImportKilledAndRerun(t *testing.T) {
	t.Parallel()
	const total, killAt = 1000, 300
	// Longer than a journey's bound: under -race on two busy cores the
	// 1 000 creates (twice the 300-odd of the first run) take a while.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// A limit above the batch: the client honours 429 + Retry-After, but
	// waiting a minute for the window would only make the test slow.
	cfg, pool := startServer(t, ctx, map[string]string{"API_RATE_LIMIT": "100000"})

	dir := t.TempDir()
	bin := filepath.Join(dir, "tandem-import")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "tandem/cmd/tandem-import").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	csvPath := filepath.Join(dir, "leads.csv")
	var b strings.Builder
	b.WriteString("company,contact_name,email,fit,score\n")
	for i := range total {
		fmt.Fprintf(&b, "Import %04d GmbH,Contact %04d,lead-%04d%s,strong,%d\n", i, i, i, importDomain, i%100)
	}
	if err := os.WriteFile(csvPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	u, err := users.NewStore(pool).ByEmail(ctx, "marketer@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tok, secret, err := tokens.NewStore(pool).CreatePersonal(ctx, users.Actor{IP: "e2e"}, u.ID,
		tokens.New{Name: "import e2e", Scopes: []tokens.Scope{tokens.Read, tokens.Write}, Expires: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	run := func() *exec.Cmd {
		cmd := exec.CommandContext(ctx, bin, "-url", cfg.BaseURL.String(), "-workers", "4", csvPath)
		cmd.Env = append(os.Environ(), "TANDEM_TOKEN="+secret)
		return cmd
	}

	// First run: killed once the database has killAt of the batch.
	first := run()
	var firstOut bytes.Buffer
	first.Stdout, first.Stderr = &firstOut, &firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- first.Wait() }()
	for n := 0; n < killAt; n = countBatch(t, ctx, pool) {
		select {
		case err := <-exited:
			t.Fatalf("the first run ended (%v) before it was killed, with %d leads:\n%s", err, n, firstOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	// The requests in flight at the kill finish on the server (an
	// idempotent request runs to its end once its key is claimed), and one
	// the server had read but not yet claimed may still claim: wait until
	// no key is in flight and the kept answers stay the same for 500 ms.
	var finished, inFlight int
	stableSince, last := time.Now(), -1
	for deadline := time.Now().Add(10 * time.Second); ; {
		if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status IS NOT NULL), count(*) FILTER (WHERE status IS NULL)
			FROM api_idempotency WHERE token_id = $1`, tok.ID).Scan(&finished, &inFlight); err != nil {
			t.Fatal(err)
		}
		if inFlight != 0 || finished != last {
			stableSince, last = time.Now(), finished
		} else if time.Since(stableSince) >= 500*time.Millisecond {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d idempotency keys still in flight 10 s after the kill", inFlight)
		}
		time.Sleep(20 * time.Millisecond)
	}
	afterKill := countBatch(t, ctx, pool)
	t.Logf("killed after %d leads; %d answers kept", afterKill, finished)
	if afterKill < killAt || afterKill >= total {
		t.Fatalf("%d leads after the kill, want between %d and %d", afterKill, killAt, total)
	}
	if finished != afterKill {
		t.Errorf("%d kept answers for %d created leads: every created lead's key must keep its answer", finished, afterKill)
	}

	// Second run, to the end.
	out, err := run().CombinedOutput()
	if err != nil {
		t.Fatalf("the re-run failed: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`created (\d+), replayed (\d+), refused (\d+) of (\d+) rows`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no summary in the re-run's output:\n%s", out)
	}
	created, _ := strconv.Atoi(m[1])
	replayed, _ := strconv.Atoi(m[2])
	if replayed != finished || created != total-finished || m[3] != "0" || m[4] != strconv.Itoa(total) {
		t.Errorf("re-run: %s; want created %d, replayed %d, refused 0 of %d", m[0], total-finished, finished, total)
	}
	if n := countBatch(t, ctx, pool); n != total {
		t.Errorf("%d leads of the batch, want exactly %d", n, total)
	}
	var distinct int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT lower(email)) FROM leads WHERE email LIKE '%'||$1`, importDomain).Scan(&distinct); err != nil {
		t.Fatal(err)
	}
	if distinct != total {
		t.Errorf("%d distinct emails in the batch, want %d (a duplicate or a missing row)", distinct, total)
	}
}

func countBatch(t *testing.T, ctx context.Context, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM leads WHERE email LIKE '%'||$1`, importDomain).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
