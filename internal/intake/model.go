// Package intake owns lead intake: sources that website forms and
// marketing tools post leads to (POST /intake/{slug}), the mapping of their
// fields, the signature of their webhooks, their rate limit, and the log of
// every submission with its outcome.
package intake

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"tandem/internal/format"
	"tandem/internal/leads"
	"tandem/internal/validate"
)

// FieldErrors is the shared field-to-message map of refused input.
type FieldErrors = validate.FieldErrors

// Source is one intake source.
type Source struct {
	ID                int64     `db:"id"`
	Name              string    `db:"name"`
	Slug              string    `db:"slug"`
	DefaultCampaignID *int64    `db:"default_campaign_id"`
	DefaultCampaign   string    `db:"default_campaign"` // its name
	LandingStage      string    `db:"landing_stage"`    // new or mql
	MapCompany        string    `db:"map_company"`
	MapContactName    string    `db:"map_contact_name"`
	MapEmail          string    `db:"map_email"`
	MapPhone          string    `db:"map_phone"`
	MapTitle          string    `db:"map_title"`
	MapCountry        string    `db:"map_country"`
	MapNote           string    `db:"map_note"`
	AllowForms        bool      `db:"allow_forms"`
	ThankYouURL       string    `db:"thank_you_url"`
	Secret            string    `db:"secret"`
	Enabled           bool      `db:"enabled"`
	RatePerMinute     int       `db:"rate_per_minute"`
	CreatedAt         time.Time `db:"created_at"`
	SecretRotatedAt   time.Time `db:"secret_rotated_at"`
	UpdatedAt         time.Time `db:"updated_at"`
	Version           int       `db:"version"`
	Submissions       int       `db:"submissions"` // all logged, for the list
}

// Path is the source's public endpoint.
func (s Source) Path() string { return "/intake/" + s.Slug }

// Limits of the source form, in characters.
const (
	MaxName        = 200
	MaxSlug        = 63
	MaxMapping     = 200
	MaxThankYouURL = 2000
	maxRate        = 10000
	// DefaultRate is a new source's submissions per minute.
	DefaultRate = 60
	// MaxBody bounds a submission's body, form or JSON.
	MaxBody = 64 << 10
	// LogPage is how many submissions the source's page lists at a time.
	LogPage = 50
	// Honeypot is the optional hidden field of a website form that people
	// leave empty and form-filling bots do not: a filled one is answered
	// like a success and logged as refused.
	Honeypot = "tandem_hp"
	// SignatureHeader carries "sha256=<hex>" of HMAC-SHA256 with the
	// source's secret over the raw body, or over "<timestamp>.<body>" when
	// TimestampHeader is sent.
	SignatureHeader = "X-Tandem-Signature"
	// TimestampHeader is optional: Unix seconds; when sent it is signed
	// with the body and must be within MaxSkew of the server's clock, so a
	// captured request cannot be replayed later.
	TimestampHeader = "X-Tandem-Timestamp"
	MaxSkew         = 5 * time.Minute
)

// Stages a source may land leads in.
var Stages = []leads.Stage{leads.New, leads.MQL}

// Form is the source form as typed, so a refused form comes back filled.
type Form struct {
	Name, Slug, DefaultCampaignID, LandingStage              string
	MapCompany, MapContactName, MapEmail, MapPhone, MapTitle string
	MapCountry, MapNote, ThankYouURL, RatePerMinute          string
	AllowForms, Enabled                                      bool
}

// DefaultForm is a new source's form: the field names common form builders
// use.
func DefaultForm() Form {
	return Form{LandingStage: string(leads.New), MapCompany: "company", MapContactName: "name, contact_name",
		MapEmail: "email", MapPhone: "phone", MapTitle: "title", MapCountry: "country", MapNote: "message",
		RatePerMinute: strconv.Itoa(DefaultRate), AllowForms: true, Enabled: true}
}

// FormOf fills the form with a stored source, for editing.
func FormOf(s Source) Form {
	f := Form{Name: s.Name, Slug: s.Slug, LandingStage: s.LandingStage, MapCompany: s.MapCompany,
		MapContactName: s.MapContactName, MapEmail: s.MapEmail, MapPhone: s.MapPhone, MapTitle: s.MapTitle,
		MapCountry: s.MapCountry, MapNote: s.MapNote, ThankYouURL: s.ThankYouURL,
		RatePerMinute: strconv.Itoa(s.RatePerMinute), AllowForms: s.AllowForms, Enabled: s.Enabled}
	if s.DefaultCampaignID != nil {
		f.DefaultCampaignID = strconv.FormatInt(*s.DefaultCampaignID, 10)
	}
	return f
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
var fieldNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.\-\[\]]+$`)

// settings are a parsed form.
type settings struct {
	Source
	campaignID int64
}

// parse validates the form field by field.
func (f Form) parse() (settings, FieldErrors) {
	errs := FieldErrors{}
	s := settings{Source: Source{
		Name: strings.TrimSpace(f.Name), Slug: strings.ToLower(strings.TrimSpace(f.Slug)),
		LandingStage: f.LandingStage, ThankYouURL: strings.TrimSpace(f.ThankYouURL),
		AllowForms: f.AllowForms, Enabled: f.Enabled,
	}}
	switch n := utf8.RuneCountInString(s.Name); {
	case n == 0:
		errs["name"] = "Enter the source's name, like \"Website contact form\"."
	case n > MaxName:
		errs["name"] = "Keep the name under " + format.Int(MaxName) + " characters."
	}
	switch {
	case utf8.RuneCountInString(s.Slug) > MaxSlug:
		errs["slug"] = "Keep the slug under " + format.Int(MaxSlug) + " characters."
	case !slugPattern.MatchString(s.Slug):
		errs["slug"] = "Enter the slug of the source's address: lowercase letters, digits and '-', like website-contact."
	}
	if s.LandingStage != string(leads.New) && s.LandingStage != string(leads.MQL) {
		errs["landing_stage"] = "Choose whether leads land as new or as MQL."
	}
	if f.DefaultCampaignID != "" {
		id, err := strconv.ParseInt(f.DefaultCampaignID, 10, 64)
		if err != nil || id <= 0 {
			errs["default_campaign"] = "Choose a campaign from the list."
		}
		s.campaignID = id
	}
	for _, m := range []struct {
		field string
		typed string
		into  *string
	}{
		{"map_company", f.MapCompany, &s.MapCompany}, {"map_contact_name", f.MapContactName, &s.MapContactName},
		{"map_email", f.MapEmail, &s.MapEmail}, {"map_phone", f.MapPhone, &s.MapPhone},
		{"map_title", f.MapTitle, &s.MapTitle}, {"map_country", f.MapCountry, &s.MapCountry},
		{"map_note", f.MapNote, &s.MapNote},
	} {
		names, msg := parseMapping(m.typed)
		if msg != "" {
			errs[m.field] = msg
		}
		*m.into = strings.Join(names, ", ")
	}
	if s.MapEmail == "" && errs["map_email"] == "" {
		errs["map_email"] = "Name the field that holds the email: leads are matched by it."
	}
	if msg := checkThankYou(s.ThankYouURL); msg != "" {
		errs["thank_you_url"] = msg
	}
	n, msg := validate.Number(strings.TrimSpace(f.RatePerMinute), 1, maxRate)
	if msg != "" || n != float64(int(n)) {
		errs["rate_per_minute"] = "Enter a whole number of submissions per minute from 1 to " + format.Int(maxRate) + "."
	}
	s.RatePerMinute = int(n)
	if len(errs) > 0 {
		return s, errs
	}
	return s, nil
}

// parseMapping reads "name, contact_name" into field names.
func parseMapping(typed string) ([]string, string) {
	if utf8.RuneCountInString(typed) > MaxMapping {
		return nil, "Keep the field names under " + format.Int(MaxMapping) + " characters."
	}
	var names []string
	for _, n := range strings.Split(typed, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !fieldNamePattern.MatchString(n) {
			return nil, "Field names are letters, digits, '_', '-', '.' and brackets, separated by commas."
		}
		names = append(names, n)
	}
	return names, ""
}

// checkThankYou refuses a thank-you address that is not absolute http(s).
func checkThankYou(u string) string {
	if u == "" {
		return ""
	}
	if utf8.RuneCountInString(u) > MaxThankYouURL {
		return "Keep the address under " + format.Int(MaxThankYouURL) + " characters."
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return "Enter the full address of the thank-you page, starting with https://."
	}
	return ""
}

// NewSecret is a fresh random signing secret: 32 bytes, hex.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return "whsec_" + hex.EncodeToString(b)
}

// Sign is the signature header's value for body (and timestamp, when not
// empty) with secret.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	if timestamp != "" {
		m.Write([]byte(timestamp + "."))
	}
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a webhook's signature header (and the timestamp header,
// when sent) in constant time. reason is empty when it is good.
func (s Source) Verify(signature, timestamp string, body []byte, now time.Time) (reason string) {
	if signature == "" {
		return "missing " + SignatureHeader + " header"
	}
	if timestamp != "" {
		ts, err := strconv.ParseInt(timestamp, 10, 64)
		if err != nil {
			return "malformed " + TimestampHeader + " header"
		}
		if d := now.Sub(time.Unix(ts, 0)); d > MaxSkew || d < -MaxSkew {
			return fmt.Sprintf("%s more than %d minutes off", TimestampHeader, int(MaxSkew.Minutes()))
		}
	}
	if !hmac.Equal([]byte(Sign(s.Secret, timestamp, body)), []byte(signature)) {
		return "bad signature"
	}
	return ""
}
