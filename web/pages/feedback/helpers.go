// Package feedback holds the customer feedback pages: the list, the
// triage board, one item, the form to log one, and the theme trends.
package feedback

import (
	"strconv"

	"github.com/a-h/templ"

	"tandem/internal/feedback"
	"tandem/web/components"
)

// Card is one item as the list and the board show it.
type Card struct {
	ID             int64
	Customer       string
	Excerpt        string
	Theme          string
	Product        string
	Link           string // chain link label
	Sentiment      string // negative, neutral or positive
	SentimentLabel string
	Status         string
	StatusLabel    string
	Overdue        bool
	Due            string // the acknowledgement deadline while unacknowledged
	DueISO         string
	Heard          int
	Customers      int
	Reporter       string
	Team           string
	Owner          string
	Logged         string
	LoggedISO      string
	Rating         int // 0: not rated
	// CanHear: the viewer may add a +1 from the list (not the reporter,
	// none yet); HeardByMe: the viewer has added one.
	CanHear   bool
	HeardByMe bool
}

// Filters are the list's and board's filter values as typed, without the
// page number (FiltersOf): the form keeps every filter, never the page.
type Filters = feedback.FilterInput

// FilterOptions are the choices of the filter form.
type FilterOptions struct {
	Status    []components.Option
	Theme     []components.Option
	Link      []components.Option
	Sentiment []components.Option
	Product   []components.Option
	Team      []components.Option
	Sort      []components.Option
}

// Choice is one radio button of a group.
type Choice struct {
	Value string
	Label string
	Hint  string
}

func itemURL(id int64) templ.SafeURL { return templ.SafeURL("/feedback/" + strconv.FormatInt(id, 10)) }

func itemAction(id int64, action string) templ.SafeURL {
	return templ.SafeURL("/feedback/" + strconv.FormatInt(id, 10) + "/" + action)
}

func ref(id int64) string { return "#" + strconv.FormatInt(id, 10) }

func statusClass(status string) string {
	switch status {
	case "acted_on":
		return "tag tag-good"
	case "declined":
		return "tag fb-st-declined"
	case "new":
		return "tag fb-st-new"
	}
	return "tag fb-st-progress"
}

func sentimentClass(sentiment string) string {
	switch sentiment {
	case "negative":
		return "tag tag-bad"
	case "positive":
		return "tag tag-good"
	}
	return "tag"
}

func stars(n int) string {
	return strconv.Itoa(n) + " of 5"
}

func choiceID(name, value string) string { return "f-" + name + "-" + value }
