// Command tandem-import creates the leads of a CSV file through Tandem's
// API (POST /api/v1/leads), one request per row, each with an
// Idempotency-Key derived from the row's email. Run it again after an
// interruption (a crash, a kill, a lost connection) and it sends the same
// keys: the rows the server already took are answered from its idempotency
// store (Idempotent-Replayed: true) and create nothing, the others are
// created, so the file ends up imported exactly once.
//
//	TANDEM_TOKEN=tdm_… tandem-import -url http://127.0.0.1:8080 leads.csv
//
// The first line names the columns: company, contact_name and email are
// required; phone, title, country, fit and score are optional (the API's
// field names). The token needs the write scope and a marketing user.
// It prints one summary line; rows the server refused go to stderr with
// their line number and the problem's detail, and make the exit status 1.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// columns are the CSV columns the API knows; score is sent as a number.
var columns = []string{"company", "contact_name", "email", "phone", "title", "country", "fit", "score"}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "Tandem's address")
	workers := flag.Int("workers", 4, "requests in flight at once")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: TANDEM_TOKEN=tdm_… tandem-import [-url URL] [-workers N] FILE.csv")
		flag.PrintDefaults()
	}
	flag.Parse()
	token := os.Getenv("TANDEM_TOKEN")
	if flag.NArg() != 1 || token == "" || *workers < 1 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rows, err := readRows(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "tandem-import:", err)
		os.Exit(2)
	}
	c := client{base: strings.TrimRight(*base, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}}
	sum := c.importAll(ctx, rows, *workers)
	fmt.Printf("created %d, replayed %d, refused %d of %d rows\n", sum.created.Load(), sum.replayed.Load(), sum.refused.Load(), len(rows))
	if sum.refused.Load() > 0 || ctx.Err() != nil {
		os.Exit(1)
	}
}

// row is one CSV line as the API's JSON body.
type row struct {
	line int
	body map[string]any
}

// key is the row's Idempotency-Key: the same on every run for the same
// email, so a re-run never creates a lead twice.
func (r row) key() string {
	email, _ := r.body["email"].(string)
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return "tandem-import-" + hex.EncodeToString(sum[:16])
}

func readRows(path string) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: reading the header: %w", path, err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range []string{"company", "contact_name", "email"} {
		if _, ok := idx[need]; !ok {
			return nil, fmt.Errorf("%s: the header has no %q column", path, need)
		}
	}
	var rows []row
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		body := map[string]any{}
		for _, col := range columns {
			i, ok := idx[col]
			if !ok || i >= len(rec) || strings.TrimSpace(rec[i]) == "" {
				continue
			}
			v := strings.TrimSpace(rec[i])
			if col == "score" {
				n, err := strconv.Atoi(v)
				if err != nil {
					return nil, fmt.Errorf("%s:%d: score %q is not a whole number", path, line, v)
				}
				body[col] = n
				continue
			}
			body[col] = v
		}
		rows = append(rows, row{line: line, body: body})
	}
}

type client struct {
	base, token string
	http        *http.Client
}

type summary struct{ created, replayed, refused atomic.Int64 }

func (c client) importAll(ctx context.Context, rows []row, workers int) *summary {
	var sum summary
	next := make(chan row)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				c.send(ctx, r, &sum)
			}
		}()
	}
	for _, r := range rows {
		select {
		case next <- r:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(next)
	wg.Wait()
	return &sum
}

// maxTries bounds the retries of one row (rate limit, a key still in
// flight, an unavailable server, a lost connection).
const maxTries = 20

func (c client) send(ctx context.Context, r row, sum *summary) {
	body, _ := json.Marshal(r.body)
	for try := 1; ctx.Err() == nil; try++ {
		status, replayed, detail, wait, err := c.post(ctx, body, r.key())
		switch {
		case err == nil && (status == http.StatusCreated || status == http.StatusOK):
			if replayed {
				sum.replayed.Add(1)
			} else {
				sum.created.Add(1)
			}
			return
		case try >= maxTries:
		case err != nil:
			wait = time.Second
		case status == http.StatusTooManyRequests, status == http.StatusConflict, status >= 500:
			if wait == 0 {
				wait = time.Second
			}
		default: // refused: retrying will not help
			wait = -1
		}
		if wait < 0 || try >= maxTries {
			if err != nil {
				detail = err.Error()
			}
			fmt.Fprintf(os.Stderr, "line %d: %d %s\n", r.line, status, detail)
			sum.refused.Add(1)
			return
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
}

// post sends one row; wait is the server's Retry-After.
func (c client) post(ctx context.Context, body []byte, key string) (status int, replayed bool, detail string, wait time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/v1/leads", bytes.NewReader(body))
	if err != nil {
		return 0, false, "", 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	res, err := c.http.Do(req)
	if err != nil {
		return 0, false, "", 0, err
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
		wait = time.Duration(s) * time.Second
	}
	if res.StatusCode >= 300 {
		var p struct {
			Detail string `json:"detail"`
			Errors []struct {
				Field, Message string
			} `json:"errors"`
		}
		if json.Unmarshal(out, &p) == nil {
			detail = p.Detail
			for _, e := range p.Errors {
				if e.Message != p.Detail {
					detail += "; " + e.Field + ": " + e.Message
				} else {
					detail = e.Field + ": " + e.Message
				}
			}
		}
	}
	return res.StatusCode, res.Header.Get("Idempotent-Replayed") == "true", detail, wait, nil
}
