// Package admin holds the administration pages: users and the audit log.
package admin

import (
	"strconv"

	"github.com/a-h/templ"
)

func userAction(id int64, action string) templ.SafeURL {
	return templ.SafeURL("/admin/users/" + strconv.FormatInt(id, 10) + "/" + action)
}
