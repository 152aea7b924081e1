package components

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"tandem/internal/format"
)

// htmxConfig is the htmx-config meta: no eval, no scripts from answers, no
// inline indicator styles (the CSP stays strict). Answers are swapped for
// 2xx, 4xx and 5xx: a refused htmx action answers 422 with its form and
// the message; other refusals and errors answer with only the status
// message and HX-Reswap: none, so nothing but that message changes. 204 is
// not swapped.
//
// History: live filters push their address; htmx keeps no copy of pages in
// the browser's storage (historyCacheSize 0: lead contacts stay out of
// localStorage), so Back loads the page again from the server.
const htmxConfig = `{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,` +
	`"historyCacheSize":0,"refreshOnHistoryMiss":true,` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},` +
	`{"code":"422","swap":true},{"code":"[45]..","swap":true,"error":true},{"code":"...","swap":false}]}`

func unreadLabel(n int) string {
	if n == 1 {
		return "1 unread"
	}
	return strconv.Itoa(n) + " unread"
}

func orderedMessages(errs map[string]string, order []string) []string {
	rank := func(k string) int {
		if k == "" {
			return -1
		}
		if i := slices.Index(order, k); i >= 0 {
			return i
		}
		return len(order)
	}
	keys := slices.Collect(maps.Keys(errs))
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b)) })
	msgs := make([]string, len(keys))
	for i, k := range keys {
		msgs[i] = errs[k]
	}
	return msgs
}

// location is where times are shown: the signed-in user's timezone.
// Money writes an amount in whole units in the page's currency:
// "USD 1,250,000".
func (p Page) Money(v float64) string { return format.Currency(p.Currency, v) }

// MoneyCents writes an amount held in cents in the page's currency, cents
// shown when there are any: "USD 12,500.50".
func (p Page) MoneyCents(cents int64) string { return format.CurrencyCents(p.Currency, cents) }

// MoneyHeader labels a table column of plain amounts with the page's
// currency: "Value (USD)".
func (p Page) MoneyHeader(label string) string {
	if p.Currency == "" {
		return label
	}
	return label + " (" + p.Currency + ")"
}

func (p Page) location() *time.Location {
	if p.User != nil && p.User.Location != nil {
		return p.User.Location
	}
	return time.UTC
}

// DateTime formats t in the viewer's timezone, e.g. "Mon 2 Nov 2026, 14:05 CET".
func (p Page) DateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(p.location()).Format("Mon 2 Jan 2006, 15:04 MST")
}

// Date formats t's calendar day in the viewer's timezone.
func (p Page) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(p.location()).Format("2 Jan 2006")
}

// ISO is t in RFC 3339, for <time datetime>.
func ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Count writes "1 lead" / "3 leads" / "1,250 leads" (format.Count).
func Count(n int, word string) string { return format.Count(n, word) }

// alertBannerLabel names the landmark of the i-th of n pinned critical
// alerts, distinct for each when they stack.
func alertBannerLabel(i, n int, a PinnedAlert) string {
	if n == 1 {
		return "Critical product alert: " + a.Product
	}
	return fmt.Sprintf("Critical product alert %d of %d: %s", i+1, n, a.Product)
}
