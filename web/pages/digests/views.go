package digests

import (
	"strconv"
	"time"

	"tandem/internal/digest"
	"tandem/internal/format"
	"tandem/internal/kpi"
	"tandem/web/components"
)

// People writes "1 person" / "3 people".
func People(n int) string { return strconv.Itoa(n) + " " + format.Plural(n, "person", "people") }

// composedBy says who or what archived a digest.
func composedBy(by, via string) string {
	switch {
	case by != "":
		return "by " + by
	case via == digest.ViaCommand:
		return "from the command line"
	}
	return "on schedule"
}

// IndexInput is what /digests shows: the schedule in loc, the digest due
// next after now, and a page (from 1) of the archive.
type IndexInput struct {
	MailOn   bool
	Schedule digest.Schedule
	Location *time.Location
	Now      time.Time
	List     []digest.Summary
	Total    int
	PageNo   int
}

// IndexOf is the archive index's view.
func IndexOf(p components.Page, in IndexInput) Index {
	week, due := in.Schedule.Upcoming(in.Now, in.Location)
	v := Index{Page: p, MailOn: in.MailOn, Total: in.Total,
		Schedule:     in.Schedule.String() + ", " + in.Location.String(),
		UpcomingWeek: week.Label(), UpcomingTitle: week.Title(), UpcomingDue: p.DateTime(due)}
	for _, d := range in.List {
		v.Rows = append(v.Rows, IndexRowOf(d, p))
	}
	if in.PageNo > 1 {
		v.PrevURL = "/digests?page=" + strconv.Itoa(in.PageNo-1)
	}
	if in.PageNo*digest.PageSize < in.Total {
		v.NextURL = "/digests?page=" + strconv.Itoa(in.PageNo+1)
	}
	return v
}

// IndexRowOf is one archived digest in the index.
func IndexRowOf(d digest.Summary, p components.Page) IndexRow {
	row := IndexRow{Week: d.Week, Title: d.Title, Composed: p.DateTime(d.ComposedAt),
		Wins: format.Count(d.WinCount, "deal") + ", " + format.Currency(d.Currency, d.WonValue),
		By:   composedBy(d.ComposedBy, d.ComposedVia)}
	switch {
	case d.Sent+d.Waiting+d.Failed == 0:
		row.Sent = "not mailed"
	default:
		row.Sent = "sent to " + People(d.Sent)
		if d.Waiting > 0 {
			row.Sent += ", " + strconv.Itoa(d.Waiting) + " waiting"
		}
		if d.Failed > 0 {
			row.Sent += ", " + strconv.Itoa(d.Failed) + " failed"
		}
	}
	return row
}

// WeekInput is what one week's page shows.
type WeekInput struct {
	Week    kpi.Period
	Digest  digest.Digest
	Entry   digest.Entry
	Manager bool
	Admin   bool
	MailOn  bool
	// HasNext: the next week has started, so it has a page.
	HasNext bool
	// Due is when the schedule archives a week not archived yet.
	Due        time.Time
	NoteErrors map[string]string
	Counts     digest.Counts    // managers
	Problems   []digest.Problem // admins
}

// WeekOf is one week's digest page.
func WeekOf(p components.Page, in WeekInput) Week {
	e := in.Entry
	v := Week{Page: p, D: in.Digest, Archived: e.Archived != nil, Manager: in.Manager, Admin: in.Admin,
		MailOn: in.MailOn, Note: e.Note, NoteBy: e.NoteBy, Version: e.Version, NoteErrors: in.NoteErrors,
		PrevURL: "/digests/" + in.Week.Prev().Label()}
	if in.HasNext {
		v.NextURL = "/digests/" + in.Week.Next().Label()
	}
	if a := e.Archived; a != nil {
		v.Status = "Archived " + p.DateTime(a.ComposedAt) + " " + composedBy(a.ComposedBy, a.ComposedVia) +
			"; the numbers no longer change."
	} else {
		v.Status = "Live preview: the numbers move with the data until the digest is archived, " +
			"on schedule " + p.DateTime(in.Due) + " or when a manager sends it."
	}
	if v.Manager {
		v.Counts, v.SendsLine = in.Counts, SendsLine(in.Counts)
	}
	for _, pr := range in.Problems {
		state := "gave up"
		switch {
		case pr.Status == "sending":
			state = "being sent"
		case pr.NextAttempt != nil:
			state = "retrying " + p.DateTime(*pr.NextAttempt)
		}
		v.Problems = append(v.Problems, Problem{Name: pr.Name, Email: pr.Email, State: state,
			Attempts: pr.Attempts, LastError: pr.LastError})
	}
	return v
}

// SendsLine says how a week's sends stand.
func SendsLine(c digest.Counts) string {
	line := "Sent to " + People(c.Sent)
	if c.Waiting > 0 {
		line += "; " + strconv.Itoa(c.Waiting) + " waiting or being retried"
	}
	if c.Failed > 0 {
		line += "; " + strconv.Itoa(c.Failed) + " failed"
	}
	if c.Skipped > 0 {
		line += "; " + strconv.Itoa(c.Skipped) + " skipped (opted out or deactivated before delivery)"
	}
	return line + "."
}
