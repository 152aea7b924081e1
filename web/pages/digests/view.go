// Package digests holds the weekly digest pages: the archive index, one
// week's digest (archived or live preview) and the unsubscribe pages.
package digests

import (
	"strconv"

	"tandem/internal/digest"
	"tandem/internal/kpi"
	"tandem/web/components"
)

// Index is /digests.
type Index struct {
	components.Page
	MailOn   bool
	Schedule string // "Mondays at 08:00 (Europe/Berlin)"
	// Upcoming is the digest that goes out next: its week, when, and
	// whether it is archived already (a manager sent it early).
	UpcomingWeek  string
	UpcomingTitle string
	UpcomingDue   string
	Rows          []IndexRow
	Total         int
	PrevURL       string
	NextURL       string
}

// IndexRow is one archived digest.
type IndexRow struct {
	Week     string
	Title    string
	Composed string
	By       string
	Wins     string
	Sent     string
}

// Week is /digests/{week}: the digest with the manager's tools.
type Week struct {
	components.Page
	D        digest.Digest
	Archived bool
	// Status says when and how it was archived, or that it is a preview.
	Status  string
	PrevURL string
	NextURL string

	Manager bool
	Admin   bool
	MailOn  bool
	// The note form, while the digest is not archived.
	Note       string
	NoteBy     string
	Version    int
	NoteErrors map[string]string
	// Sends so far, and in words.
	Counts    digest.Counts
	SendsLine string
	Problems  []Problem
}

// Problem is a failing send as admins see it.
type Problem struct {
	Name      string
	Email     string
	State     string
	Attempts  int
	LastError string
}

// Unsubscribe is the page behind the link in every mail.
type Unsubscribe struct {
	components.Page
	U, Sig string
	Email  string
	Done   bool
}

func pct(v *float64) string { return digest.FormatValue(kpi.Percent, v) }

func value(k digest.KPI, v *float64) string { return digest.FormatValue(k.Unit, v) }

func itoa(n int) string { return strconv.Itoa(n) }

func id(n int64) string { return strconv.FormatInt(n, 10) }
