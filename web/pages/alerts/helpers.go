// Package alerts holds the product alert pages: the list, one alert and the
// form for posting one.
package alerts

import (
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

func alertURL(id int64, suffix string) templ.SafeURL {
	return templ.SafeURL("/alerts/" + strconv.FormatInt(id, 10) + suffix)
}

func severityClass(severity string) string {
	switch severity {
	case "critical":
		return "tag-bad"
	case "warning":
		return "tag-warn"
	}
	return ""
}

func joinNames(names []string) string { return strings.Join(names, ", ") }
