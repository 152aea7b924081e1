package feedback

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"tandem/internal/feedback"
	"tandem/internal/format"
	"tandem/internal/users"
	"tandem/web/components"
)

// ItemTitle is the item page's title.
func ItemTitle(it feedback.Item) string {
	return fmt.Sprintf("Feedback #%d · %s", it.ID, format.Excerpt(it.Customer, 60))
}

// ItemOf is the page of item it as me sees it at now: its +1s, history
// and merged duplicates, and the forms me may use (owners are the choices
// of the owner form, for triagers). The forms are empty; WithForm fills
// them with what was typed.
func ItemOf(p components.Page, it feedback.Item, heard []feedback.Heard, events []feedback.Event,
	merged []feedback.MergedItem, owners []feedback.Person, me users.User, now time.Time) Item {
	v := Item{
		Page: p, ID: it.ID, Version: it.Version, Customer: it.Customer, Product: it.Product, Theme: it.ThemeName,
		Sentiment: string(it.Sentiment), SentimentLabel: it.Sentiment.Label(),
		LinkLabel: it.ChainLink.Label(), LinkExplain: it.ChainLink.Explain(),
		Words: it.CustomerWords, Note: it.ReporterNote, LeadCompany: it.LeadCompany, CampaignName: it.CampaignName,
		Reporter: it.ReporterName, ReporterTeam: it.ReporterTeam.Label(),
		Logged: p.DateTime(it.CreatedAt), LoggedISO: components.ISO(it.CreatedAt),
		Status: string(it.Status), StatusLabel: it.Status.Label(), Overdue: it.Overdue(now),
		Due: p.DateTime(it.AckDueAt), DueISO: components.ISO(it.AckDueAt), Owner: it.OwnerName,
		HasResponse: it.RespondedAt != nil, HeardCount: it.Heard,
		IsReporter: it.ReporterID == me.ID, CanTriage: feedback.CanTriage(me),
		RatingChoices: ratingChoices(),
	}
	if it.LeadID != nil {
		v.LeadID = *it.LeadID
	}
	if it.CampaignID != nil {
		v.CampaignID = *it.CampaignID
	}
	if it.AcknowledgedAt != nil {
		v.Acknowledged, v.AcknowledgedISO = p.DateTime(*it.AcknowledgedAt), components.ISO(*it.AcknowledgedAt)
	}
	if it.Rating != nil {
		v.Rating = int(*it.Rating)
		v.RatedAt = p.DateTime(*it.RatedAt)
	}
	if it.OwnerID != nil {
		v.ownerID = *it.OwnerID
	}

	// The distinct customers who said it: this item's first, then the +1s'.
	seen := map[string]bool{}
	addCustomer := func(c string) {
		if key := strings.ToLower(strings.TrimSpace(c)); key != "" && !seen[key] {
			seen[key] = true
			v.Customers = append(v.Customers, c)
		}
	}
	addCustomer(it.Customer)
	for _, h := range heard {
		addCustomer(h.Customer)
		v.Heard = append(v.Heard, heardRowOf(p, h))
		if h.UserID == me.ID {
			v.HasHeard = true
		}
	}
	for _, e := range events {
		v.History = append(v.History, EventOf(p, e))
	}
	for _, m := range merged {
		v.Merged = append(v.Merged, MergedRow{ID: m.ID, Customer: m.Customer, Excerpt: format.Excerpt(m.CustomerWords, 240),
			Reporter: m.ReporterName, When: p.DateTime(m.MergedAt), WhenISO: components.ISO(m.MergedAt)})
	}
	if v.CanTriage {
		v.NextStatuses = nextStatuses(it.Status)
		v.Owners = []components.Option{{Value: "", Label: "No owner"}}
		for _, o := range owners {
			v.Owners = append(v.Owners, components.Option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name})
		}
	}
	return v
}

// WithForm is the page with the forms as typed and what is wrong with
// them; the rating and owner forms start from the item's own values.
func (v Item) WithForm(form ItemForm, errs map[string]string) Item {
	v.Form, v.Errors = form, errs
	if v.Rating != 0 && v.Form.Rating == "" {
		v.Form.Rating = strconv.Itoa(v.Rating)
	}
	if v.CanTriage && v.ownerID != 0 && v.Form.Owner == "" && errs["owner"] == "" {
		v.Form.Owner = strconv.FormatInt(v.ownerID, 10)
	}
	return v
}

func heardRowOf(p components.Page, h feedback.Heard) HeardRow {
	row := HeardRow{Name: h.UserName, Team: h.UserTeam.Label(), Customer: h.Customer, Note: h.Note,
		When: p.DateTime(h.CreatedAt), WhenISO: components.ISO(h.CreatedAt)}
	if h.MergedFrom != nil {
		row.MergedFrom = *h.MergedFrom
	}
	return row
}

// ratingChoices are the five ratings, the ends and middle explained.
func ratingChoices() []Choice {
	var out []Choice
	for i := 1; i <= 5; i++ {
		label := strconv.Itoa(i)
		switch i {
		case 1:
			label += " — not useful"
		case 3:
			label += " — somewhat useful"
		case 5:
			label += " — very useful"
		}
		out = append(out, Choice{Value: strconv.Itoa(i), Label: label})
	}
	return out
}

// nextStatuses are the moves an item in status may make, as choices.
func nextStatuses(status feedback.Status) []components.Option {
	next := status.Next()
	if len(next) == 0 {
		return nil
	}
	out := []components.Option{{Value: "", Label: "Choose the new status…"}}
	for _, st := range next {
		label := st.Label()
		if status == feedback.Declined && st == feedback.Acknowledged {
			label = "Acknowledged (reopen)"
		}
		out = append(out, components.Option{Value: string(st), Label: label})
	}
	return out
}

// EventOf says what one event did, in words.
func EventOf(p components.Page, e feedback.Event) Event {
	out := Event{When: p.DateTime(e.At), WhenISO: components.ISO(e.At), Response: e.Response}
	who := e.ActorName
	if who == "" {
		who = "Someone"
	}
	switch e.Kind {
	case feedback.EventCreated:
		out.Text = who + " logged it."
	case feedback.EventStatus:
		from, to := "", ""
		if e.FromStatus != nil {
			from = e.FromStatus.Label()
		}
		if e.ToStatus != nil {
			to = e.ToStatus.Label()
			out.Status = string(*e.ToStatus)
		}
		out.Text = fmt.Sprintf("%s moved it from %s to %s and responded:", who, from, to)
	case feedback.EventOwner:
		switch e.OwnerName {
		case "":
			out.Text = who + " removed the owner."
		case e.ActorName:
			out.Text = who + " took ownership."
		default:
			out.Text = fmt.Sprintf("%s made %s the owner.", who, e.OwnerName)
		}
	case feedback.EventRating:
		if e.Rating != nil {
			out.Text = fmt.Sprintf("%s rated the response %d of 5.", who, *e.Rating)
		}
	case feedback.EventMergedInto:
		if e.OtherItemID != nil {
			out.Text = fmt.Sprintf("%s merged it into #%d.", who, *e.OtherItemID)
		}
	case feedback.EventMergedFrom:
		if e.OtherItemID != nil {
			out.Text = fmt.Sprintf("%s merged the duplicate #%d into it.", who, *e.OtherItemID)
		}
	}
	return out
}
