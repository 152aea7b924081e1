// Package static serves the embedded stylesheet, scripts and images under
// content-hashed URLs, so browsers may cache them for a year. Each file is
// compressed once, as the server starts, with brotli and gzip: a request only picks
// the bytes its Accept-Encoding allows.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"math/bits"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

//go:embed *.css *.js *.svg
var files embed.FS

// asset is one embedded file in each encoding worth sending.
type asset struct {
	version     string // the first hex digits of the file's SHA-256
	contentType string
	identity    []byte
	// packed is the compressed copies, made on first use: about 150 ms of
	// brotli that every command and test binary linking this package
	// would otherwise pay at start-up. Handler starts it at once.
	packed func() packed
}

type packed struct {
	gzip   []byte // nil when gzip does not make the file smaller
	brotli []byte // likewise
}

var assets = func() map[string]*asset {
	m := map[string]*asset{}
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		b, _ := files.ReadFile(e.Name())
		sum := sha256.Sum256(b)
		a := &asset{version: hex.EncodeToString(sum[:6]), identity: b,
			contentType: mime.TypeByExtension(path.Ext(e.Name()))}
		if a.contentType == "" {
			a.contentType = "application/octet-stream"
		}
		a.packed = sync.OnceValue(func() packed { return packed{gzip: smaller(b, gzipped(b)), brotli: smaller(b, brotlied(b))} })
		m[e.Name()] = a
	}
	return m
}()

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func brotlied(b []byte) []byte {
	var buf bytes.Buffer
	// A window just large enough for the file: the best compression with
	// the default 4 MB window allocates over 100 MB at start-up for
	// files of kilobytes.
	zw := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: brotli.BestCompression,
		LGWin: min(max(bits.Len(uint(len(b))), 10), 24)})
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func smaller(plain, packed []byte) []byte {
	if len(packed) >= len(plain) {
		return nil
	}
	return packed
}

// Path returns the URL of an embedded file with its content hash, e.g.
// /static/app.css?v=1a2b3c4d5e6f. Unknown names panic: a typo is a bug.
func Path(name string) string {
	a, ok := assets[name]
	if !ok {
		panic("static: no embedded file " + name)
	}
	return "/static/" + name + "?v=" + a.version
}

// Handler serves the files under /static/. A request carrying the current
// hash is immutable; any other gets revalidated through the ETag, which
// names the encoding too (each encoding is its own representation).
func Handler() http.Handler {
	go func() { // compress while the server starts, not in its first requests
		for _, a := range assets {
			a.packed()
		}
	}()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets[strings.TrimPrefix(r.URL.Path, "/static/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, encoding := a.identity, ""
		accepts := acceptedEncodings(r.Header.Get("Accept-Encoding"))
		switch p := a.packed(); {
		case p.brotli != nil && accepts["br"]:
			body, encoding = p.brotli, "br"
		case p.gzip != nil && accepts["gzip"]:
			body, encoding = p.gzip, "gzip"
		}
		h := w.Header()
		h.Set("Vary", "Accept-Encoding")
		etag := `"` + a.version + `"`
		if encoding != "" {
			etag = `"` + a.version + "-" + encoding + `"`
		}
		h.Set("ETag", etag)
		if r.URL.Query().Get("v") == a.version {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		if matches(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Type", a.contentType)
		if encoding != "" {
			h.Set("Content-Encoding", encoding)
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(body)
		}
	})
}

// acceptedEncodings reads an Accept-Encoding header: the codings named
// with a quality above zero (RFC 9110 §12.5.3). "*" stands for any.
func acceptedEncodings(header string) map[string]bool {
	ok := map[string]bool{}
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		ok[name] = q > 0
	}
	if star, set := ok["*"]; set {
		for _, name := range []string{"br", "gzip"} {
			if _, named := ok[name]; !named {
				ok[name] = star
			}
		}
	}
	return ok
}

// matches reports whether an If-None-Match header names etag (or is *).
func matches(header, etag string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == etag || tag == "*" {
			return true
		}
	}
	return false
}
