package sso

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/refusal"
	"tandem/internal/users"
)

// Store keeps the sign-in policy, the group rules, the identities and the
// sign-ins on their way through the provider.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore returns a Store over pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Password sign-in modes.
const (
	PasswordForEveryone = "everyone"
	PasswordBreakGlass  = "break_glass"
	MaxGroupName        = 256
	maxRules            = 200
)

// Policy is how accounts come from the identity provider and who may still
// sign in with a password.
type Policy struct {
	// DefaultTeam and DefaultRole are given when no rule matches; empty
	// means such a sign-in is refused.
	DefaultTeam users.Team `db:"default_team"`
	DefaultRole users.Role `db:"default_role"`
	// LinkByEmail lets a first sign-in take over the existing account with
	// the same email, when the provider says the email is verified.
	LinkByEmail bool `db:"link_by_email"`
	// PasswordSignIn is PasswordForEveryone or PasswordBreakGlass.
	PasswordSignIn   string `db:"password_sign_in"`
	BreakGlassUserID int64  `db:"break_glass_user_id"`
	BreakGlassEmail  string `db:"break_glass_email"`
	Version          int    `db:"version"`
}

// PasswordOnlyForBreakGlass reports whether password sign-in is closed to
// everyone but the break-glass account.
func (p Policy) PasswordOnlyForBreakGlass() bool { return p.PasswordSignIn == PasswordBreakGlass }

// Policy returns the current policy.
func (s *Store) Policy(ctx context.Context) (Policy, error) { return policyOf(ctx, s.pool) }

func policyOf(ctx context.Context, q db.DBTX) (Policy, error) {
	return db.QueryOne[Policy](ctx, q, `
		SELECT coalesce(p.default_team, '') AS default_team, coalesce(p.default_role, '') AS default_role,
			p.link_by_email, p.password_sign_in, coalesce(p.break_glass_user_id, 0) AS break_glass_user_id,
			coalesce(u.email, '') AS break_glass_email, p.version
		FROM sso_policy p LEFT JOIN users u ON u.id = p.break_glass_user_id`)
}

// PolicyInput is the admin's form.
type PolicyInput struct {
	Default         string // "team/role", or "" for none
	LinkByEmail     bool
	PasswordSignIn  string
	BreakGlassEmail string
}

// ErrPolicyChanged means someone saved the policy since the form was opened.
var ErrPolicyChanged = refusal.Conflicts("Someone changed the single sign-on settings since you opened this page. Review them and save again.")

// UpdatePolicy saves the policy the admin saw at version. Closing password
// sign-in needs single sign-on configured (ssoReady) and a break-glass
// account that is an active admin with a password, so nobody is locked out.
func (s *Store) UpdatePolicy(ctx context.Context, by users.Actor, in PolicyInput, version int, ssoConfigured bool) (Policy, error) {
	errs := refusal.Fields{}
	var team users.Team
	var role users.Role
	if in.Default != "" {
		t, r, ok := strings.Cut(in.Default, "/")
		team, role = users.Team(t), users.Role(r)
		if !ok || !team.Valid() || !role.Valid() {
			errs["default"] = "Choose a team and role from the list, or none."
		}
	}
	in.BreakGlassEmail = strings.ToLower(strings.TrimSpace(in.BreakGlassEmail))
	if in.PasswordSignIn != PasswordForEveryone && in.PasswordSignIn != PasswordBreakGlass {
		errs["password_sign_in"] = "Choose who may sign in with a password."
	}
	var p Policy
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var breakGlass *int64
		if in.PasswordSignIn == PasswordBreakGlass {
			switch id, msg, err := breakGlassAccount(ctx, tx, in.BreakGlassEmail); {
			case err != nil:
				return err
			case !ssoConfigured:
				errs["password_sign_in"] = "Single sign-on is not configured (OIDC_ISSUER): password sign-in must stay open."
			case msg != "":
				errs["break_glass_email"] = msg
			default:
				breakGlass = &id
			}
		}
		if len(errs) > 0 {
			return errs
		}
		tag, err := tx.Exec(ctx, `
			UPDATE sso_policy SET default_team = NULLIF($1, ''), default_role = NULLIF($2, ''), link_by_email = $3,
				password_sign_in = $4, break_glass_user_id = $5, version = version + 1, updated_at = now()
			WHERE version = $6`, string(team), string(role), in.LinkByEmail, in.PasswordSignIn, breakGlass, version)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrPolicyChanged
		}
		if p, err = policyOf(ctx, tx); err != nil {
			return err
		}
		return users.Record(ctx, tx, by, "sso.policy_changed", p.describe())
	})
	return p, err
}

func (p Policy) describe() string {
	def := "none (refuse)"
	if p.DefaultTeam != "" {
		def = string(p.DefaultTeam) + "/" + string(p.DefaultRole)
	}
	pw := "password sign-in for everyone"
	if p.PasswordOnlyForBreakGlass() {
		pw = "password sign-in only for " + p.BreakGlassEmail
	}
	return fmt.Sprintf("default %s, link by verified email %t, %s", def, p.LinkByEmail, pw)
}

func breakGlassAccount(ctx context.Context, tx pgx.Tx, email string) (int64, string, error) {
	if email == "" {
		return 0, "Enter the email of the admin who keeps password sign-in.", nil
	}
	var id int64
	var role users.Role
	var active, hasPassword bool
	err := tx.QueryRow(ctx, `SELECT id, role, active, password_hash IS NOT NULL FROM users WHERE email = $1`, email).
		Scan(&id, &role, &active, &hasPassword)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, "No account has this email.", nil
	case err != nil:
		return 0, "", err
	case role != users.Admin || !active:
		return 0, "The break-glass account must be an active admin.", nil
	case !hasPassword:
		return 0, "This admin has no password yet; send them a set-password link first.", nil
	}
	return id, "", nil
}

// Rule maps one provider group to a team and role.
type Rule struct {
	ID       int64      `db:"id"`
	Position int        `db:"position"`
	Group    string     `db:"group_name"`
	Team     users.Team `db:"team"`
	Role     users.Role `db:"role"`
}

// Rules returns the group rules in the order they are tried.
func (s *Store) Rules(ctx context.Context) ([]Rule, error) {
	return db.QueryAll[Rule](ctx, s.pool, `SELECT id, position, group_name, team, role FROM sso_group_rules ORDER BY position`)
}

// RuleInput is the add-a-rule form.
type RuleInput struct {
	Group string
	Team  users.Team
	Role  users.Role
}

// AddRule appends a rule: tried after the existing ones.
func (s *Store) AddRule(ctx context.Context, by users.Actor, in RuleInput) (Rule, error) {
	in.Group = strings.TrimSpace(in.Group)
	errs := refusal.Fields{}
	switch {
	case in.Group == "":
		errs["group"] = "Enter the group's name as the provider sends it."
	case utf8.RuneCountInString(in.Group) > MaxGroupName:
		errs["group"] = fmt.Sprintf("Keep the group name under %d characters.", MaxGroupName)
	}
	if !in.Team.Valid() {
		errs["team"] = "Choose a team."
	}
	if !in.Role.Valid() {
		errs["role"] = "Choose a role."
	}
	if len(errs) > 0 {
		return Rule{}, errs
	}
	var r Rule
	err := db.InTxRetry(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockRules(ctx, tx); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM sso_group_rules`).Scan(&n); err != nil {
			return err
		}
		if n >= maxRules {
			return refusal.InvalidField("group", fmt.Sprintf("There are %d rules already; remove one first.", maxRules))
		}
		var err error
		r, err = db.QueryOne[Rule](ctx, tx, `
			INSERT INTO sso_group_rules (position, group_name, team, role)
			VALUES ((SELECT coalesce(max(position), 0) + 1 FROM sso_group_rules), $1, $2, $3)
			RETURNING id, position, group_name, team, role`, in.Group, in.Team, in.Role)
		if err != nil {
			return err
		}
		return users.Record(ctx, tx, by, "sso.rule_added", r.describe())
	})
	return r, err
}

func (r Rule) describe() string {
	return fmt.Sprintf("#%d group %q → %s/%s", r.Position, r.Group, r.Team, r.Role)
}

// ErrNoRule means the rule was removed meanwhile.
var ErrNoRule = refusal.Missing("That rule does not exist any more.")

// lockRules serialises the edits of the rule order: positions are unique and
// renumbered, so two edits at once would collide or leave a gap. Readers
// (sign-ins) are not blocked.
func lockRules(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `LOCK TABLE sso_group_rules IN SHARE ROW EXCLUSIVE MODE`)
	return err
}

// DeleteRule removes a rule; the later ones move up.
func (s *Store) DeleteRule(ctx context.Context, by users.Actor, id int64) error {
	return db.InTxRetry(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockRules(ctx, tx); err != nil {
			return err
		}
		r, err := db.QueryOne[Rule](ctx, tx, `DELETE FROM sso_group_rules WHERE id = $1 RETURNING id, position, group_name, team, role`, id)
		if errors.Is(err, db.ErrNotFound) {
			return ErrNoRule
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sso_group_rules SET position = position - 1 WHERE position > $1`, r.Position); err != nil {
			return err
		}
		return users.Record(ctx, tx, by, "sso.rule_removed", r.describe())
	})
}

// MoveRule swaps a rule with the one before it (up) or after it; at either
// end it stays.
func (s *Store) MoveRule(ctx context.Context, by users.Actor, id int64, up bool) error {
	return db.InTxRetry(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockRules(ctx, tx); err != nil {
			return err
		}
		r, err := db.QueryOne[Rule](ctx, tx, `SELECT id, position, group_name, team, role FROM sso_group_rules WHERE id = $1`, id)
		if errors.Is(err, db.ErrNotFound) {
			return ErrNoRule
		}
		if err != nil {
			return err
		}
		other := r.Position + 1
		if up {
			other = r.Position - 1
		}
		tag, err := tx.Exec(ctx, `UPDATE sso_group_rules SET position = $1 WHERE position = $2`, r.Position, other)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sso_group_rules SET position = $1 WHERE id = $2`, other, id); err != nil {
			return err
		}
		r.Position = other
		return users.Record(ctx, tx, by, "sso.rule_moved", r.describe())
	})
}

// Access is what the rules give a set of groups.
type Access struct {
	Team users.Team
	Role users.Role
	// Why names the rule (or the default) in the audit log.
	Why string
}

// ErrNoMatch means no rule names any of the groups and there is no
// default.
var ErrNoMatch = errors.New("no group rule matches and there is no default")

// MapGroups applies the rules to groups (case-insensitively): the first rule
// naming one of them wins, else the default, else ErrNoMatch.
func MapGroups(ctx context.Context, q db.DBTX, groups []string) (Access, error) {
	lower := make([]string, len(groups))
	for i, g := range groups {
		lower[i] = strings.ToLower(g)
	}
	r, err := db.QueryOne[Rule](ctx, q, `SELECT id, position, group_name, team, role FROM sso_group_rules
		WHERE lower(group_name) = ANY($1::text[]) ORDER BY position LIMIT 1`, lower)
	if err == nil {
		return Access{Team: r.Team, Role: r.Role, Why: fmt.Sprintf("by rule #%d (group %q)", r.Position, r.Group)}, nil
	}
	if !errors.Is(err, db.ErrNotFound) {
		return Access{}, err
	}
	p, err := policyOf(ctx, q)
	if err != nil {
		return Access{}, err
	}
	if p.DefaultTeam == "" {
		return Access{}, ErrNoMatch
	}
	return Access{Team: p.DefaultTeam, Role: p.DefaultRole, Why: "by the default (no group rule matched)"}, nil
}

// GroupsOf is every group the user is known to be in: those the provider
// sent at the last sign-in and those a SCIM client put them in.
func GroupsOf(ctx context.Context, q db.DBTX, userID int64) ([]string, error) {
	rows, err := q.Query(ctx, `
		SELECT g FROM user_identities i, unnest(i.groups) g WHERE i.user_id = $1
		UNION
		SELECT sg.display_name FROM scim_group_members m JOIN scim_groups sg ON sg.id = m.group_id WHERE m.user_id = $1`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func scimGroupsOf(ctx context.Context, q db.DBTX, userID int64) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT sg.display_name FROM scim_group_members m JOIN scim_groups sg ON sg.id = m.group_id
		WHERE m.user_id = $1`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
