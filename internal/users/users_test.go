package users_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tandem/internal/db"
	"tandem/internal/testdb"
	"tandem/internal/users"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	t.Parallel()
	h, err := users.HashPassword("violet tractor harbour")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash format %q", h)
	}
	h2, _ := users.HashPassword("violet tractor harbour")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt missing")
	}
	if ok, err := users.VerifyPassword(h, "violet tractor harbour"); !ok || err != nil {
		t.Errorf("right password refused: %v", err)
	}
	if ok, _ := users.VerifyPassword(h, "violet tractor harbouR"); ok {
		t.Error("wrong password accepted")
	}
	if _, err := users.VerifyPassword("$2a$10$bcrypt", "x"); err == nil {
		t.Error("foreign hash format accepted")
	}
}

func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	long64 := strings.Repeat("abcdefgh", 8)
	cases := []struct {
		pw, email string
		ok        bool
	}{
		{"violet tractor harbour", "x@example.com", true},
		{"correct-horse-tandem", "admin@example.com", true},
		{long64, "x@example.com", true},
		{strings.Repeat("ab1-", 64), "x@example.com", true}, // 256 characters
		{strings.Repeat("ab1-", 64) + "x", "x@example.com", false},
		{"short-pw", "x@example.com", false},
		{"qwerty123456", "x@example.com", false}, // on the list
		{"1q2w3e4r5t6y", "x@example.com", false},
		{"Sunshine2024!", "x@example.com", false},  // common word padded
		{"aaaaaaaaaaaaaa", "x@example.com", false}, // one character
		{"riley.chen-secret", "riley.chen@example.com", false},
	}
	for _, tc := range cases {
		msg := users.CheckNewPassword(tc.pw, tc.email)
		if (msg == "") != tc.ok {
			t.Errorf("%q: message %q, want ok=%v", tc.pw, msg, tc.ok)
		}
	}
}

func newUser(t *testing.T, s *users.Store, email string, role users.Role) users.User {
	t.Helper()
	u, err := s.Create(context.Background(), users.Actor{}, users.NewUser{Email: email, Name: email, Team: users.Sales, Role: role},
		"violet tractor harbour")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Parallel bad sign-ins are counted exactly, and the limit holds even when
// they all arrive at once.
func TestParallelFailedSignInsCountExactly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := users.NewStore(testdb.New(t))
	newUser(t, s, "target@example.com", users.Member)

	const n = 8
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.SignIn(ctx, "target@example.com", "wrong password!", "10.0.0.1")
			if !errors.Is(err, users.ErrBadCredentials) {
				t.Errorf("attempt: %v", err)
			}
		}()
	}
	wg.Wait()
	if got, _ := s.FailureCount(ctx, "target@example.com"); got != n {
		t.Fatalf("%d parallel failures counted as %d", n, got)
	}

	// 12 more at once: exactly 2 get through to a password check, 10 are refused.
	var mu sync.Mutex
	throttled := 0
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.SignIn(ctx, "TARGET@example.com", "wrong password!", "10.0.0.1")
			var te *users.ThrottledError
			if errors.As(err, &te) {
				mu.Lock()
				throttled++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if throttled != 10 {
		t.Errorf("%d of 12 throttled, want 10", throttled)
	}
	if got, _ := s.FailureCount(ctx, "target@example.com"); got != 10 {
		t.Errorf("failures = %d, want 10", got)
	}
	// The right password is refused too from the throttled address…
	_, err := s.SignIn(ctx, "target@example.com", "violet tractor harbour", "10.0.0.1")
	var te *users.ThrottledError
	if !errors.As(err, &te) || te.Minutes() < 14 || te.Minutes() > 15 {
		t.Errorf("right password from the throttled address: %v", err)
	}
	// …but not from another one: failures elsewhere never lock the owner out.
	if _, err := s.SignIn(ctx, "target@example.com", "violet tractor harbour", "10.0.0.9"); err != nil {
		t.Errorf("right password from another address: %v", err)
	}
}

func TestThrottleAgesOutAndSuccessResetsTheAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	s := users.NewStore(pool)
	newUser(t, s, "user@example.com", users.Member)
	for i := 0; i < 9; i++ {
		_, _ = s.SignIn(ctx, "user@example.com", "wrong password!", "10.0.0.2")
	}
	if _, err := s.SignIn(ctx, "user@example.com", "violet tractor harbour", "10.0.0.2"); err != nil {
		t.Fatalf("tenth attempt with the right password: %v", err)
	}
	if got, _ := s.FailureCount(ctx, "user@example.com"); got != 0 {
		t.Errorf("success left %d failures", got)
	}

	for i := 0; i < 10; i++ {
		_, _ = s.SignIn(ctx, "user@example.com", "wrong password!", "10.0.0.2")
	}
	var te *users.ThrottledError
	if _, err := s.SignIn(ctx, "user@example.com", "violet tractor harbour", "10.0.0.2"); !errors.As(err, &te) {
		t.Fatalf("eleventh attempt: %v", err)
	}
	// Fifteen minutes later the failures have aged out.
	if _, err := pool.Exec(ctx, `UPDATE login_failures SET at = at - interval '15 minutes 1 second'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignIn(ctx, "user@example.com", "violet tractor harbour", "10.0.0.2"); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

// The owner signing in from elsewhere must not wipe an attacker's failures:
// the attacker's address stays refused.
func TestOwnerSignInKeepsTheAttackersAddressRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := users.NewStore(testdb.New(t))
	newUser(t, s, "owner@example.com", users.Member)
	for i := 0; i < 10; i++ {
		_, _ = s.SignIn(ctx, "owner@example.com", "wrong password!", "10.6.6.6")
	}
	if _, err := s.SignIn(ctx, "owner@example.com", "violet tractor harbour", "10.7.7.7"); err != nil {
		t.Fatalf("owner from another address: %v", err)
	}
	var te *users.ThrottledError
	if _, err := s.SignIn(ctx, "owner@example.com", "violet tractor harbour", "10.6.6.6"); !errors.As(err, &te) {
		t.Errorf("attacker's address after the owner signed in: %v", err)
	}
	if got, _ := s.FailureCount(ctx, "owner@example.com"); got != 10 {
		t.Errorf("failures after the owner's sign-in = %d, want the attacker's 10", got)
	}
}

// Once an account has a burst of failures, every attempt on it waits about a
// second first, known email or not, so the wait tells nothing.
func TestBurstSlowsAttemptsOnTheAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := users.NewStore(testdb.New(t))
	newUser(t, s, "slow@example.com", users.Member)
	for _, email := range []string{"slow@example.com", "nobody@example.com"} {
		for i := 0; i < 5; i++ {
			_, _ = s.SignIn(ctx, email, "wrong password!", "10.5.5."+strconv.Itoa(i))
		}
		start := time.Now()
		_, _ = s.SignIn(ctx, email, "wrong password!", "10.5.6.1")
		if d := time.Since(start); d < 900*time.Millisecond || d > 5*time.Second {
			t.Errorf("%s: sixth attempt took %v, want about 1s", email, d)
		}
	}
}

func TestThrottlePerIPAcrossAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := users.NewStore(testdb.New(t))
	newUser(t, s, "victim@example.com", users.Member)
	for i := 0; i < 10; i++ {
		_, _ = s.SignIn(ctx, "guess"+string(rune('a'+i))+"@example.com", "wrong password!", "10.9.9.9")
	}
	var te *users.ThrottledError
	if _, err := s.SignIn(ctx, "victim@example.com", "violet tractor harbour", "10.9.9.9"); !errors.As(err, &te) {
		t.Errorf("11th attempt from one IP: %v", err)
	}
	if _, err := s.SignIn(ctx, "victim@example.com", "violet tractor harbour", "10.1.1.1"); err != nil {
		t.Errorf("another IP: %v", err)
	}
}

// Two admins demoting each other at the same moment: one must remain.
func TestConcurrentDemotionKeepsAnAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := users.NewStore(testdb.New(t))
	a := newUser(t, s, "a@example.com", users.Admin)
	b := newUser(t, s, "b@example.com", users.Admin)
	errs := make(chan error, 2)
	for _, pair := range [][2]users.User{{a, b}, {b, a}} {
		go func(by, target users.User) {
			_, err := s.ChangeAccess(ctx, users.Actor{UserID: by.ID}, target.ID, target.Version, users.Sales, users.Member)
			errs <- err
		}(pair[0], pair[1])
	}
	e1, e2 := <-errs, <-errs
	if (e1 == nil) == (e2 == nil) {
		t.Fatalf("want exactly one success: %v, %v", e1, e2)
	}
	if failed := errors.Join(e1, e2); !errors.Is(failed, users.ErrLastAdmin) {
		t.Errorf("refusal: %v", failed)
	}
	list, _, err := s.List(ctx, users.Filter{Role: users.Admin, Active: "active"})
	if err != nil || len(list) != 1 {
		t.Errorf("active admins: %d (%v)", len(list), err)
	}
}

func TestCreateValidatesAndRejectsDuplicates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := users.NewStore(testdb.New(t))
	_, err := s.Create(ctx, users.Actor{}, users.NewUser{Email: "bad", Name: "", Team: "legal", Role: "boss"}, "")
	var fe users.FieldErrors
	if !errors.As(err, &fe) || len(fe) != 4 {
		t.Fatalf("got %v", err)
	}
	newUser(t, s, "dup@example.com", users.Member)
	if _, err := s.Create(ctx, users.Actor{}, users.NewUser{Email: " Dup@Example.com ", Name: "D", Team: users.Sales, Role: users.Member}, ""); !errors.Is(err, users.ErrEmailTaken) {
		t.Errorf("duplicate email: %v", err)
	}
	if _, err := s.Get(ctx, 99999); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("missing user: %v", err)
	}
}
