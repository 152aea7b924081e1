package components

import (
	"context"
	"io"
	"strings"
	"sync/atomic"

	"github.com/a-h/templ"
)

// Options is a drop-down's option list rendered to HTML once. At 1M leads
// the lead list's owner and campaign pickers (300 reps, 500 campaigns)
// cost more to render than the rest of the page; rendered, they are one
// copy per page (BenchmarkPages, the profile of the lead list).
type Options struct {
	html   string
	values []string
	ends   []int // where each option's value attribute ends in html
}

// NewOptions renders opts.
func NewOptions(opts []Option) *Options {
	o := &Options{values: make([]string, len(opts)), ends: make([]int, len(opts))}
	var b strings.Builder
	for i, opt := range opts {
		b.WriteString(`<option value="`)
		b.WriteString(templ.EscapeString(opt.Value))
		b.WriteByte('"')
		o.values[i], o.ends[i] = opt.Value, b.Len()
		b.WriteByte('>')
		b.WriteString(templ.EscapeString(opt.Label))
		b.WriteString("</option>")
	}
	o.html = b.String()
	return o
}

// Has reports whether value is one of the options.
func (o *Options) Has(value string) bool { return o.index(value) >= 0 }

func (o *Options) index(value string) int {
	for i, v := range o.values {
		if v == value {
			return i
		}
	}
	return -1
}

// selecting writes the options with the one of value selected, if any.
func (o *Options) selecting(value string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		i := o.index(value)
		if i < 0 {
			_, err := io.WriteString(w, o.html)
			return err
		}
		end := o.ends[i]
		for _, s := range []string{o.html[:end], " selected", o.html[end:]} {
			if _, err := io.WriteString(w, s); err != nil {
				return err
			}
		}
		return nil
	})
}

// OptionsMemo keeps the Options built from the last list it was given.
// The stores' caches hand every request the same slice until a write
// replaces it, so the list is rendered once per change; a list that is a
// new slice each time (no cache) is rendered each time, never stale.
type OptionsMemo[T any] struct {
	last atomic.Pointer[memoized[T]]
}

type memoized[T any] struct {
	first *T // keeps the slice alive, so its address names it
	n     int
	opts  *Options
}

// Of returns the Options build makes of list, built again only when list
// is not the slice it was given last.
func (m *OptionsMemo[T]) Of(list []T, build func([]T) []Option) *Options {
	if len(list) == 0 {
		return NewOptions(build(list))
	}
	if last := m.last.Load(); last != nil && last.first == &list[0] && last.n == len(list) {
		return last.opts
	}
	opts := NewOptions(build(list))
	m.last.Store(&memoized[T]{first: &list[0], n: len(list), opts: opts})
	return opts
}
