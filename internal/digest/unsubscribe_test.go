package digest

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestUnsubscribeLinksAreSigned(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(nil)
	ctx := context.Background()
	link, err := s.UnsubscribeURL(ctx, f.users["riley"])
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link)
	sig := u.Query().Get("sig")
	flipped := "A" // change the last character, whatever it is
	if strings.HasSuffix(sig, "A") {
		flipped = "B"
	}
	for _, tc := range []struct{ u, sig string }{
		{u.Query().Get("u"), sig[:len(sig)-1] + flipped},
		{u.Query().Get("u"), ""},
		{"1", sig}, // someone else's id with Riley's signature
		{"x", sig},
	} {
		if _, err := s.Unsubscribe(ctx, tc.u, tc.sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("u=%s sig=%s: %v", tc.u, tc.sig, err)
		}
	}
	if f.count(`SELECT count(*) FROM users WHERE digest_opt_out`) != 1 { // Olga only
		t.Error("a forged link unsubscribed someone")
	}
}
