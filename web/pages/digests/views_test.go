package digests

import (
	"testing"
	"time"

	"tandem/internal/digest"
	"tandem/web/components"
)

func TestSendsLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		c    digest.Counts
		want string
	}{
		{"nobody", digest.Counts{}, "Sent to 0 people."},
		{"one", digest.Counts{Sent: 1}, "Sent to 1 person."},
		{"everything", digest.Counts{Sent: 3, Waiting: 2, Failed: 1, Skipped: 4},
			"Sent to 3 people; 2 waiting or being retried; 1 failed; 4 skipped (opted out or deactivated before delivery)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := SendsLine(tc.c); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIndexRowOf(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name             string
		s                digest.Summary
		wantBy, wantSent string
		wantWins         string
	}{
		{"scheduled, not mailed", digest.Summary{ComposedAt: at, WinCount: 1, WonValue: 1249999.5},
			"on schedule", "not mailed", "1 deal, 1,250,000"},
		{"by a manager, partly sent", digest.Summary{ComposedAt: at, ComposedBy: "Maria", Sent: 1, Waiting: 2, Failed: 1, WinCount: 3},
			"by Maria", "sent to 1 person, 2 waiting, 1 failed", "3 deals, 0"},
		{"from the command line", digest.Summary{ComposedAt: at, ComposedVia: digest.ViaCommand, Sent: 5},
			"from the command line", "sent to 5 people", "0 deals, 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			row := IndexRowOf(tc.s, components.Page{})
			if row.By != tc.wantBy || row.Sent != tc.wantSent || row.Wins != tc.wantWins {
				t.Errorf("got by %q, sent %q, wins %q; want %q, %q, %q", row.By, row.Sent, row.Wins, tc.wantBy, tc.wantSent, tc.wantWins)
			}
		})
	}
}
