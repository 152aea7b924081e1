package components

import (
	"strings"
	"testing"

	"github.com/a-h/templ"
)

// A kept fragment is rendered once per key, with each viewer's fill
// escaped where the hole was; a full map starts over.
func TestFragmentsRenderOncePerKeyAndFillTheHole(t *testing.T) {
	f := NewFragments[string](2)
	builds := 0
	row := func(label string) func() templ.Component {
		return func() templ.Component {
			builds++
			return inForm(CSRFField(Hole), Input(Field{Name: "note", Label: label}))
		}
	}
	a := render(t, f.Of("a", "token-of-ann", row("Note")))
	b := render(t, f.Of("a", `b"<&`, row("ignored: kept")))
	if builds != 1 {
		t.Fatalf("rendered %d times for one key, want 1", builds)
	}
	if !strings.Contains(a, `value="token-of-ann"`) || strings.Contains(a, Hole) {
		t.Errorf("the first viewer's token is not in place of the hole:\n%s", a)
	}
	if !strings.Contains(b, `value="b&#34;&lt;&amp;"`) || strings.Contains(b, "token-of-ann") {
		t.Errorf("the second viewer's token is not its own, escaped:\n%s", b)
	}
	if strings.Contains(b, "ignored") {
		t.Errorf("a kept key was rendered again:\n%s", b)
	}
	render(t, f.Of("b", "", row("B")))
	render(t, f.Of("c", "", row("C")))
	if builds != 3 || f.Len() != 1 {
		t.Errorf("after a third key in a map of two: %d builds, %d kept; want 3 and 1", builds, f.Len())
	}
	if got := render(t, f.Of("a", "t", row("Again"))); !strings.Contains(got, "Again") {
		t.Errorf("an emptied key is not rendered afresh:\n%s", got)
	}
}
