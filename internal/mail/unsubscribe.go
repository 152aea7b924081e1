package mail

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/refusal"
)

// Unsubscribe links carry the user's id, the kind and an HMAC-SHA256 of
// both under the digest's key (digest_secret), as the digest's own links
// do: every instance makes and accepts the same links, they never expire,
// and a rotated key applies at once. The message signed starts with its
// own label, so a digest link's signature never passes for one of these.

// DailyKind stands, in a link, for every kind the user gets in the daily
// summary: the summary mail's one-click unsubscribe stops the summary.
const DailyKind = "daily"

// ErrBadSignature refuses an unsubscribe link that was not made by us for
// that user and kind.
var ErrBadSignature = refusal.Invalidf("This unsubscribe link is not valid: it may be cut short. " +
	"Copy the whole link from the mail, or change your notification settings on your account page.")

func (s *Store) secret(ctx context.Context) ([]byte, error) {
	var key []byte
	err := s.pool.QueryRow(ctx, `SELECT key FROM digest_secret`).Scan(&key)
	return key, err
}

func sign(key []byte, userID int64, kind string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("tandem notification unsubscribe\x00" + strconv.FormatInt(userID, 10) + "\x00" + kind))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// UnsubscribePath is the same-site path of user's link for kind (an
// events.Kind value or DailyKind); a mail puts the base URL before it.
func (s *Store) UnsubscribePath(ctx context.Context, userID int64, kind string) (string, error) {
	key, err := s.secret(ctx)
	if err != nil {
		return "", err
	}
	return "/mail/unsubscribe?" + url.Values{"u": {strconv.FormatInt(userID, 10)}, "k": {kind}, "sig": {sign(key, userID, kind)}}.Encode(), nil
}

// Unsubscription is what a verified link is about.
type Unsubscription struct {
	UserID int64
	Email  string
	Kind   string // an events.Kind value or DailyKind
	Label  string // the kind in words
	// Done is true when nothing is left to stop: the kind is no longer
	// mailed (or, for DailyKind, no kind is in the summary).
	Done bool
}

// CheckUnsubscribe verifies a link's u, k and sig and says where it stands.
func (s *Store) CheckUnsubscribe(ctx context.Context, u, k, sig string) (Unsubscription, error) {
	id, err := strconv.ParseInt(u, 10, 64)
	if err != nil || id <= 0 || sig == "" || (k != DailyKind && !events.Kind(k).Valid()) {
		return Unsubscription{}, ErrBadSignature
	}
	key, err := s.secret(ctx)
	if err != nil {
		return Unsubscription{}, err
	}
	if !hmac.Equal([]byte(sign(key, id, k)), []byte(sig)) {
		return Unsubscription{}, ErrBadSignature
	}
	who, err := user(ctx, s.pool, id)
	if err != nil {
		return Unsubscription{}, err
	}
	prefs, err := s.Prefs(ctx, who)
	if err != nil {
		return Unsubscription{}, err
	}
	v := Unsubscription{UserID: id, Email: who.Email, Kind: k, Label: kindLabel(k), Done: true}
	for _, p := range prefs {
		if mailed(k, p) {
			v.Done = false
		}
	}
	return v, nil
}

// mailed reports whether p is one the link for k would stop.
func mailed(k string, p Pref) bool {
	if k == DailyKind {
		return p.Delivery == EmailDaily
	}
	return string(p.Kind) == k && (p.Delivery == EmailNow || p.Delivery == EmailDaily)
}

func kindLabel(k string) string {
	if k == DailyKind {
		return "the daily email summary"
	}
	return events.Kind(k).Label()
}

// Unsubscribe applies a verified link: the kind (or every kind of the
// daily summary) is notified in Tandem only from now on.
func (s *Store) Unsubscribe(ctx context.Context, u, k, sig string) (Unsubscription, error) {
	v, err := s.CheckUnsubscribe(ctx, u, k, sig)
	if err != nil {
		return v, err
	}
	who, err := user(ctx, s.pool, v.UserID)
	if err != nil {
		return v, err
	}
	prefs, err := s.Prefs(ctx, who)
	if err != nil {
		return v, err
	}
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		for _, p := range prefs {
			if !mailed(k, p) {
				continue
			}
			// An explicit row even when in_app is the default: the user
			// said so, and a later change of the defaults must not mail
			// them again.
			if err := set(ctx, tx, v.UserID, p.Kind, InApp, ""); err != nil {
				return err
			}
		}
		return nil
	})
	v.Done = err == nil
	return v, err
}
