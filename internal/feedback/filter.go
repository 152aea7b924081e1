package feedback

import (
	"cmp"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"tandem/internal/users"
	"tandem/internal/validate"
)

// MaxQuery is the longest search the list accepts.
const MaxQuery = 200

// FilterInput is the list's and board's filters as typed into the query.
type FilterInput struct {
	Q         string
	Status    string
	Theme     string
	Link      string
	Sentiment string
	Product   string
	Team      string
	From      string // a day, 2006-01-02
	To        string // a day, included
	Overdue   bool
	Sort      string
	Page      int
}

// Parse reads the filters into a Filter, with what is wrong with them by
// field name. Dates are days in loc (the viewer's timezone); To includes
// its day. Without a sort, a search sorts by relevance and anything else
// newest first; in.Sort is set to the order chosen, for the form.
func (in *FilterInput) Parse(loc *time.Location) (Filter, FieldErrors) {
	in.Q = strings.TrimSpace(in.Q)
	f := Filter{Query: in.Q, Status: in.Status, ChainLink: ChainLink(in.Link), Sentiment: Sentiment(in.Sentiment),
		Product: in.Product, Team: users.Team(in.Team), Overdue: in.Overdue, Sort: Sort(in.Sort), Page: in.Page}
	errs := FieldErrors{}
	if utf8.RuneCountInString(in.Q) > MaxQuery {
		errs["q"] = fmt.Sprintf("Keep the search under %d characters.", MaxQuery)
	}
	if in.Status != "" && in.Status != StatusOpen && !Status(in.Status).Valid() {
		errs["status"] = "Choose a status from the list."
	}
	if in.Theme != "" {
		id, ok := ParseID(in.Theme)
		if !ok {
			errs["theme"] = "Choose a theme from the list."
		}
		f.ThemeID = id
	}
	if in.Link != "" && !f.ChainLink.Valid() {
		errs["link"] = "Choose a link of the chain from the list."
	}
	if in.Sentiment != "" && !f.Sentiment.Valid() {
		errs["sentiment"] = "Choose a sentiment from the list."
	}
	if in.Team != "" && !f.Team.Valid() {
		errs["team"] = "Choose a team from the list."
	}
	day := func(field, raw string) time.Time {
		if raw == "" {
			return time.Time{}
		}
		d, msg, ok := validate.Day(raw, loc)
		if !ok {
			errs[field] = cmp.Or(msg, "Enter a date like 2026-03-31.")
		}
		return d
	}
	f.From = day("from", in.From)
	if to := day("to", in.To); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		errs["to"] = "The end date must not be before the start date."
	}
	switch {
	case in.Sort == "" && in.Q != "":
		f.Sort = SortRelevance
	case in.Sort == "":
		f.Sort = SortNewest
	case !f.Sort.Valid():
		errs["sort"] = "Choose an order from the list."
	}
	in.Sort = string(f.Sort)
	return f, errs
}
