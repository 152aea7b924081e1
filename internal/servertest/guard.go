// Package servertest watches a Tandem server under test. A suite that never
// looks at the server's own errors passes while a page answers 500 behind a
// redirect, or while a background write fails and is only logged; the
// guard makes every such case fail the test that caused it, unless the test
// says it expects server errors (panic and database-down tests do).
package servertest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// Guard records every response of status 500 or more and every log record
// at ERROR level, and fails the test at its end if there were any.
type Guard struct {
	mu       sync.Mutex
	problems []string
	expected bool
}

// New returns a guard that reports to t when the test ends.
func New(t testing.TB) *Guard {
	t.Helper()
	g := &Guard{}
	t.Cleanup(func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.expected || len(g.problems) == 0 {
			return
		}
		t.Errorf("the server under test failed %d time(s) without the test asking for it "+
			"(call ExpectServerErrors in tests that provoke them):\n  %s", len(g.problems), strings.Join(g.problems, "\n  "))
	})
	return g
}

// ExpectServerErrors turns the guard off for a test that provokes 5xx
// answers or error logs on purpose.
func (g *Guard) ExpectServerErrors() {
	g.mu.Lock()
	g.expected = true
	g.mu.Unlock()
}

// Problems returns what the guard has seen so far.
func (g *Guard) Problems() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.problems...)
}

func (g *Guard) record(format string, args ...any) {
	g.mu.Lock()
	g.problems = append(g.problems, fmt.Sprintf(format, args...))
	g.mu.Unlock()
}

// Handler wraps the server's handler and records 5xx answers.
func (g *Guard) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status >= 500 {
			g.record("%s %s answered %d", r.Method, r.URL.RequestURI(), sw.status)
		}
	})
}

// Logger returns a text logger writing to w (io.Discard is fine) that
// records every ERROR record.
func (g *Guard) Logger(w io.Writer) *slog.Logger {
	return slog.New(&errorHandler{Handler: slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}), guard: g})
}

type errorHandler struct {
	slog.Handler
	guard *Guard
}

func (h *errorHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		var attrs []string
		r.Attrs(func(a slog.Attr) bool {
			attrs = append(attrs, a.String())
			return true
		})
		h.guard.record("logged at %s: %s %s", r.Level, r.Message, strings.Join(attrs, " "))
	}
	return h.Handler.Handle(ctx, r)
}

func (h *errorHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &errorHandler{Handler: h.Handler.WithAttrs(attrs), guard: h.guard}
}

func (h *errorHandler) WithGroup(name string) slog.Handler {
	return &errorHandler{Handler: h.Handler.WithGroup(name), guard: h.guard}
}

// statusWriter remembers the status written; Unwrap keeps
// http.ResponseController (flushes of streamed exports) working.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
