package alerts

import (
	"strconv"
	"time"

	"tandem/internal/campaigns"
	"tandem/internal/format"
	"tandem/web/components"
)

// ItemOf is an alert as the list and its page show it on the calendar day
// today.
func ItemOf(a campaigns.Alert, p components.Page, today time.Time) Item {
	it := Item{
		ID: a.ID, Headline: a.Headline, Product: a.Product, Severity: string(a.Severity), SeverityLabel: a.Severity.Label(),
		PostedBy: a.PostedByName, PostedAt: p.DateTime(a.PostedAt), PostedAtISO: components.ISO(a.PostedAt),
		Expired: !a.Active(today), Acked: !a.AckedAt.IsZero(), Until: "until further notice",
	}
	if !a.UntilOn.IsZero() {
		it.Until = "until " + a.UntilOn.Format("Mon 2 Jan 2006")
	}
	return it
}

// ListOf is the alert list: what the viewer has yet to acknowledge first,
// then a page of alerts (before is the cursor it was asked with, 0 for the
// first page; more says whether older ones follow).
func ListOf(p components.Page, pending, list []campaigns.Alert, today time.Time, before int64, more, canPost bool) List {
	v := List{Page: p, CanPost: canPost}
	for _, a := range pending {
		v.Pending = append(v.Pending, ItemOf(a, p, today))
	}
	for _, a := range list {
		v.Rows = append(v.Rows, ItemOf(a, p, today))
	}
	if more && len(list) > 0 {
		v.NextURL = "/alerts?before=" + strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	if before != 0 {
		v.PrevURL = "/alerts"
	}
	return v
}

// DetailOf is one alert's page, with its reach per team.
func DetailOf(p components.Page, a campaigns.Alert, reach []campaigns.AlertReach, today time.Time, isManager bool) Detail {
	v := Detail{
		Page: p, Item: ItemOf(a, p, today), PostedByTeam: a.PostedByTeam.Label(),
		WhatHappened: campaigns.RenderMarkdown(a.WhatHappened), Guidance: campaigns.RenderMarkdown(a.Guidance),
		IsManager: isManager,
	}
	if !a.AckedAt.IsZero() {
		v.AckedAt = p.DateTime(a.AckedAt)
	}
	for _, t := range reach {
		v.Reach = append(v.Reach, Reach{Team: t.Team.Label(),
			Figure:  strconv.Itoa(t.Acked) + " of " + strconv.Itoa(t.People) + " (" + format.PercentOf(t.Acked, t.People) + ")",
			Missing: t.Missing})
	}
	return v
}
