// Package refusal is the one way a domain says no. A refusal carries a kind
// (what went wrong, which the HTTP layer maps to a status in one place), the
// form field it concerns if any, and a message written for the user.
// Anything that is not a refusal is an unexpected error: logged, and shown
// to the user only as "something went wrong".
package refusal

import (
	"errors"
	"sort"
	"strings"
)

// Kind is why something was refused.
type Kind int

const (
	// Unknown is the kind of an error that is not a refusal.
	Unknown Kind = iota
	// Invalid input: the form comes back filled, with the message (422).
	Invalid
	// Forbidden: this user may not do this (403).
	Forbidden
	// Conflict: the state changed, or does not allow this now (409).
	Conflict
	// NotFound: there is no such thing (404).
	NotFound
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case Forbidden:
		return "forbidden"
	case Conflict:
		return "conflict"
	case NotFound:
		return "not found"
	}
	return "unknown"
}

// Error is a refusal. Field is the form field the message belongs next to;
// empty when it concerns the whole request.
type Error struct {
	Kind    Kind
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Kind.String() + ": " + e.Field + ": " + e.Message
	}
	return e.Kind.String() + ": " + e.Message
}

// InvalidField refuses the value of one form field.
func InvalidField(field, message string) *Error {
	return &Error{Kind: Invalid, Field: field, Message: message}
}

// Invalidf refuses input that no single field explains.
func Invalidf(message string) *Error { return &Error{Kind: Invalid, Message: message} }

// Forbid refuses an action this user may not take.
func Forbid(message string) *Error { return &Error{Kind: Forbidden, Message: message} }

// Conflicts refuses an action the current state does not allow.
func Conflicts(message string) *Error { return &Error{Kind: Conflict, Message: message} }

// Missing refuses a reference to something that does not exist.
func Missing(message string) *Error { return &Error{Kind: NotFound, Message: message} }

// Fields is several invalid fields at once, each with its message: what a
// form's validation returns. Its kind is Invalid.
type Fields map[string]string

func (f Fields) Error() string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + f[k]
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// As finds the refusal in err's chain: a single *Error, or Fields turned
// into one (its first field by name, the whole map in fields).
func As(err error) (r *Error, fields Fields, ok bool) {
	if errors.As(err, &r) {
		return r, nil, true
	}
	if errors.As(err, &fields) && len(fields) > 0 {
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return &Error{Kind: Invalid, Field: keys[0], Message: fields[keys[0]]}, fields, true
	}
	return nil, nil, false
}

// KindOf is the kind of the refusal in err's chain; Unknown when there is none.
func KindOf(err error) Kind {
	if r, _, ok := As(err); ok {
		return r.Kind
	}
	return Unknown
}

// FieldMessages is the refusal as a form's field errors: Fields as they
// are, one field's refusal as a map of one, a refusal of the whole request
// under key "" (shown in the form's error summary). Nil when err is not a
// refusal.
func FieldMessages(err error) map[string]string {
	r, fields, ok := As(err)
	switch {
	case !ok:
		return nil
	case fields != nil:
		return fields
	}
	return map[string]string{r.Field: r.Message}
}
