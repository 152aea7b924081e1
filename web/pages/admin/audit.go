package admin

import (
	"strconv"
	"strings"

	"tandem/internal/kpi"
	"tandem/internal/settings"
	"tandem/internal/users"
	"tandem/web/components"
)

// AuditOf is one page of the audit log as it is shown: times in the
// viewer's timezone, "—" for changes without a person, setting changes in
// the settings page's words, and the link to the next (older) page.
func AuditOf(p components.Page, events []users.AuditEvent, more bool) Audit {
	v := Audit{Page: p}
	for _, e := range events {
		actor := e.ActorName
		if actor == "" {
			actor = "—"
		}
		target := e.TargetName
		if target == "" {
			target = e.TargetEmail
		}
		detail := e.Detail
		if e.Action == "setting.changed" {
			detail = settingChangeWords(detail)
		}
		v.Rows = append(v.Rows, AuditRow{At: p.DateTime(e.At), AtISO: components.ISO(e.At), Actor: actor,
			Action: e.Action, Target: target, IP: e.IP, Detail: detail})
	}
	if more && len(events) > 0 {
		v.NextURL = "/admin/audit?before=" + strconv.FormatInt(events[len(events)-1].ID, 10)
	}
	return v
}

// settingLabels name the settings as the settings page does.
var settingLabels = map[string]string{"sla_hours": "Follow-up SLA (hours)", "notice_days": "Notice lead time (days)",
	"digest_weekday": "Digest weekday (1 = Monday)", "digest_time": "Digest time"}

// settingChangeWords turns "weight_mql: 1 → 2" into "MQLs delivered
// weight: 1 → 2", as the settings page names it.
func settingChangeWords(detail string) string {
	key, change, ok := strings.Cut(detail, ": ")
	if !ok {
		return detail
	}
	if label, ok := settingLabels[key]; ok {
		return label + ": " + change
	}
	if def, ok := kpi.Lookup(kpi.Key(strings.TrimPrefix(key, settings.WeightPrefix))); ok && strings.HasPrefix(key, settings.WeightPrefix) {
		return def.Name + " weight: " + change
	}
	return detail
}
