package feedback

import (
	"strconv"
	"time"

	"tandem/internal/feedback"
	"tandem/internal/format"
	"tandem/internal/users"
	"tandem/web/components"
)

// Excerpt lengths of a card's customer words.
const (
	ListExcerpt  = 160
	BoardExcerpt = 90
)

// CardOf is item it as the list and the board show it at now, its words
// cut to about excerptLen characters.
func CardOf(p components.Page, it feedback.Item, now time.Time, excerptLen int) Card {
	c := Card{
		ID: it.ID, Customer: it.Customer, Excerpt: format.Excerpt(it.CustomerWords, excerptLen), Theme: it.ThemeName,
		Product: it.Product, Link: it.ChainLink.Label(), Sentiment: string(it.Sentiment),
		SentimentLabel: it.Sentiment.Label(), Status: string(it.Status), StatusLabel: it.Status.Label(),
		Overdue: it.Overdue(now), Heard: it.Heard, Customers: it.Customers, Reporter: it.ReporterName,
		Team: it.ReporterTeam.Label(), Owner: it.OwnerName, Logged: p.Date(it.CreatedAt),
		LoggedISO: components.ISO(it.CreatedAt),
	}
	if it.AcknowledgedAt == nil {
		c.Due, c.DueISO = p.DateTime(it.AckDueAt), components.ISO(it.AckDueAt)
	}
	if it.Rating != nil {
		c.Rating = int(*it.Rating)
	}
	return c
}

// WithViewer is the card with what the viewer may do: +1 unless they
// reported it or already did (heardByMe).
func (c Card) WithViewer(reporter bool, heardByMe bool) Card {
	c.CanHear, c.HeardByMe = !reporter && !heardByMe, heardByMe
	return c
}

// FiltersOf is the filter form's values as typed.
func FiltersOf(in feedback.FilterInput) Filters {
	in.Page = 0
	return in
}

// FilterOptionsOf are the filter form's choices: every theme (retired ones
// marked), the products logged, and the orders (best match only with a
// search).
func FilterOptionsOf(themes []feedback.Theme, products []string, withQuery bool) FilterOptions {
	o := FilterOptions{
		Status:    []components.Option{{Value: "", Label: "Any status"}, {Value: feedback.StatusOpen, Label: "Open (not acted on or declined)"}},
		Theme:     []components.Option{{Value: "", Label: "Any theme"}},
		Link:      []components.Option{{Value: "", Label: "Any link"}},
		Sentiment: []components.Option{{Value: "", Label: "Any sentiment"}},
		Product:   []components.Option{{Value: "", Label: "Any product"}},
		Team:      []components.Option{{Value: "", Label: "Any team"}},
	}
	for _, st := range feedback.Statuses {
		o.Status = append(o.Status, components.Option{Value: string(st), Label: st.Label()})
	}
	for _, t := range themes {
		label := t.Name
		if !t.Active {
			label += " (retired)"
		}
		o.Theme = append(o.Theme, components.Option{Value: strconv.FormatInt(t.ID, 10), Label: label})
	}
	for _, l := range feedback.ChainLinks {
		o.Link = append(o.Link, components.Option{Value: string(l), Label: l.Label() + " — " + l.Explain()})
	}
	for _, se := range feedback.Sentiments {
		o.Sentiment = append(o.Sentiment, components.Option{Value: string(se), Label: se.Label()})
	}
	for _, p := range products {
		o.Product = append(o.Product, components.Option{Value: p, Label: p})
	}
	for _, t := range users.Teams {
		o.Team = append(o.Team, components.Option{Value: string(t), Label: t.Label()})
	}
	for _, so := range feedback.Sorts {
		if so != feedback.SortRelevance || withQuery {
			o.Sort = append(o.Sort, components.Option{Value: string(so), Label: so.Label()})
		}
	}
	return o
}

// ColumnOf is one status column of the board at now; allURL lists every
// item of the column.
func ColumnOf(p components.Page, col feedback.BoardColumn, now time.Time, allURL string) Column {
	c := Column{Status: string(col.Status), Label: col.Status.Label(), Total: col.Total,
		Ordered: "Waiting longest first", AllURL: allURL}
	if !col.Status.Open() {
		c.Ordered = "Most recent first"
	}
	for _, it := range col.Items {
		c.Cards = append(c.Cards, CardOf(p, it, now, BoardExcerpt))
	}
	return c
}

// NewOf is the log form filled with in, offering the active themes and
// the products logged before.
func NewOf(p components.Page, in feedback.Input, themes []feedback.Theme, products []string, errs map[string]string) New {
	v := New{Page: p, Errors: errs, Products: products,
		Customer: in.Customer, Lead: in.Lead, Campaign: in.Campaign, Product: in.Product, Theme: in.Theme,
		Sentiment: in.Sentiment, ChainLink: in.ChainLink, Words: in.Words, Note: in.Note}
	v.Themes = []components.Option{{Value: "", Label: "Choose a theme…"}}
	for _, t := range themes {
		if t.Active {
			v.Themes = append(v.Themes, components.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
			if t.Description != "" {
				v.ThemeHelp = append(v.ThemeHelp, Choice{Label: t.Name, Hint: t.Description})
			}
		}
	}
	for _, se := range feedback.Sentiments {
		v.Sentiments = append(v.Sentiments, Choice{Value: string(se), Label: se.Label()})
	}
	for _, l := range feedback.ChainLinks {
		v.Links = append(v.Links, Choice{Value: string(l), Label: l.Label(), Hint: l.Explain()})
	}
	return v
}
