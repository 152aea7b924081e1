package users

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/crypto/argon2"
)

// Password length limits. The upper bound only keeps hashing cheap; long
// passphrases are welcome.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// argon2id parameters from OWASP's password storage cheat sheet
// (19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// HashPassword returns the argon2id hash of password in PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("unrecognized password hash")

// VerifyPassword reports whether password matches the PHC-format hash,
// comparing in constant time.
func VerifyPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, iters, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when an email is unknown, so that unknown
// accounts take as long to refuse as wrong passwords.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("tandem-timing-equalizer-not-a-password")
	return h
})

//go:embed common-passwords.txt.gz
var commonPasswordsGz []byte

// commonPasswords is the bundled list of frequent and breached passwords
// (zxcvbn's list, MIT licence), lower-cased.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := map[string]struct{}{}
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
	if err != nil {
		panic("users: bundled password list is corrupt: " + err.Error())
	}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		set[strings.ToLower(strings.TrimSpace(sc.Text()))] = struct{}{}
	}
	return set
})

// CheckNewPassword returns a message for the user when password is too
// short, too long, or common; empty when it is acceptable.
func CheckNewPassword(password, email string) string {
	n := len([]rune(password))
	switch {
	case n < MinPasswordLen:
		return fmt.Sprintf("Use at least %d characters; a few unrelated words work well.", MinPasswordLen)
	case n > MaxPasswordLen:
		return fmt.Sprintf("Use at most %d characters.", MaxPasswordLen)
	case isCommon(password):
		return "This password is on a list of common or breached passwords; choose another."
	case email != "" && strings.Contains(strings.ToLower(password), strings.ToLower(strings.SplitN(email, "@", 2)[0])) && len(strings.SplitN(email, "@", 2)[0]) >= 4:
		return "Don't build the password from your email address."
	}
	return ""
}

// isCommon matches the list exactly, and also common words padded with
// digits or symbols ("sunshine2024!"), and one repeated character.
func isCommon(password string) bool {
	p := strings.ToLower(password)
	list := commonPasswords()
	if _, ok := list[p]; ok {
		return true
	}
	core := strings.TrimRightFunc(p, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) })
	core = strings.TrimLeftFunc(core, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) })
	if len(core) < len(p) && len(core) >= 4 {
		if _, ok := list[core]; ok {
			return true
		}
	}
	return strings.Count(p, p[:1]) == len(p)
}
