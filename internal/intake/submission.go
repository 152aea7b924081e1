package intake

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"tandem/internal/leads"
)

// Via is how a submission arrived.
type Via string

// The two ways in.
const (
	ViaForm    Via = "form"
	ViaWebhook Via = "webhook"
)

// Outcome is what became of a submission.
type Outcome string

// Outcomes of a submission.
const (
	Created Outcome = "created"
	Merged  Outcome = "merged"
	Refused Outcome = "refused"
)

// UTM are the campaign parameters a submission carried.
type UTM struct {
	Source   string `db:"utm_source"`
	Medium   string `db:"utm_medium"`
	Campaign string `db:"utm_campaign"`
	Content  string `db:"utm_content"`
	Term     string `db:"utm_term"`
}

// maxUTM bounds each kept UTM value; longer ones are cut.
const maxUTM = 200

// Fields are a submission's posted fields: name to value.
type Fields map[string]string

// Submission is one logged submission.
type Submission struct {
	ID         int64     `db:"id"`
	SourceID   int64     `db:"source_id"`
	SourceName string    `db:"source_name"`
	At         time.Time `db:"at"`
	Via        Via       `db:"via"`
	Outcome    Outcome   `db:"outcome"`
	Reason     string    `db:"reason"`
	LeadID     *int64    `db:"lead_id"`
	Email      string    `db:"email"`
	Company    string    `db:"company"`
	CampaignID *int64    `db:"campaign_id"`
	Campaign   string    `db:"campaign"` // its name
	UTM
}

// Result is what a submission did.
type Result struct {
	Outcome Outcome
	LeadID  int64
	// Reason says why a submission was refused, for the submitter.
	Reason string
	// Problems are the refused fields: field name as posted to message.
	Problems map[string]string
}

// pick is the first non-empty value among the mapped field names.
func (f Fields) pick(mapping string) string {
	for _, n := range strings.Split(mapping, ",") {
		if v := strings.TrimSpace(f[strings.TrimSpace(n)]); n != "" && v != "" {
			return v
		}
	}
	return ""
}

// firstName is the first mapped field name, for messages.
func firstName(mapping string) string {
	n, _, _ := strings.Cut(mapping, ",")
	return strings.TrimSpace(n)
}

// lead maps the fields to a lead as the source says.
func (s Source) lead(f Fields) leads.NewLead {
	in := leads.NewLead{
		Company: f.pick(s.MapCompany), ContactName: f.pick(s.MapContactName), Email: f.pick(s.MapEmail),
		Phone: f.pick(s.MapPhone), Title: f.pick(s.MapTitle), Country: f.pick(s.MapCountry),
	}
	in.Normalize()
	return in
}

// problems are the lead's refusals keyed by the posted field names.
func (s Source) problems(in leads.NewLead) map[string]string {
	errs := in.Validate()
	if errs == nil {
		return nil
	}
	mapped := map[string]string{"company": s.MapCompany, "contact_name": s.MapContactName, "email": s.MapEmail,
		"phone": s.MapPhone, "title": s.MapTitle, "country": s.MapCountry}
	out := map[string]string{}
	for field, msg := range errs {
		name := firstName(mapped[field])
		if name == "" {
			name = field
		}
		out[name] = msg
	}
	return out
}

// reasonOf is the log's one-line reason for refused fields.
func reasonOf(problems map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(problems)) {
		parts = append(parts, fmt.Sprintf("%s: %s", k, problems[k]))
	}
	return strings.Join(parts, "; ")
}

func utmOf(f Fields) UTM {
	cut := func(s string) string {
		s = strings.TrimSpace(s)
		if r := []rune(s); len(r) > maxUTM {
			return string(r[:maxUTM])
		}
		return s
	}
	return UTM{Source: cut(f["utm_source"]), Medium: cut(f["utm_medium"]), Campaign: cut(f["utm_campaign"]),
		Content: cut(f["utm_content"]), Term: cut(f["utm_term"])}
}

// note is the timeline note of a submission: the source and the message.
func (s Source) note(f Fields, merged bool) string {
	n := "via intake source " + s.Name
	if merged {
		n = "submitted again via intake source " + s.Name
	}
	if msg := f.pick(s.MapNote); msg != "" {
		n += ": " + msg
	}
	if r := []rune(n); len(r) > leads.MaxNote {
		n = string(r[:leads.MaxNote])
	}
	return n
}

// ActorLabel names the system actor on the lead's timeline.
func (s Source) ActorLabel() string { return "Intake: " + s.Name }
