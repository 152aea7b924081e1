// Package calendar serves each user's secret calendar feed (RFC 5545):
// campaign launches and ends, notice deadlines, digest days and open SLA
// deadlines, and for managers a team feed. This file is the iCalendar
// writer, our own code and small: only what a published feed needs.
package calendar

import (
	"bytes"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Calendar is one VCALENDAR object of METHOD:PUBLISH.
type Calendar struct {
	// ProdID is the product identifier, "-//Tandem//Calendar feed//EN".
	ProdID string
	// Name is shown by calendar apps as the calendar's name (X-WR-CALNAME).
	Name string
	// Refresh, when set, asks clients to refetch that often
	// (REFRESH-INTERVAL and X-PUBLISHED-TTL).
	Refresh time.Duration
	Events  []Event
}

// Event is one VEVENT. An all-day event spans the calendar days Start
// through End (inclusive, taken as dates whatever their time or zone; a
// zero End means one day); the file gets DTEND the day after End, as RFC
// 5545 wants it exclusive. A timed event is written in UTC; a zero End
// leaves DTEND out (an event of no duration, as a deadline is).
type Event struct {
	UID         string // stable across fetches, "campaign-3-launch@host"
	Stamp       time.Time
	Summary     string
	Description string
	URL         string
	AllDay      bool
	Start       time.Time
	End         time.Time
}

const (
	dateFormat     = "20060102"
	dateTimeFormat = "20060102T150405Z"
	// maxLine is the longest content line in octets, CRLF not counted.
	maxLine = 75
)

// Bytes is the calendar as an iCalendar stream: CRLF line endings, lines
// folded at 75 octets without splitting a UTF-8 sequence.
func (c Calendar) Bytes() []byte {
	var b bytes.Buffer
	_, _ = c.WriteTo(&b)
	return b.Bytes()
}

// WriteTo writes the calendar to w.
func (c Calendar) WriteTo(w io.Writer) (int64, error) {
	lw := &lineWriter{w: w}
	lw.line("BEGIN:VCALENDAR")
	lw.line("VERSION:2.0")
	lw.line("PRODID:" + Text(c.ProdID))
	lw.line("CALSCALE:GREGORIAN")
	lw.line("METHOD:PUBLISH")
	if c.Name != "" {
		lw.line("X-WR-CALNAME:" + Text(c.Name))
	}
	if c.Refresh > 0 {
		d := duration(c.Refresh)
		lw.line("REFRESH-INTERVAL;VALUE=DURATION:" + d)
		lw.line("X-PUBLISHED-TTL:" + d)
	}
	for _, e := range c.Events {
		lw.line("BEGIN:VEVENT")
		lw.line("UID:" + Text(e.UID))
		lw.line("DTSTAMP:" + e.Stamp.UTC().Format(dateTimeFormat))
		if e.AllDay {
			end := e.End
			if end.IsZero() || dateOf(end).Before(dateOf(e.Start)) {
				end = e.Start
			}
			lw.line("DTSTART;VALUE=DATE:" + dateOf(e.Start).Format(dateFormat))
			lw.line("DTEND;VALUE=DATE:" + dateOf(end).AddDate(0, 0, 1).Format(dateFormat))
		} else {
			lw.line("DTSTART:" + e.Start.UTC().Format(dateTimeFormat))
			if !e.End.IsZero() && e.End.After(e.Start) {
				lw.line("DTEND:" + e.End.UTC().Format(dateTimeFormat))
			}
		}
		lw.line("SUMMARY:" + Text(e.Summary))
		if e.Description != "" {
			lw.line("DESCRIPTION:" + Text(e.Description))
		}
		if e.URL != "" {
			lw.line("URL:" + uri(e.URL))
		}
		lw.line("TRANSP:TRANSPARENT")
		lw.line("END:VEVENT")
	}
	lw.line("END:VCALENDAR")
	return lw.n, lw.err
}

// dateOf is t's calendar date as written in t's own zone, at midnight UTC.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// duration is d as an RFC 5545 dur-value in whole minutes ("PT60M"),
// at least one minute.
func duration(d time.Duration) string {
	m := max(int64(d/time.Minute), 1)
	return "PT" + itoa(m) + "M"
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

var textEscaper = strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// Text escapes s as an RFC 5545 TEXT value: backslash, semicolon, comma
// and line breaks escaped; invalid UTF-8 replaced and other control
// characters (which TEXT may not hold) dropped. Tabs stay.
func Text(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return textEscaper.Replace(s)
}

// uri keeps a URI value to the characters a content line may hold.
func uri(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x21 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// lineWriter writes content lines, folded and ended with CRLF, and keeps
// the first error.
type lineWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (lw *lineWriter) line(s string) {
	if lw.err != nil {
		return
	}
	n, err := io.WriteString(lw.w, Fold(s))
	lw.n += int64(n)
	lw.err = err
}

// Fold splits one content line into lines of at most 75 octets (CRLF not
// counted), each continuation starting with a space, and never inside a
// UTF-8 sequence; the result ends with CRLF.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/maxLine*3 + 2)
	limit := maxLine
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLine - 1 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	return b.String()
}
