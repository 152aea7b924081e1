// Package campaigns owns campaign notices and product alerts: what marketing
// launches and when, the notice sales and service get before launch, their
// acknowledgements (readiness), questions on a notice, the leads a campaign
// sourced and what became of them, and product alerts from service.
package campaigns

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"tandem/internal/enum"
	"tandem/internal/format"
	"tandem/internal/refusal"
	"tandem/internal/users"
	"tandem/internal/validate"
)

// Channel is how a campaign reaches its audience.
type Channel string

const (
	Email      Channel = "email"
	Webinar    Channel = "webinar"
	Event      Channel = "event"
	PaidSearch Channel = "paid_search"
	PaidSocial Channel = "paid_social"
	Content    Channel = "content"
	Partner    Channel = "partner"
	DirectMail Channel = "direct_mail"
	Other      Channel = "other"
)

// Channels lists the channels in display order.
var Channels = []Channel{Email, Webinar, Event, PaidSearch, PaidSocial, Content, Partner, DirectMail, Other}

var channelLabels = enum.Labels[Channel]{
	Email: "Email", Webinar: "Webinar", Event: "Event", PaidSearch: "Paid search", PaidSocial: "Paid social",
	Content: "Content", Partner: "Partner", DirectMail: "Direct mail", Other: "Other",
}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return enum.Valid(Channels, c) }

// Label is the channel's display name.
func (c Channel) Label() string { return channelLabels.Of(c) }

// Status is where a campaign is in its life. Only draft and announced are
// stored; live and ended follow from the dates (see Campaign.Status).
type Status string

const (
	Draft     Status = "draft"
	Announced Status = "announced"
	Live      Status = "live"
	Ended     Status = "ended"
)

var statusLabels = enum.Labels[Status]{
	Draft: "Draft", Announced: "Announced", Live: "Live", Ended: "Ended",
}

// Label is the status as shown.
func (s Status) Label() string { return statusLabels.Of(s) }

// Details are the fields a marketer edits.
type Details struct {
	Name     string
	Channel  Channel
	Audience string
	Offer    string
	// Key is what utm_campaign values of lead intake match (lowercase,
	// unique, optional; see KeyOf).
	Key           string
	TalkingPoints string // Markdown
	// LaunchOn and EndOn are calendar days (midnight UTC, no timezone).
	LaunchOn      time.Time
	EndOn         time.Time
	ExpectedLeads int
	BudgetCents   int64
	OwnerID       int64
}

// Campaign is a stored campaign with its notice state.
type Campaign struct {
	ID int64
	Details
	OwnerName   string
	Announced   bool
	AnnouncedAt time.Time // zero for drafts
	// NoticeLead is launch (00:00 business time) minus the announce time.
	NoticeLead time.Duration
	// NoticeDays is the setting in force when the notice went out.
	NoticeDays int
	LateNotice bool
	LateReason string
	// Revision of the talking points: 1 when announced, +1 per later edit.
	Revision  int
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int
}

// Status is the campaign's status on the calendar day today (in the
// business timezone): a draft stays a draft whatever the dates; an
// announced campaign is live from its launch day through its end day and
// ended after it.
func (c Campaign) Status(today time.Time) Status {
	switch {
	case !c.Announced:
		return Draft
	case today.After(c.EndOn):
		return Ended
	case !today.Before(c.LaunchOn):
		return Live
	}
	return Announced
}

// Running reports whether the campaign runs on day (launch through end).
func (c Campaign) Running(day time.Time) bool {
	return !day.Before(c.LaunchOn) && !day.After(c.EndOn)
}

// FieldErrors is the shared field-to-message map of refused input.
type FieldErrors = validate.FieldErrors

// Refusals callers branch on, with the text the user reads.
var (
	ErrNotAnnounced = refusal.Invalidf("This campaign is still a draft: there is no notice to acknowledge yet.")
	// ErrAlreadyAnnounced is a race: someone announced while the page was open.
	ErrAlreadyAnnounced = refusal.Conflicts("Someone announced this campaign while you were looking at it. " +
		"Reload the page to see its notice.")
	ErrEnded = refusal.Invalidf("This campaign has ended; there is nothing left to announce. " +
		"Change its dates first if it runs again.")
	// ErrNotAudience refuses an acknowledgement from outside sales and
	// service (admins pass the route's check, being admins).
	ErrNotAudience = refusal.Forbid("Campaign notices are acknowledged by the sales and service teams, " +
		"and readiness is measured on them. There is nothing for you to acknowledge here.")
	ErrBadParent = refusal.Invalidf("You can reply only to a question on this campaign.")
)

// Acknowledges reports whether u is in the audience of campaign notices:
// sales and service, whatever their role. Readiness is measured on them.
func Acknowledges(u users.User) bool { return u.InField() }

// Form is a campaign form as typed, so a refused form comes back filled.
type Form struct {
	Name          string
	Channel       string
	Audience      string
	Offer         string
	Key           string
	TalkingPoints string
	LaunchOn      string // YYYY-MM-DD
	EndOn         string
	ExpectedLeads string
	Budget        string
	OwnerID       string
	LateReason    string // only when an edit makes an announced campaign late
}

// Limits on what the campaign forms accept. The text limits are in
// characters and rendered as maxlength, so the browser stops typing where
// the server would refuse; Go counts runes, the browser UTF-16 units,
// which differ only for characters such as some emoji: close enough.
const (
	MaxName          = 200
	MaxAudience      = 500
	MaxOffer         = 500
	MaxKey           = 100
	MaxTalkingPoints = 20000
	MaxReason        = 2000 // a late-notice reason
	MaxBudget        = 24   // characters of the typed amount, "999,999,999,999.99" and spaces
	maxExpectedLeads = 1000000
	maxBudgetCents   = 999_999_999_999_99
	dateLayout       = "2006-01-02"
)

// Parse validates the form field by field.
func (f Form) Parse() (Details, FieldErrors) {
	errs := FieldErrors{}
	d := Details{
		Name:          strings.TrimSpace(f.Name),
		Channel:       Channel(f.Channel),
		Audience:      strings.TrimSpace(f.Audience),
		Offer:         strings.TrimSpace(f.Offer),
		Key:           KeyOf(f.Key),
		TalkingPoints: strings.TrimSpace(strings.ReplaceAll(f.TalkingPoints, "\r\n", "\n")),
	}
	switch n := utf8.RuneCountInString(d.Name); {
	case n == 0:
		errs["name"] = "Enter the campaign's name."
	case n > MaxName:
		errs["name"] = "Keep the name under " + format.Int(MaxName) + " characters."
	}
	if !d.Channel.Valid() {
		errs["channel"] = "Choose a channel."
	}
	if utf8.RuneCountInString(d.Audience) > MaxAudience {
		errs["audience"] = "Keep the audience under " + format.Int(MaxAudience) + " characters."
	}
	if utf8.RuneCountInString(d.Offer) > MaxOffer {
		errs["offer"] = "Keep the offer under " + format.Int(MaxOffer) + " characters."
	}
	if msg := checkKey(d.Key); msg != "" {
		errs["key"] = msg
	}
	if utf8.RuneCountInString(d.TalkingPoints) > MaxTalkingPoints {
		errs["talking_points"] = "Keep the talking points under " + format.Int(MaxTalkingPoints) + " characters."
	}
	var launchMsg, endMsg string
	d.LaunchOn, launchMsg = parseDate(f.LaunchOn, "Enter the launch date as a date, e.g. 2026-03-02.")
	if launchMsg != "" {
		errs["launch_on"] = launchMsg
	}
	d.EndOn, endMsg = parseDate(f.EndOn, "Enter the end date as a date, e.g. 2026-03-31.")
	switch {
	case endMsg != "":
		errs["end_on"] = endMsg
	case launchMsg == "" && d.EndOn.Before(d.LaunchOn):
		errs["end_on"] = "The end date must be on or after the launch date."
	}
	if s := strings.TrimSpace(f.ExpectedLeads); s == "" {
		d.ExpectedLeads = 0
	} else if n, msg := validate.Number(s, 0, maxExpectedLeads); msg != "" || n != math.Trunc(n) {
		// "1,000" is read as the budget field reads it: a thousands separator.
		errs["expected_leads"] = "Enter a whole number of leads from 0 to 1,000,000."
	} else {
		d.ExpectedLeads = int(n)
	}
	if utf8.RuneCountInString(f.Budget) > MaxBudget {
		errs["budget"] = "Keep the budget under " + format.Int(MaxBudget) + " characters, e.g. 12500 or 12500.50."
	} else if cents, ok := ParseMoney(f.Budget); !ok {
		errs["budget"] = "Enter the budget as an amount, e.g. 12500 or 12500.50."
	} else {
		d.BudgetCents = cents
	}
	if id, err := strconv.ParseInt(f.OwnerID, 10, 64); err != nil || id <= 0 {
		errs["owner_id"] = "Choose the campaign's owner."
	} else {
		d.OwnerID = id
	}
	if len(errs) > 0 {
		return d, errs
	}
	return d, nil
}

// FormOf fills a form with a stored campaign, for editing.
func FormOf(c Campaign) Form {
	return Form{
		Name: c.Name, Channel: string(c.Channel), Audience: c.Audience, Offer: c.Offer, Key: c.Key,
		TalkingPoints: c.TalkingPoints, LaunchOn: c.LaunchOn.Format(dateLayout), EndOn: c.EndOn.Format(dateLayout),
		ExpectedLeads: strconv.Itoa(c.ExpectedLeads), Budget: FormatMoneyPlain(c.BudgetCents),
		OwnerID: strconv.FormatInt(c.OwnerID, 10), LateReason: c.LateReason,
	}
}

// parseDate reads a YYYY-MM-DD calendar day. When it is not one, msg is
// the range refusal for a well-formed day outside it, or notADay.
func parseDate(s, notADay string) (day time.Time, msg string) {
	d, msg, ok := validate.Day(s, time.UTC)
	switch {
	case ok:
		return d, ""
	case msg != "":
		return time.Time{}, msg
	}
	return time.Time{}, notADay
}

// ParseMoney reads an amount such as "12500", "12,500" or "12500.5" into
// cents. Commas and spaces are taken as thousands separators; a point
// starts at most two decimals. Empty is zero.
func ParseMoney(s string) (int64, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "").Replace(strings.TrimSpace(s))
	if strings.Contains(s, ",") && !validate.ThousandsGrouped(s) {
		return 0, false // a decimal comma (12.500,50) or stray ones (1,2,3), not guessed at
	}
	s = strings.ReplaceAll(s, ",", "")
	if s == "" {
		return 0, true
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || hasFrac && (frac == "" || len(frac) > 2) {
		return 0, false
	}
	for _, part := range []string{whole, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return 0, false
			}
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if hasFrac {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	cents := w*100 + f
	return cents, cents <= maxBudgetCents
}

// FormatMoneyPlain writes cents for a form field: "12500" or "12500.50".
func FormatMoneyPlain(cents int64) string {
	if cents%100 == 0 {
		return strconv.FormatInt(cents/100, 10)
	}
	return strconv.FormatInt(cents/100, 10) + "." + twoDigits(cents%100)
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// CheckReason validates a late-notice reason.
func CheckReason(reason string) string {
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return "Say why the notice is late: the sales and service teams will read it."
	case n > MaxReason:
		return "Keep the reason under " + format.Int(MaxReason) + " characters."
	}
	return ""
}

// KeyOf normalizes a campaign key or a utm_campaign value for matching:
// trimmed and lowercased, so "Spring-Webinar" matches "spring-webinar".
func KeyOf(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// checkKey refuses a key that is not a slug: letters, digits, '-', '_' and
// '.', as marketing tools write utm_campaign values.
func checkKey(k string) string {
	if utf8.RuneCountInString(k) > MaxKey {
		return "Keep the key under " + format.Int(MaxKey) + " characters."
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return "Use only letters, digits, '-', '_' and '.' in the key, like spring-webinar-2026."
		}
	}
	return ""
}

// keyArg is the key column's value: NULL for none, so many campaigns may
// have no key under the unique index.
func keyArg(k string) *string {
	if k == "" {
		return nil
	}
	return &k
}

// keyTaken is the refusal for a key another campaign has.
var keyTaken = FieldErrors{"key": "Another campaign uses this key already; keys must be unique."}
