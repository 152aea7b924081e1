// Package intake holds the pages of lead intake sources: the list, the
// source form, a source's settings with its submission log and examples,
// the secret-rotation confirm step, and the plain pages a website form's
// visitor sees.
package intake

import (
	"fmt"
	"strconv"
	"strings"

	domain "tandem/internal/intake"
	"tandem/internal/leads"
	"tandem/web/components"
	leadpages "tandem/web/pages/leads"
)

// Path is a source's settings page.
func Path(id int64) string { return "/leads/intake/" + strconv.FormatInt(id, 10) }

// Row is one source in the list.
type Row struct {
	Name, Href, Endpoint, Stage, Campaign string
	Enabled                               bool
	Submissions                           int
}

// List is the list of sources.
type List struct {
	components.Page
	Rows      []Row
	CanManage bool
}

func stageLabel(s string) string { return leads.Stage(s).Label() }

// ListOf builds the list page.
func ListOf(p components.Page, sources []domain.Source, canManage bool) List {
	v := List{Page: p, CanManage: canManage}
	for _, s := range sources {
		v.Rows = append(v.Rows, Row{Name: s.Name, Href: Path(s.ID), Endpoint: s.Path(), Stage: stageLabel(s.LandingStage),
			Campaign: s.DefaultCampaign, Enabled: s.Enabled, Submissions: s.Submissions})
	}
	return v
}

// Form is the source form, for a new source (ID 0) or an edit.
type Form struct {
	components.Page
	ID              int64
	Version         int
	F               domain.Form
	Errors          map[string]string
	CampaignOptions []components.Option
	StageOptions    []components.Option
}

// FormFields are the form's fields top to bottom, the error summary's order.
var FormFields = []string{"name", "slug", "landing_stage", "default_campaign", "map_company", "map_contact_name",
	"map_email", "map_phone", "map_title", "map_country", "map_note", "thank_you_url", "rate_per_minute"}

// FormOf builds the source form.
func FormOf(p components.Page, id int64, version int, f domain.Form, errs map[string]string, choices []leads.CampaignChoice) Form {
	v := Form{Page: p, ID: id, Version: version, F: f, Errors: errs, CampaignOptions: leadpages.CampaignOptions(choices)}
	for _, st := range domain.Stages {
		v.StageOptions = append(v.StageOptions, components.Option{Value: string(st), Label: st.Label()})
	}
	return v
}

func (v Form) action() string {
	if v.ID == 0 {
		return "/leads/intake"
	}
	return Path(v.ID)
}

// Title is the form page's title.
func (v Form) Title() string {
	if v.ID == 0 {
		return "New intake source"
	}
	return "Edit intake source"
}

// LogLine is one logged submission.
type LogLine struct {
	At, AtISO, Via, Outcome, OutcomeClass, Reason string
	Email, Company, Campaign, UTM                 string
	LeadHref                                      string
}

// Detail is a source's page: settings, log and examples.
type Detail struct {
	components.Page
	Source    domain.Source
	Endpoint  string // absolute
	Stage     string
	Rotated   string
	Log       []LogLine
	PrevURL   string
	NextURL   string
	CanManage bool
	// ExampleForm and ExampleCurl are shown as code to copy.
	ExampleForm string
	ExampleCurl string
}

// DetailOf builds the source's page; base is the app's public address.
func DetailOf(p components.Page, s domain.Source, base string, log []domain.Submission, before int64, more, canManage bool) Detail {
	v := Detail{Page: p, Source: s, Endpoint: strings.TrimSuffix(base, "/") + s.Path(), Stage: stageLabel(s.LandingStage),
		Rotated: p.DateTime(s.SecretRotatedAt), CanManage: canManage}
	for _, x := range log {
		v.Log = append(v.Log, LogLineOf(p, x))
	}
	if more && len(log) > 0 {
		v.NextURL = Path(s.ID) + "?before=" + strconv.FormatInt(log[len(log)-1].ID, 10) + "#log"
	}
	if before != 0 {
		v.PrevURL = Path(s.ID) + "#log"
	}
	v.ExampleForm = exampleForm(s, v.Endpoint)
	v.ExampleCurl = exampleCurl(s, v.Endpoint)
	return v
}

// LogLineOf is one submission as the log (and the lead's page) shows it.
func LogLineOf(p components.Page, x domain.Submission) LogLine {
	l := LogLine{At: p.DateTime(x.At), AtISO: x.At.Format("2006-01-02T15:04:05Z07:00"), Via: string(x.Via),
		Outcome: string(x.Outcome), OutcomeClass: outcomeClass(x.Outcome), Reason: x.Reason,
		Email: x.Email, Company: x.Company, Campaign: x.Campaign}
	if x.LeadID != nil {
		l.LeadHref = leads.Link(*x.LeadID)
	}
	var utm []string
	for _, kv := range [][2]string{{"source", x.UTM.Source}, {"medium", x.UTM.Medium}, {"campaign", x.UTM.Campaign},
		{"content", x.UTM.Content}, {"term", x.UTM.Term}} {
		if kv[1] != "" {
			utm = append(utm, kv[0]+"="+kv[1])
		}
	}
	l.UTM = strings.Join(utm, ", ")
	return l
}

func first(mapping string) string {
	n, _, _ := strings.Cut(mapping, ",")
	return strings.TrimSpace(n)
}

func exampleForm(s domain.Source, endpoint string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<form method=\"post\" action=\"%s\">\n", endpoint)
	for _, f := range []struct{ label, mapping, typ string }{
		{"Company", s.MapCompany, "text"}, {"Your name", s.MapContactName, "text"}, {"Email", s.MapEmail, "email"},
		{"Phone", s.MapPhone, "tel"}, {"Job title", s.MapTitle, "text"}, {"Country", s.MapCountry, "text"},
	} {
		if n := first(f.mapping); n != "" {
			fmt.Fprintf(&b, "  <label>%s <input type=\"%s\" name=\"%s\"></label>\n", f.label, f.typ, n)
		}
	}
	if n := first(s.MapNote); n != "" {
		fmt.Fprintf(&b, "  <label>Message <textarea name=\"%s\"></textarea></label>\n", n)
	}
	b.WriteString("  <input type=\"hidden\" name=\"utm_campaign\" value=\"spring-webinar-2026\">\n")
	fmt.Fprintf(&b, "  <!-- leave empty: bots fill it, people do not see it -->\n")
	fmt.Fprintf(&b, "  <input type=\"text\" name=\"%s\" tabindex=\"-1\" autocomplete=\"off\" style=\"display:none\">\n", domain.Honeypot)
	b.WriteString("  <button type=\"submit\">Send</button>\n</form>")
	return b.String()
}

func exampleCurl(s domain.Source, endpoint string) string {
	email, company, name := first(s.MapEmail), first(s.MapCompany), first(s.MapContactName)
	return fmt.Sprintf(`SECRET='the secret shown when the source was created or its secret rotated'
BODY='{"%s":"ada@example.com","%s":"Analytical Engines Ltd","%s":"Ada Lovelace","utm_campaign":"spring-webinar-2026"}'
TS=$(date +%%s)
SIG=$(printf '%%s.%%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')
curl -sS -X POST '%s' \
  -H 'Content-Type: application/json' \
  -H "%s: $TS" \
  -H "%s: sha256=$SIG" \
  --data "$BODY"`, email, company, name, endpoint, domain.TimestampHeader, domain.SignatureHeader)
}

// Rotate is the confirm step of rotating a source's secret.
type Rotate struct {
	components.Page
	Confirm components.Confirm
}

// RotateOf builds the confirm step.
func RotateOf(p components.Page, s domain.Source) Rotate {
	return Rotate{Page: p, Confirm: components.Confirm{
		Heading:  "Rotate the secret of " + s.Name + "?",
		Question: "A new secret replaces the current one now. Webhooks signed with the current secret are refused (401) from then on.",
		Details: []string{"The new secret is shown once, on the next page: copy it into the marketing tool that posts to " + s.Path() + ".",
			"Website form posts are not signed and keep working."},
		Action: Path(s.ID) + "/rotate", Hidden: []components.Hidden{{Name: "version", Value: strconv.Itoa(s.Version)}},
		Button: "Rotate secret", Danger: true, Cancel: Path(s.ID),
	}}
}

func outcomeClass(o domain.Outcome) string {
	switch o {
	case domain.Created:
		return "tag tag-good"
	case domain.Merged:
		return "tag tag-info"
	}
	return "tag tag-bad"
}
