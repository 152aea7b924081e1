package digest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"

	"tandem/internal/refusal"
)

// ErrBadSignature refuses an unsubscribe link that was not made by us.
var ErrBadSignature = refusal.Invalidf("This unsubscribe link is not valid: it may be cut short. " +
	"Copy the whole link from the mail, or turn the digest off on your account page.")

// Unsubscribe links carry the user's id and an HMAC-SHA256 of it under the
// key stored once in digest_secret (made by the migration), so every app
// instance makes and accepts the same links. They do not expire: an old
// digest's link keeps working, as mail users expect.

// secret reads the signing key. It is read per use rather than cached:
// one indexed row, and a rotated key (UPDATE digest_secret) applies at once.
func (s *Service) secret(ctx context.Context) ([]byte, error) {
	var key []byte
	err := s.pool.QueryRow(ctx, `SELECT key FROM digest_secret`).Scan(&key)
	return key, err
}

func sign(key []byte, userID int64) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("tandem digest unsubscribe\x00" + strconv.FormatInt(userID, 10)))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// UnsubscribeURL is the absolute one-click link for the user's mail.
func (s *Service) UnsubscribeURL(ctx context.Context, userID int64) (string, error) {
	key, err := s.secret(ctx)
	if err != nil {
		return "", err
	}
	// Built by hand to keep u before sig; both are URL-safe already.
	return s.baseURL + "/digests/unsubscribe?u=" + strconv.FormatInt(userID, 10) + "&sig=" + sign(key, userID), nil
}

// CheckUnsubscribe verifies a link's u and sig and returns the user id.
func (s *Service) CheckUnsubscribe(ctx context.Context, u, sig string) (int64, error) {
	id, err := strconv.ParseInt(u, 10, 64)
	if err != nil || id <= 0 || sig == "" {
		return 0, ErrBadSignature
	}
	key, err := s.secret(ctx)
	if err != nil {
		return 0, err
	}
	if !hmac.Equal([]byte(sign(key, id)), []byte(sig)) {
		return 0, ErrBadSignature
	}
	return id, nil
}

// Unsubscribe applies a verified link: the user gets no more digests.
func (s *Service) Unsubscribe(ctx context.Context, u, sig string) (int64, error) {
	id, err := s.CheckUnsubscribe(ctx, u, sig)
	if err != nil {
		return 0, err
	}
	return id, s.SetOptOut(ctx, id, true)
}
