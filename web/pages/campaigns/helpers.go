// Package campaigns holds the campaign pages: the list (also the notices
// page), one campaign with its notice, readiness, results and questions,
// the campaign form and the calendar.
package campaigns

import (
	"strconv"

	"github.com/a-h/templ"
)

func campaignURL(id int64, suffix string) templ.SafeURL {
	return templ.SafeURL("/campaigns/" + strconv.FormatInt(id, 10) + suffix)
}

func commentAnchor(id int64) string { return "comment-" + strconv.FormatInt(id, 10) }

// formFields are the campaign form's fields top to bottom, the error
// summary's order.
var formFields = []string{"name", "channel", "audience", "offer", "key", "talking_points", "launch_on", "end_on",
	"expected_leads", "budget", "owner_id", "late_reason"}
