package feedback

import (
	"fmt"

	"tandem/internal/refusal"
)

// notAllowed is what a refused role reads; the same words as the router's
// own refusal, since for the person it is the same situation.
const notAllowed = "Your role does not give access to this page. Ask an admin if you need it."

// Refusals callers branch on with errors.Is. Each carries the words the
// user reads and a kind the HTTP layer turns into a status: the field ones
// come back next to their form on the item page (422), the others as an
// error page.
var (
	ErrNotTriager  = refusal.Forbid(notAllowed)
	ErrNotReporter = refusal.Forbid(notAllowed)
	ErrNoResponse  = refusal.InvalidField("rating", "You can rate the response once marketing has responded.")
	ErrOwnItem     = refusal.InvalidField("heard", "You reported this item yourself; +1s are for colleagues who heard it too.")
	ErrHeardBefore = refusal.InvalidField("heard", "You added your +1 to this item already.")
	// ErrMerged is the refusal of a write to a merged item; the store
	// returns it with the item's numbers (see mergedError), which still
	// matches errors.Is(err, ErrMerged).
	ErrMerged = refusal.Invalidf("This item was merged into another one; act on that one instead.")
)

// mergedError refuses a write to item id, merged into into, naming both.
type mergedError struct{ r *refusal.Error }

func (e mergedError) Error() string        { return e.r.Error() }
func (e mergedError) Unwrap() error        { return e.r }
func (e mergedError) Is(target error) bool { return target == ErrMerged }

// Merged is the refusal of a write to item id, which was merged into into.
func Merged(id, into int64) error {
	return mergedError{refusal.Invalidf(fmt.Sprintf("Feedback #%d was merged into #%d; act on #%d instead.", id, into, into))}
}

// refuseMerged is Merged for a locked item when it was merged, else nil.
func refuseMerged(it locked) error {
	if it.MergedInto == nil {
		return nil
	}
	return Merged(it.ID, *it.MergedInto)
}
