// Package digest composes the weekly alignment digest, archives it with
// its numbers frozen, renders it as plain text and HTML, and mails it over
// SMTP exactly once per person and week, from any number of app instances.
//
// The life of one week's digest:
//
//   - Until it is composed, /digests/{week} is a live preview computed from
//     the current data; a manager may save a short note for it.
//   - Composing (the schedule, a manager's "send now", or `tandem digest
//     compose`) computes the numbers once and stores them, note included,
//     as JSON in digests.body. The first composition wins; later ones read
//     it back. The archive never changes after that.
//   - Sending queues one digest_sends row per active, opted-in user
//     (UNIQUE (week, user_id)), and instances claim rows one at a time with
//     FOR UPDATE SKIP LOCKED. See send.go for the exactly-once argument.
package digest

import (
	"fmt"
	"strconv"
	"time"

	"tandem/internal/format"
	"tandem/internal/kpi"
)

// bodyFormat versions the JSON shape stored in digests.body.
const bodyFormat = 1

// Digest is one week's digest with every number it shows. It is stored as
// JSON when composed, so the archive shows exactly what was sent.
type Digest struct {
	Format int       `json:"format"`
	Week   string    `json:"week"`  // 2026-W47
	Title  string    `json:"title"` // Week 47, 2026
	From   time.Time `json:"from"`  // Monday 00:00, business timezone
	To     time.Time `json:"to"`    // the next Monday 00:00
	// AsOf is the one cut-off of every number in the digest: the end of its
	// ISO week in the business timezone, or the moment it was composed when
	// that came first (a running week's preview, or "send now" mid-week).
	AsOf     time.Time `json:"as_of"`
	Timezone string    `json:"timezone"`
	// Currency is the ISO 4217 code of every amount, the setting when the
	// digest was composed ("" in digests archived before there was one:
	// their amounts show without a code).
	Currency string `json:"currency,omitempty"`
	Note     string `json:"note,omitempty"`
	NoteBy   string `json:"note_by,omitempty"`

	// Wins of the week, newest first (at most maxWins listed; WinCount is
	// all of them). WonValue is their value; CampaignValue the part from
	// campaign-sourced leads: marketing's contribution.
	Wins          []Win    `json:"wins"`
	WinCount      int      `json:"win_count"`
	WonValue      float64  `json:"won_value"`
	CampaignValue float64  `json:"campaign_value"`
	CampaignShare *float64 `json:"campaign_share"` // nil when nothing was won

	Revenue Revenue `json:"revenue"`
	KPIs    []KPI   `json:"kpis"`
	// PreviousArchived is true when each KPI's Previous is the value the
	// previous week's archived digest showed; false when that week was
	// never archived and Previous is recomputed from the data at AsOf.
	PreviousArchived bool `json:"previous_archived"`

	// Launches in the two weeks after the digest's week: [LaunchFrom, LaunchTo).
	Launches        []Launch  `json:"launches"`
	LaunchFrom      time.Time `json:"launch_from"`
	LaunchTo        time.Time `json:"launch_to"`
	ReadinessTarget *float64  `json:"readiness_target"`

	// SLA is the week's two-sided SLA; nil in digests archived before it.
	SLA *SLASides `json:"sla,omitempty"`

	Feedback []Acted `json:"feedback"`
	Trouble  []Sign  `json:"trouble"`
}

// SLASides is the two-sided SLA of the week as of the cut-off: one line
// per side.
type SLASides struct {
	MQLs       int      `json:"mqls"`
	Committed  *float64 `json:"committed"`
	Acceptance *float64 `json:"acceptance"`
	Quality    *float64 `json:"quality"`
	InSLA      int      `json:"in_sla"`
	Due        int      `json:"due"`
	Median     *float64 `json:"median_hours"`
	Breaches   int      `json:"breaches"`
	Escalated  int      `json:"escalations"`
	Business   bool     `json:"business_hours"`
}

// MarketingLine is marketing's side in one sentence.
func (s SLASides) MarketingLine() string {
	line := format.Count(s.MQLs, "MQL") + " delivered"
	if s.Committed != nil {
		line += " of " + FormatValue(kpi.Count, s.Committed) + " committed"
	} else {
		line += ", no commitment set"
	}
	return line + "; " + FormatValue(kpi.Percent, s.Acceptance) + " of the decided leads accepted; mean quality " +
		FormatValue(kpi.Score, s.Quality) + "."
}

// SalesLine is sales' side in one sentence.
func (s SLASides) SalesLine() string {
	line := fmt.Sprintf("%d of %d leads due touched within the SLA", s.InSLA, s.Due)
	if s.Due > 0 {
		line += " (" + format.Percent(float64(s.InSLA)/float64(s.Due)) + ")"
	}
	if s.Median != nil {
		unit := " h"
		if s.Business {
			unit = " business hours"
		}
		line += "; median first touch " + strconv.FormatFloat(*s.Median, 'f', 1, 64) + unit
	}
	return line + "; " + format.Int(s.Breaches) + " " + format.Plural(s.Breaches, "breach", "breaches") + "; " + format.Count(s.Escalated, "escalation") + " fired."
}

// Win is a deal won in the week.
type Win struct {
	LeadID     int64     `json:"lead_id"`
	Company    string    `json:"company"`
	Value      float64   `json:"value"`
	WonAt      time.Time `json:"won_at"`
	Rep        string    `json:"rep"`
	CampaignID int64     `json:"campaign_id,omitempty"` // 0: not campaign-sourced
	Campaign   string    `json:"campaign,omitempty"`
}

// Revenue is the quarter to date against the quarterly goal.
type Revenue struct {
	Quarter       string    `json:"quarter"` // Q4 2026
	Through       time.Time `json:"through"` // won value counted up to this moment
	Won           float64   `json:"won"`
	FromCampaigns float64   `json:"from_campaigns"`
	Goal          *float64  `json:"goal"`       // nil: no goal set
	Attainment    *float64  `json:"attainment"` // Won ÷ Goal, not capped
	Remaining     float64   `json:"remaining"`  // what is still missing, 0 once reached
	WeeksLeft     int       `json:"weeks_left"` // whole or part weeks until the quarter ends
	PaceNeeded    *float64  `json:"pace_needed"`
}

// CampaignShare is the part of the quarter's won value from
// campaign-sourced leads (nil when nothing was won).
func (r Revenue) CampaignShare() *float64 {
	if r.Won <= 0 {
		return nil
	}
	return ptr(r.FromCampaigns / r.Won)
}

// KPI is one row of the KPI table.
type KPI struct {
	Key      string   `json:"key"`
	Name     string   `json:"name"`
	Unit     kpi.Unit `json:"unit"`
	Value    *float64 `json:"value"`
	Previous *float64 `json:"previous"`
	Target   *float64 `json:"target"` // the full week's
	// Pace is, for MQLs and revenue in a digest cut before its week ended
	// (the live preview, a "send now" mid-week), the part of the target due
	// by the cut-off (kpi.Pace), which the status is judged against, as on
	// the KPI pages; nil once the week is over. Elapsed is the share of the
	// week gone by then.
	Pace    *float64 `json:"pace,omitempty"`
	Elapsed float64  `json:"elapsed,omitempty"`
	// Attainment is the shown value ÷ the shown pace or target, capped at 1
	// (kpi.Attainment).
	Attainment *float64 `json:"attainment"`
}

// Launch is a campaign launching soon, with its readiness when the digest
// was composed.
type Launch struct {
	CampaignID int64    `json:"campaign_id"`
	Name       string   `json:"name"`
	LaunchOn   string   `json:"launch_on"` // YYYY-MM-DD, business timezone
	Announced  bool     `json:"announced"`
	LateNotice bool     `json:"late_notice"`
	Acked      int      `json:"acked"`
	Eligible   int      `json:"eligible"`
	Readiness  *float64 `json:"readiness"` // nil before announcement or without anyone to ask
}

// Acted is a feedback item marketing acted on in the week.
type Acted struct {
	ID       int64     `json:"id" db:"id"`
	Customer string    `json:"customer" db:"customer"`
	Product  string    `json:"product" db:"product"`
	Theme    string    `json:"theme" db:"theme"`
	Reporter string    `json:"reporter" db:"reporter"`
	Response string    `json:"response" db:"response"`
	ActedAt  time.Time `json:"acted_at" db:"acted_at"`
}

// Sign is a trouble sign open when the digest was composed.
type Sign struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Link   string `json:"link"`
}

// Location is the business timezone the digest was composed in.
func (d Digest) Location() *time.Location {
	if loc, err := time.LoadLocation(d.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// Range writes the week's days: "Monday 16 – Sunday 22 November 2026".
func (d Digest) Range() string {
	loc := d.Location()
	from, last := d.From.In(loc), d.To.In(loc).AddDate(0, 0, -1)
	if from.Month() == last.Month() {
		return from.Format("Monday 2") + " – " + last.Format("Monday 2 January 2006")
	}
	if from.Year() == last.Year() {
		return from.Format("Monday 2 January") + " – " + last.Format("Monday 2 January 2006")
	}
	return from.Format("Monday 2 January 2006") + " – " + last.Format("Monday 2 January 2006")
}

// AsOfLine states the digest's cut-off: "Numbers as of the end of the
// week, Monday 23 November 2026 00:00 (Europe/Berlin)." or, for a digest
// composed before its week ended, "Numbers as of Wednesday 18 November
// 2026 12:00 (Europe/Berlin), before the week was over."
func (d Digest) AsOfLine() string {
	loc := d.Location()
	when := d.AsOf.In(loc).Format("Monday 2 January 2006 15:04") + " (" + d.Timezone + ")"
	if !d.AsOf.Before(d.To) {
		return "Numbers as of the end of the week, " + when + "."
	}
	return "Numbers as of " + when + ", before the week was over."
}

// PaceNote explains the pace statuses of a digest cut while its week ran;
// "" once the week is over.
func (d Digest) PaceNote() string {
	for _, k := range d.KPIs {
		if k.Pace != nil {
			return "The week was still running: MQLs delivered and revenue vs goal are judged on pace, " +
				"against the part of their target due by then, as on the KPI pages."
		}
	}
	return ""
}

// ComparedWith says what the "since last week" arrows compare with.
func (d Digest) ComparedWith() string {
	if d.PreviousArchived {
		return "last week's archived digest"
	}
	return "last week as recomputed from the data, since it was not archived"
}

// LaunchRange writes the launch window's days: "Mon 23 Nov to Sun 6 Dec".
func (d Digest) LaunchRange() string {
	loc := d.Location()
	return d.LaunchFrom.In(loc).Format("Mon 2 Jan") + " to " + d.LaunchTo.In(loc).AddDate(0, 0, -1).Format("Mon 2 Jan")
}

// Day writes a launch day: "Tue 24 Nov".
func (l Launch) Day() string {
	t, err := time.Parse("2006-01-02", l.LaunchOn)
	if err != nil {
		return l.LaunchOn
	}
	return t.Format("Mon 2 Jan")
}

// NobodyMeasured says why an announced launch has no readiness: nobody
// to measure, which is not "0 %" nor "everyone acknowledged".
func (l Launch) NobodyMeasured() string {
	return "nobody in sales or service was measured: no active members who had joined by then"
}

// ReadinessStatus grades a launch's readiness against the target, on the
// value as shown (kpi.Attainment), as the overview and the KPI pages do:
// a readiness printed "90 %" is on a 90 % target.
func (l Launch) ReadinessStatus(target *float64) Status {
	if !l.Announced {
		return Status{"behind", "▼", "not announced yet"}
	}
	return StatusOf(kpi.Attainment(kpi.Percent, l.Readiness, target))
}

// Status grades attainment in words and an icon, so colour is never the
// only signal. The same grading as the KPI pages.
type Status struct {
	Class string // met, close, behind, none
	Icon  string
	Text  string
}

// StatusOf grades an attainment: met at 100 % of target, close from 90 %.
func StatusOf(attainment *float64) Status {
	switch {
	case attainment == nil:
		return Status{"none", "–", "no data"}
	case *attainment >= 1:
		return Status{"met", "✓", "on target"}
	case *attainment >= 0.9:
		return Status{"close", "≈", "close to target"}
	}
	return Status{"behind", "▼", "behind target"}
}

// paceStatusOf grades an attainment of the part of a target due by now,
// in words of pace: "on target" would claim the full target was reached.
func paceStatusOf(attainment *float64) Status {
	switch {
	case attainment == nil:
		return Status{"none", "–", "no data"}
	case *attainment >= 1:
		return Status{"met", "✓", "on pace"}
	case *attainment >= 0.9:
		return Status{"close", "≈", "close to pace"}
	}
	return Status{"behind", "▼", "behind pace"}
}

// Status grades the KPI's value, as shown, against the part of its target
// due by the cut-off while the week ran, else against the full target: the
// rule of the KPI pages (kpi.Attainment). It is worked out from the value
// and the target rather than read from Attainment, so a digest archived
// before the pace was stored is judged on its full target, never said to
// be "on target" below it.
func (k KPI) Status() Status {
	if k.Pace != nil {
		return paceStatusOf(kpi.Attainment(k.Unit, k.Value, k.Pace))
	}
	return StatusOf(kpi.Attainment(k.Unit, k.Value, k.Target))
}

// DueByNow says what was due by the cut-off of a paced KPI in a week still
// running: "38 due by now, 27 % of the week gone"; "" otherwise.
func (k KPI) DueByNow() string {
	if k.Pace == nil {
		return ""
	}
	return FormatValue(k.Unit, k.Pace) + " due by now, " + format.Percent(k.Elapsed) + " of the week gone"
}

// Direction is how a KPI moved since the previous week, as an arrow and in
// words. Every shared KPI is better higher, so up is good news.
type Direction struct {
	Arrow string // ↑ ↓ → –
	Words string // "up from 60 %", "same as last week", "no data last week"
	Class string // up, down, same, none
}

// Direction compares the value with the previous week's. Values that read
// the same once formatted count as unchanged, so "33 % ↑ up from 33 %"
// never appears.
func (k KPI) Direction() Direction {
	if k.Value == nil || k.Previous == nil {
		if k.Previous == nil {
			return Direction{"–", "no data last week", "none"}
		}
		return Direction{"–", "was " + FormatValue(k.Unit, k.Previous) + " last week", "none"}
	}
	cur, prev := FormatValue(k.Unit, k.Value), FormatValue(k.Unit, k.Previous)
	switch {
	case cur == prev:
		return Direction{"→", "same as last week", "same"}
	case *k.Value > *k.Previous:
		return Direction{"↑", "up from " + prev, "up"}
	}
	return Direction{"↓", "down from " + prev, "down"}
}

// Money writes an amount of the digest in its currency: "USD 1,250,000".
func (d Digest) Money(v float64) string { return format.Currency(d.Currency, v) }

// FormatValue writes a value in its unit: "33 %", "3.5", "12", "69",
// "1,250,000"; nil is "no data". The value is rounded by kpi.Shown first,
// as on the KPI pages (web/pages/kpis.Format, which this package may not
// import), so both print the same number and the status is judged on it.
func FormatValue(unit kpi.Unit, v *float64) string {
	if v == nil {
		return "no data"
	}
	switch unit {
	case kpi.Percent:
		return format.Percent(*v)
	case kpi.Score:
		return strconv.FormatFloat(kpi.Shown(kpi.Score, *v), 'f', 1, 64)
	case kpi.Money:
		return format.Money(*v)
	}
	return strconv.FormatFloat(kpi.Shown(unit, *v), 'f', 0, 64)
}

func ptr(f float64) *float64 { return &f }
