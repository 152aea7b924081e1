// Package validate holds what every domain's input checks share: the map
// of form fields to what is wrong with them.
package validate

import "tandem/internal/refusal"

// FieldErrors maps a form field to a message for the user: the refusal
// a form's validation returns (refusal.Fields, kind Invalid).
type FieldErrors = refusal.Fields
