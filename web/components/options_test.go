package components

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"tandem/internal/htmltest"
)

// Rendered options read back as the options given, escaped, with only the
// field's value selected, and none when the value is not among them.
func TestOptionsRenderEachOptionEscapedAndSelectOne(t *testing.T) {
	given := []Option{{"", "Anyone"}, {"7", `Ann "A&B" <Ltd>`}, {"me", "Me"}, {`x"y`, "Quoted value"}}
	opts := NewOptions(given)
	for _, value := range []string{"", "7", "me", `x"y`, "none"} {
		body := render(t, SelectOf(Field{Name: "owner", Label: "Owner", Value: value}, opts))
		nodes := htmltest.All(htmltest.Parse(t, body), func(n *html.Node) bool { return n.Data == "option" })
		if len(nodes) != len(given) {
			t.Fatalf("value %q: %d options, want %d:\n%s", value, len(nodes), len(given), body)
		}
		for i, n := range nodes {
			if got := htmltest.Attr(n, "value"); got != given[i].Value {
				t.Errorf("value %q: option %d has value %q, want %q", value, i, got, given[i].Value)
			}
			if got := htmltest.Text(n); got != given[i].Label {
				t.Errorf("value %q: option %d reads %q, want %q", value, i, got, given[i].Label)
			}
			if want := given[i].Value == value; htmltest.HasAttr(n, "selected") != want {
				t.Errorf("value %q: option %q selected = %v, want %v", value, given[i].Value, !want, want)
			}
		}
		if strings.Contains(body, "<Ltd>") {
			t.Errorf("a label went out unescaped:\n%s", body)
		}
	}
	if !opts.Has("me") || opts.Has("none") {
		t.Error("Has does not answer from the options")
	}
}

// A memo builds again only for a list that is not the slice it saw last,
// so a store's cached slice renders once and a new slice is never stale.
func TestOptionsMemoBuildsOncePerSlice(t *testing.T) {
	var memo OptionsMemo[string]
	builds := 0
	build := func(names []string) []Option {
		builds++
		opts := make([]Option, len(names))
		for i, n := range names {
			opts[i] = Option{Value: n, Label: n}
		}
		return opts
	}
	cached := []string{"Ann", "Bo"}
	first := memo.Of(cached, build)
	if again := memo.Of(cached, build); again != first || builds != 1 {
		t.Fatalf("the same slice built %d times", builds)
	}
	if got := memo.Of(cached[:1], build); got.Has("Bo") {
		t.Fatal("a shorter slice of the same array got the longer one's options")
	}
	changed := []string{"Ann", "Cy"}
	if got := memo.Of(changed, build); got == first || !got.Has("Cy") || got.Has("Bo") {
		t.Fatal("a new slice got the options of the old one")
	}
	if builds != 3 {
		t.Fatalf("%d builds, want 3", builds)
	}
}
