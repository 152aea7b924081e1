// Package validate holds what every domain's input checks share: the map
// of form fields to what is wrong with them.
package validate

import (
	"sort"
	"strings"
)

// FieldErrors maps a form field to a message for the user. Domain
// packages return it for refused input; handlers re-render the form with it
// and status 422.
type FieldErrors map[string]string

func (e FieldErrors) Error() string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e[k]
	}
	return "invalid input: " + strings.Join(parts, "; ")
}
