package account

import (
	"strings"

	"tandem/internal/events"
	"tandem/internal/mail"
	"tandem/web/components"
)

// NotificationSettings is /account/notifications: one row per event kind,
// grouped by what the kinds are about.
type NotificationSettings struct {
	components.Page
	MailOn  bool
	Groups  []PrefGroup
	Choices []Choice
	Errors  map[string]string
}

// PrefGroup is one fieldset of the form.
type PrefGroup struct {
	ID, Legend string
	Rows       []PrefRow
}

// PrefRow is one kind: its radio group.
type PrefRow struct {
	Kind     string // the field name
	Label    string
	Selected string
	Default  string
}

// Choice is one column.
type Choice struct{ Value, Label string }

var groupLegends = []struct{ prefix, id, legend string }{
	{"lead", "leads", "Leads"},
	{"campaign", "campaigns", "Campaigns"},
	{"alert", "alerts", "Product alerts"},
	{"feedback", "feedback", "Feedback"},
	{"digest", "digest", "Weekly digest"},
}

// NotificationSettingsOf builds the page from the stored prefs; posted,
// when set, keeps the values of a refused form.
func NotificationSettingsOf(p components.Page, mailOn bool, prefs []mail.Pref, posted map[events.Kind]string) NotificationSettings {
	v := NotificationSettings{Page: p, MailOn: mailOn}
	for _, d := range mail.Deliveries {
		v.Choices = append(v.Choices, Choice{string(d), d.Label()})
	}
	for _, g := range groupLegends {
		pg := PrefGroup{ID: g.id, Legend: g.legend}
		for _, pr := range prefs {
			if prefix, _, _ := strings.Cut(string(pr.Kind), "."); prefix != g.prefix {
				continue
			}
			row := PrefRow{Kind: string(pr.Kind), Label: pr.Kind.Label(), Selected: string(pr.Delivery), Default: string(pr.Default)}
			if s, ok := posted[pr.Kind]; ok {
				row.Selected = s
			}
			pg.Rows = append(pg.Rows, row)
		}
		if len(pg.Rows) > 0 {
			v.Groups = append(v.Groups, pg)
		}
	}
	return v
}

// Unsubscribe is the confirm page of a mail's unsubscribe link.
type Unsubscribe struct {
	components.Page
	Action string // the signed link, posted to as is
	Email  string
	Label  string
	Done   bool
}
