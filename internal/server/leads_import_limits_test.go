package server

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"tandem/internal/leads"
	"tandem/internal/testdb/demo"
)

// A hostile file is refused on the upload form with the limit it broke,
// and nothing is stored.
func TestImportRefusesHostileFiles(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	for name, tc := range map[string]struct {
		content, want string
	}{
		"a million columns": {strings.Repeat("c,", 1_000_000) + "c\nx\n", "Line 1 is longer than 128 KB"},
		"201 columns":       {strings.Repeat("c,", 200) + "c\nx\n", "Line 1 has 201 columns; Tandem reads up to 200"},
		"a long cell":       {"company,contact,email\nA,Ann," + strings.Repeat("x", 5000) + "\n", "Tandem reads cells up to 2000"},
	} {
		c.get("/leads/import")
		res := c.upload("/leads/import", "wide.csv", []byte(tc.content))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, tc.want) || !strings.Contains(res.Body, `enctype="multipart/form-data"`) {
			t.Errorf("%s: the upload form with %q, got:\n%.2000s", name, tc.want, res.Body)
		}
	}
	if n := e.count(`SELECT count(*) FROM lead_imports WHERE filename = 'wide.csv'`); n != 0 {
		t.Errorf("%d refused files stored", n)
	}
}

// The mapping page of the widest file Tandem reads stays small: column
// names are shown whole once (the sample table) and shortened in the
// choices that repeat for every field.
func TestImportPreviewOfWidestFileIsBounded(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	name := strings.Repeat("n", leads.MaxImportHeaderChars)
	var file strings.Builder
	for i := range leads.MaxImportColumns {
		if i > 0 {
			file.WriteString(",")
		}
		fmt.Fprintf(&file, "%03d%s", i, name[3:])
	}
	file.WriteString("\n" + strings.Repeat("x,", leads.MaxImportColumns-1) + "x\n")
	c.get("/leads/import")
	res := c.follow(t, c.upload("/leads/import", "widest.csv", []byte(file.String())))
	if n := strings.Count(res.Body, name[3:]); n != leads.MaxImportColumns {
		t.Errorf("full column names shown %d times, want once each (%d)", n, leads.MaxImportColumns)
	}
	// 9 fields × 200 choices of ≤ 40 characters, plus the table.
	if len(res.Body) > 300<<10 {
		t.Errorf("mapping page of %d KB", len(res.Body)>>10)
	}
}

// hostileUpload is a 20 MB file whose header has 10 million columns, the
// shape of the attack that took the server from 84 MB to 1.19 GB.
func hostileUpload() []byte {
	return []byte(strings.Repeat("a,", leads.MaxImportBytes/2-1) + "a\n")
}

// uploadMemory sends file to the upload form and measures the heap during
// the request: bytes allocated (an upper bound of the heap's growth, since
// the heap is collected just before) and the highest heap sampled.
func uploadMemory(c *client, file []byte) (res response, allocated, peak uint64) {
	body, ct := multipartFile(c.env.t, "hostile.csv", file, c.csrf)
	req, _ := http.NewRequest(http.MethodPost, c.env.http.URL+"/leads/import", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Origin", c.env.http.URL)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	peakHeap := before.HeapAlloc
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				runtime.ReadMemStats(&m)
				peakHeap = max(peakHeap, m.HeapAlloc)
			}
		}
	}()
	res = c.do(req)
	close(stop)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	peakHeap = max(peakHeap, after.HeapAlloc)
	return res, after.TotalAlloc - before.TotalAlloc, peakHeap - before.HeapAlloc
}

// Not parallel: the allocation count is the whole process's, so no other
// test may run meanwhile.
func TestImportHostileUploadMemory(t *testing.T) {
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	c.get("/leads/import")
	file := hostileUpload()
	res, allocated, peak := uploadMemory(c, file)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	t.Logf("%d MB hostile file: %.1f MB allocated, peak heap +%.1f MB", len(file)>>20,
		float64(allocated)/(1<<20), float64(peak)/(1<<20))
	if limit := 2 * uint64(len(file)); allocated > limit {
		t.Errorf("the upload allocated %d MB, more than twice the %d MB file", allocated>>20, len(file)>>20)
	}
}

func BenchmarkImportHostileUpload(b *testing.B) {
	e := newTestEnvOn(b, demo.New(b), nil)
	c := e.client()
	c.login("marketer@example.com")
	file := hostileUpload()
	var allocated, peak uint64
	for b.Loop() {
		c.get("/leads/import")
		_, a, p := uploadMemory(c, file)
		allocated, peak = max(allocated, a), max(peak, p)
	}
	b.ReportMetric(float64(allocated), "alloc-B/upload")
	b.ReportMetric(float64(peak), "peak-heap-B")
	b.ReportMetric(float64(len(file)), "file-B")
}
