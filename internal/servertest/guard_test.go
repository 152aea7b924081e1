package servertest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestGuardRecordsServerErrorsAndErrorLogs(t *testing.T) {
	t.Parallel()
	g := &Guard{} // not New: this test inspects the record instead of failing
	log := g.Logger(io.Discard)
	h := g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/boom":
			log.Error("request failed", "err", "relation does not exist")
			http.Error(w, "oops", http.StatusInternalServerError)
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/gone":
			http.NotFound(w, r)
		default:
			log.Warn("slow")
			_, _ = w.Write([]byte("ok"))
		}
	}))
	for _, p := range []string{"/", "/gone", "/boom", "/down"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, p, nil))
	}
	got := strings.Join(g.Problems(), "\n")
	for _, want := range []string{"GET /boom answered 500", "GET /down answered 503", "request failed", "relation does not exist"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "/gone") || strings.Contains(got, "slow") {
		t.Errorf("a 404 or a warning is not a server failure:\n%s", got)
	}
}
