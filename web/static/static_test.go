package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/andybalholm/brotli"
)

func serve(t *testing.T, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec.Result()
}

func decode(t *testing.T, res *http.Response) []byte {
	t.Helper()
	var r io.Reader = res.Body
	switch res.Header.Get("Content-Encoding") {
	case "br":
		r = brotli.NewReader(res.Body)
	case "gzip":
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "":
	default:
		t.Fatalf("unexpected encoding %q", res.Header.Get("Content-Encoding"))
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEncodingNegotiation(t *testing.T) {
	want, err := files.ReadFile("app.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		accept, encoding string
	}{
		{"", ""},
		{"gzip", "gzip"},
		{"gzip, deflate, br, zstd", "br"},
		{"br;q=0, gzip;q=0.5", "gzip"},
		{"br;q=0, gzip;q=0", ""},
		{"*", "br"},
		{"*;q=0, gzip", "gzip"},
		{"identity", ""},
		{"GZIP", "gzip"},
	} {
		res := serve(t, http.MethodGet, Path("app.css"), map[string]string{"Accept-Encoding": tc.accept})
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != tc.encoding {
			t.Errorf("Accept-Encoding %q: %d, encoding %q, want %q", tc.accept, res.StatusCode, res.Header.Get("Content-Encoding"), tc.encoding)
			continue
		}
		if res.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary %q", tc.accept, res.Header.Get("Vary"))
		}
		if n, _ := strconv.Atoi(res.Header.Get("Content-Length")); tc.encoding != "" && n >= len(want) {
			t.Errorf("%s body of %d bytes is not smaller than the file's %d", tc.encoding, n, len(want))
		}
		if got := decode(t, res); !bytes.Equal(got, want) {
			t.Errorf("Accept-Encoding %q: the decoded body differs from the file", tc.accept)
		}
	}
}

func TestETagNamesTheEncodingAndRevalidates(t *testing.T) {
	br := serve(t, http.MethodGet, Path("forms.js"), map[string]string{"Accept-Encoding": "br"})
	gz := serve(t, http.MethodGet, Path("forms.js"), map[string]string{"Accept-Encoding": "gzip"})
	plain := serve(t, http.MethodGet, Path("forms.js"), nil)
	tags := map[string]bool{br.Header.Get("ETag"): true, gz.Header.Get("ETag"): true, plain.Header.Get("ETag"): true}
	if len(tags) != 3 {
		t.Fatalf("ETags of the three encodings: %v", tags)
	}
	res := serve(t, http.MethodGet, "/static/forms.js", map[string]string{"Accept-Encoding": "br", "If-None-Match": br.Header.Get("ETag")})
	if res.StatusCode != http.StatusNotModified || res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("revalidation: %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	// The gzip copy's tag does not validate the brotli copy.
	if res := serve(t, http.MethodGet, "/static/forms.js", map[string]string{"Accept-Encoding": "br", "If-None-Match": gz.Header.Get("ETag")}); res.StatusCode != http.StatusOK {
		t.Errorf("another encoding's ETag: %d", res.StatusCode)
	}
}

func TestHeadUnknownAndMethods(t *testing.T) {
	res := serve(t, http.MethodHead, Path("htmx.min.js"), map[string]string{"Accept-Encoding": "gzip"})
	if b, _ := io.ReadAll(res.Body); res.StatusCode != http.StatusOK || len(b) != 0 || res.Header.Get("Content-Length") == "" {
		t.Errorf("HEAD: %d, %d body bytes, Content-Length %q", res.StatusCode, len(b), res.Header.Get("Content-Length"))
	}
	if res := serve(t, http.MethodGet, "/static/nope.js", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown file: %d", res.StatusCode)
	}
	if res := serve(t, http.MethodPost, Path("app.css"), nil); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", res.StatusCode)
	}
	if res := serve(t, http.MethodGet, Path("favicon.svg"), nil); res.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("svg Content-Type %q", res.Header.Get("Content-Type"))
	}
}
