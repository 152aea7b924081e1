package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tandem/internal/tokens"
)

// apiJSON writes v as JSON with status. A 200 to a GET carries a weak ETag
// (a hash of the body) and answers 304 when If-None-Match has it.
func apiJSON(w http.ResponseWriter, r *http.Request, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if r.Method == http.MethodGet && status == http.StatusOK {
		sum := sha256.Sum256(body)
		etag := `W/"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
		w.Header().Set("ETag", etag)
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

// etagMatches is the weak comparison of If-None-Match (RFC 9110 13.1.2).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}

// readJSON decodes the body into v, refusing unknown fields and trailing
// data: a typo in a field name is an error, not a silently ignored field.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return &apiError{errBadJSON.Status, errBadJSON.Slug, errBadJSON.Title, errBadJSON.Detail + " (" + err.Error() + ")"}
	}
	if dec.More() {
		return errBadJSON
	}
	return nil
}

// readOptionalJSON is readJSON for a body that may be left out: an empty
// body is an empty object.
func readOptionalJSON(r *http.Request, v any) error {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	return readJSON(r, v)
}

// ifMatchVersion reads If-Match: "<version>": 428 without it, 412 when it
// is not a version at all.
func ifMatchVersion(r *http.Request) (int, error) {
	raw := strings.TrimSpace(r.Header.Get("If-Match"))
	if raw == "" {
		return 0, errNoIfMatch
	}
	v, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(raw, "W/"), `"`))
	if err != nil || v < 0 {
		return 0, errStale
	}
	return v, nil
}

// versionETag is the strong ETag of a record's version, for If-Match.
func versionETag(v int) string { return `"` + strconv.Itoa(v) + `"` }

// apiLimit reads limit: default 50, at most 200.
func apiLimit(q url.Values) (int, error) {
	raw := q.Get("limit")
	if raw == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 200 {
		return 0, &apiError{http.StatusUnprocessableEntity, "invalid", "Check your input", "limit must be a whole number from 1 to 200."}
	}
	return n, nil
}

// listPage is the envelope of every list: the items and the link to the
// next page, null on the last.
type listPage[T any] struct {
	Data []T     `json:"data"`
	Next *string `json:"next"`
}

// pageOf builds a list answer and sets its Link header. next is the
// cursor of the following page, "" at the end.
func pageOf[T any](w http.ResponseWriter, r *http.Request, data []T, next string) listPage[T] {
	if data == nil {
		data = []T{}
	}
	p := listPage[T]{Data: data}
	if next != "" {
		q := r.URL.Query()
		q.Set("cursor", next)
		link := r.URL.Path + "?" + q.Encode()
		p.Next = &link
		w.Header().Set("Link", "<"+link+`>; rel="next"`)
	}
	return p
}

// recorder keeps what a handler answers, to store it for replay.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (rec *recorder) WriteHeader(status int) {
	rec.status = status
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	rec.body.Write(b)
	return rec.ResponseWriter.Write(b)
}

// maxIdempotencyKey bounds the key a client may send.
const maxIdempotencyKey = 200

// idempotent applies Idempotency-Key to a POST: the first request with a
// key runs and its answer is kept 24 hours; the same key with the same
// body (method, path and body hash) gets that answer again, with another
// body a 422, and while the first still runs a 409. A request without the
// header runs as usual. Unexpected failures (5xx) are not kept, so a retry
// runs again.
func (s *Server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > maxIdempotencyKey || !storableText(key) {
			s.problem(w, r, &apiError{http.StatusBadRequest, "bad-request", "Bad request", "Idempotency-Key must be at most 200 characters of text."})
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		// From the claim on, the request runs to its end even when the
		// client goes away (a killed import, a lost connection): else a
		// key could stay claimed, neither kept nor released, and the
		// client's retry get 409 for a day, or a lead be created with its
		// key released and the retry create it again.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), idempotentRunLimit)
		defer cancel()
		r = r.WithContext(ctx)
		tokenID := callerOf(r).Token.ID
		stored, err := s.tokens.Claim(ctx, tokenID, key, idempotencyHash(r.Method, r.URL.RequestURI(), body))
		switch {
		case err != nil:
			s.problem(w, r, err)
		case stored != nil:
			replay(w, *stored)
		default:
			s.runAndKeep(w, r, next, tokenID, key)
		}
	})
}

// idempotencyHash identifies a request for its key: method, address and body.
func idempotencyHash(method, uri string, body []byte) []byte {
	sum := sha256.Sum256([]byte(method + " " + uri + "\n" + string(body)))
	return sum[:]
}

// idempotentRunLimit bounds a claimed request that runs on after its
// client went away.
const idempotentRunLimit = time.Minute

// runAndKeep runs a request whose key it claimed and keeps its answer.
func (s *Server) runAndKeep(w http.ResponseWriter, r *http.Request, next http.Handler, tokenID int64, key string) {
	ctx := r.Context()
	rec := &recorder{ResponseWriter: w}
	next.ServeHTTP(rec, r)
	if rec.status >= 500 || rec.status == 0 {
		if err := s.tokens.Release(ctx, tokenID, key); err != nil {
			s.log.Warn("release idempotency key", "err", err)
		}
		return
	}
	st := tokens.Stored{Status: &rec.status, Location: w.Header().Get("Location"),
		ContentType: w.Header().Get("Content-Type"), Body: rec.body.Bytes()}
	if err := s.tokens.Finish(ctx, tokenID, key, st); err != nil {
		s.log.Warn("keep idempotent response", "err", err)
	}
}

func replay(w http.ResponseWriter, st tokens.Stored) {
	if st.Location != "" {
		w.Header().Set("Location", st.Location)
	}
	if st.ContentType != "" {
		w.Header().Set("Content-Type", st.ContentType)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(*st.Status)
	_, _ = w.Write(st.Body)
}
