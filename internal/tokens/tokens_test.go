package tokens_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"tandem/internal/refusal"
	"tandem/internal/testdb"
	"tandem/internal/tokens"
	"tandem/internal/users"
)

func newUser(t *testing.T, s *users.Store, email string, team users.Team, role users.Role) users.User {
	t.Helper()
	u, err := s.Create(context.Background(), users.Actor{}, users.NewUser{Email: email, Name: "N", Team: team, Role: role, Timezone: "UTC"}, "violet tractor harbour")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPersonalTokenLifecycle(t *testing.T) {
	ctx := context.Background()
	pool := testdb.New(t)
	us, ts := users.NewStore(pool), tokens.NewStore(pool)
	u := newUser(t, us, "owner@example.com", users.Marketing, users.Member)
	other := newUser(t, us, "other@example.com", users.Sales, users.Member)
	admin := newUser(t, us, "admin@example.com", users.Marketing, users.Admin)

	tok, secret, err := ts.CreatePersonal(ctx, users.Actor{UserID: u.ID, IP: "10.0.0.1"}, u.ID, tokens.New{Name: " CI ", Scopes: []tokens.Scope{tokens.Write, tokens.Read, tokens.Read}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "tdm_") || len(secret) != 4+43 || !strings.HasPrefix(secret, tok.Prefix) {
		t.Errorf("secret %q prefix %q", secret, tok.Prefix)
	}
	if tok.Name != "CI" || len(tok.Scopes) != 2 || tok.ExpiresAt == nil || time.Until(*tok.ExpiresAt) < 89*24*time.Hour {
		t.Errorf("token %+v", tok)
	}
	var stored int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM api_tokens WHERE token_hash = sha256($1::bytea)`, []byte(secret)).Scan(&stored); err != nil || stored != 1 {
		t.Errorf("secret not stored as its SHA-256: %d %v", stored, err)
	}

	got, gu, err := ts.Authenticate(ctx, secret, "10.0.0.9")
	if err != nil || got.ID != tok.ID || gu.ID != u.ID {
		t.Fatalf("authenticate: %v %+v", err, got)
	}
	if _, _, err := ts.Authenticate(ctx, secret+"x", "10.0.0.9"); !errors.Is(err, tokens.ErrInvalid) {
		t.Errorf("wrong secret: %v", err)
	}
	if _, err := ts.Revoke(ctx, users.Actor{UserID: other.ID}, other, tok.ID); refusal.KindOf(err) != refusal.NotFound {
		t.Errorf("someone else revoked it: %v", err)
	}
	if _, err := ts.Revoke(ctx, users.Actor{UserID: admin.ID}, admin, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.Authenticate(ctx, secret, "10.0.0.9"); !errors.Is(err, tokens.ErrInvalid) {
		t.Errorf("revoked token works: %v", err)
	}
	var actions string
	if err := pool.QueryRow(ctx, `SELECT string_agg(action, ',' ORDER BY id) FROM audit_events WHERE action LIKE 'token.%'`).Scan(&actions); err != nil {
		t.Fatal(err)
	}
	if actions != "token.created,token.new_address,token.revoked" {
		t.Errorf("audit %q", actions)
	}
}

func TestDeactivationAndExpiryEndTokens(t *testing.T) {
	ctx := context.Background()
	pool := testdb.New(t)
	us, ts := users.NewStore(pool), tokens.NewStore(pool)
	u := newUser(t, us, "owner@example.com", users.Sales, users.Member)
	_, secret, err := ts.CreatePersonal(ctx, users.Actor{}, u.ID, tokens.New{Name: "a", Scopes: []tokens.Scope{tokens.Read}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := us.SetActive(ctx, users.Actor{}, u.ID, u.Version, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.Authenticate(ctx, secret, "x"); !errors.Is(err, tokens.ErrInvalid) {
		t.Errorf("token of a deactivated user works: %v", err)
	}
	var live int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL`).Scan(&live)
	if live != 0 {
		t.Errorf("%d tokens still live after deactivation", live)
	}

	v := newUser(t, us, "v@example.com", users.Sales, users.Member)
	_, old, _ := ts.CreatePersonal(ctx, users.Actor{}, v.ID, tokens.New{Name: "b", Scopes: []tokens.Scope{tokens.Read}})
	if _, err := pool.Exec(ctx, `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, v.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.Authenticate(ctx, old, "x"); !errors.Is(err, tokens.ErrInvalid) {
		t.Errorf("expired token works: %v", err)
	}
}

func TestServiceTokenActsAsTheTeamsServiceUser(t *testing.T) {
	ctx := context.Background()
	pool := testdb.New(t)
	us, ts := users.NewStore(pool), tokens.NewStore(pool)
	admin := newUser(t, us, "admin@example.com", users.Marketing, users.Admin)
	in := tokens.New{Name: "Mautic", Scopes: []tokens.Scope{tokens.Write}, Expires: -1}
	a, secret, err := ts.CreateService(ctx, users.Actor{UserID: admin.ID}, users.Marketing, in)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := ts.CreateService(ctx, users.Actor{UserID: admin.ID}, users.Marketing, in)
	if err != nil || a.UserID != b.UserID || a.ExpiresAt != nil || a.Kind != tokens.Service {
		t.Fatalf("second service token: %v %+v %+v", err, a, b)
	}
	_, u, err := ts.Authenticate(ctx, secret, "x")
	if err != nil || !u.Service || u.Team != users.Marketing || u.Role != users.Member {
		t.Errorf("service user %+v %v", u, err)
	}
	if _, err := us.SignIn(ctx, u.Email, "", "x"); !errors.Is(err, users.ErrBadCredentials) {
		t.Errorf("service user signs in: %v", err)
	}
	if _, _, err := ts.CreateService(ctx, users.Actor{}, "nope", in); refusal.KindOf(err) != refusal.Invalid {
		t.Errorf("unknown team: %v", err)
	}
	if _, _, err := ts.CreatePersonal(ctx, users.Actor{}, admin.ID, tokens.New{Scopes: []tokens.Scope{"admin"}}); refusal.KindOf(err) != refusal.Invalid {
		t.Errorf("bad input: %v", err)
	}
}
