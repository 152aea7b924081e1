package components

import (
	"strconv"

	"github.com/a-h/templ"
)

// Field describes one form control with what the user typed and what is
// wrong with it.
type Field struct {
	Name string
	// ID tells the control apart when several forms on one page share a
	// Name (two forms' "note"); "" means Name. It keys the element ids, so
	// each label, hint and error stays tied to its own form's control.
	ID           string
	Label        string
	Type         string // text, email, password, number, date, …; "" means text
	Value        string
	Error        string
	Hint         string
	Autocomplete string
	Required     bool
	// MaxLength is the longest value the server accepts, in characters
	// (rendered as maxlength, so the browser stops typing there rather
	// than the server refusing the form); 0 means no limit.
	MaxLength int
	Attrs     templ.Attributes
}

// Option is one choice of a select.
type Option struct {
	Value string
	Label string
}

func (f Field) key() string {
	if f.ID != "" {
		return f.ID
	}
	return f.Name
}

func (f Field) id() string      { return "f-" + f.key() }
func (f Field) hintID() string  { return f.id() + "-hint" }
func (f Field) errorID() string { return f.id() + "-error" }

func (f Field) inputType() string {
	if f.Type == "" {
		return "text"
	}
	return f.Type
}

// describedBy links the control to its hint and error for screen readers.
func (f Field) describedBy() string {
	ids := ""
	if f.Hint != "" {
		ids = f.hintID()
	}
	if f.Error != "" {
		if ids != "" {
			ids += " "
		}
		ids += f.errorID()
	}
	return ids
}

func pickIndex(i int) string { return strconv.Itoa(i) }
