package components

import (
	"context"
	"crypto/rand"
	"io"
	"strings"
	"sync"

	"github.com/a-h/templ"
)

// Fragments keeps rendered pieces of pages by a key that names everything
// they show, for pieces that many requests render alike. At 1M leads,
// building and rendering the overview's KPI tiles was half of its server
// time, and the queue's 50 rows of forms were three quarters of the
// queue's (the profiles of the overview and the queue against the 1M
// bench data); both are the same from one request to the next until the
// data changes, and their keys change with it. A full map is emptied
// rather than aged: old keys are never asked for again.
type Fragments[K comparable] struct {
	max int
	mu  sync.RWMutex
	m   map[K][]string // the HTML, split at Hole
}

// Hole stands in a fragment's HTML for the one value that differs from
// viewer to viewer (the CSRF token of the forms of a row), filled in as it
// is written: random, so no content can imitate it.
var Hole = "hole" + rand.Text()

// NewFragments keeps up to max fragments.
func NewFragments[K comparable](max int) *Fragments[K] {
	return &Fragments[K]{max: max, m: make(map[K][]string, max)}
}

// Of writes key's fragment, rendering build's component the first time;
// fill (escaped) takes the place of each Hole in it.
func (f *Fragments[K]) Of(key K, fill string, build func() templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		f.mu.RLock()
		parts, ok := f.m[key]
		f.mu.RUnlock()
		if !ok {
			var b strings.Builder
			if err := build().Render(ctx, &b); err != nil {
				return err
			}
			parts = strings.Split(b.String(), Hole)
			f.mu.Lock()
			if len(f.m) >= f.max {
				clear(f.m)
			}
			f.m[key] = parts
			f.mu.Unlock()
		}
		fill := templ.EscapeString(fill)
		for i, part := range parts {
			if i > 0 {
				if _, err := io.WriteString(w, fill); err != nil {
					return err
				}
			}
			if _, err := io.WriteString(w, part); err != nil {
				return err
			}
		}
		return nil
	})
}

// Len is how many fragments are kept.
func (f *Fragments[K]) Len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.m)
}
