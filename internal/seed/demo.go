// Package seed loads the demo company: believable people and history so
// every page has something real to show. It is deterministic (fixed random
// seed, fixed reference dates) and idempotent: each part loads once.
package seed

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/users"
)

// DemoPassword is shared by every demo login (see PRODUCT.md).
const DemoPassword = "correct-horse-tandem"

// Login is one demo account as printed by `make run`.
type Login struct {
	Email string
	Name  string
	Team  users.Team
	Role  users.Role
}

// Logins are the demo accounts PRODUCT.md promises, exactly.
var Logins = []Login{
	{"admin@example.com", "Alex Morgan", users.Marketing, users.Admin},
	{"sales.manager@example.com", "Sam Patel", users.Sales, users.Manager},
	{"marketing.manager@example.com", "Maria Lopez", users.Marketing, users.Manager},
	{"service.manager@example.com", "Sven Olsen", users.Service, users.Manager},
	{"rep@example.com", "Riley Chen", users.Sales, users.Member},
	{"marketer@example.com", "Mia Novak", users.Marketing, users.Member},
	{"agent@example.com", "Andre Silva", users.Service, users.Member},
}

// colleagues fill out the company beyond the printed logins.
var colleagues = []Login{
	{"jordan.blake@example.com", "Jordan Blake", users.Sales, users.Member},
	{"priya.nair@example.com", "Priya Nair", users.Sales, users.Member},
	{"tom.becker@example.com", "Tom Becker", users.Sales, users.Member},
	{"lena.fischer@example.com", "Lena Fischer", users.Sales, users.Member},
	{"noah.kim@example.com", "Noah Kim", users.Marketing, users.Member},
	{"hannah.weber@example.com", "Hannah Weber", users.Service, users.Member},
	{"omar.haddad@example.com", "Omar Haddad", users.Service, users.Member},
	{"chris.doyle@example.com", "Chris Doyle", users.Sales, users.Member}, // left the company: deactivated
}

// Demo loads every part of the demo company that is not there yet and
// prints the logins.
func Demo(ctx context.Context, pool *pgxpool.Pool, loc *time.Location, out io.Writer) error {
	now := time.Now().In(loc)
	rng := rand.New(rand.NewPCG(2026, 47))
	loaded, err := demoUsers(ctx, pool, loc, now, rng)
	if err != nil {
		return fmt.Errorf("seed users: %w", err)
	}
	// Order matters: campaigns attribute the leads, feedback links to both.
	parts := []struct {
		name string
		load func(context.Context, *pgxpool.Pool, time.Time, *rand.Rand) (bool, error)
	}{
		{"leads", demoLeads},
		{"campaigns", demoCampaigns},
		{"routing", demoRouting},
		{"business hours", demoBusinessHours},
		{"feedback", demoFeedback},
		{"targets", demoTargets},
		{"digests", demoDigests},
	}
	for _, part := range parts {
		did, err := part.load(ctx, pool, now, rng)
		if err != nil {
			return fmt.Errorf("seed %s: %w", part.name, err)
		}
		loaded = loaded || did
	}
	if loaded {
		fmt.Fprintln(out, "Demo data loaded.")
	} else {
		fmt.Fprintln(out, "Demo data already present; nothing changed.")
	}
	PrintLogins(out)
	return nil
}

// PrintLogins writes the demo logins as a table.
func PrintLogins(out io.Writer) {
	fmt.Fprintf(out, "\nDemo logins (password for all: %s)\n", DemoPassword)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  email\tteam\trole")
	for _, l := range Logins {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", l.Email, l.Team, l.Role)
	}
	_ = tw.Flush()
	fmt.Fprintln(out)
}

// demoUsers creates the people, joined over the last two quarters.
func demoUsers(ctx context.Context, pool *pgxpool.Pool, loc *time.Location, now time.Time, rng *rand.Rand) (bool, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)`, Logins[0].Email).Scan(&exists); err != nil {
		return false, err
	}
	if exists {
		return false, nil
	}
	hash, err := users.HashPassword(DemoPassword)
	if err != nil {
		return false, err
	}
	start := now.AddDate(0, -6, 0)
	err = db.InTx(ctx, pool, func(tx pgx.Tx) error {
		all := append(append([]Login{}, Logins...), colleagues...)
		for i, l := range all {
			joined := start.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
			if i >= len(Logins) {
				joined = start.Add(time.Duration(rng.Int64N(int64(now.Sub(start) / 2))))
			}
			active := l.Email != "chris.doyle@example.com"
			if _, err := tx.Exec(ctx, `
				INSERT INTO users (email, name, team, role, password_hash, timezone, active, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
				l.Email, l.Name, l.Team, l.Role, hash, loc.String(), active, joined); err != nil {
				return err
			}
		}
		return nil
	})
	return err == nil, err
}
