// Package users owns accounts: who belongs to which team with which role,
// their passwords, sign-in throttling and the security audit log.
package users

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"tandem/internal/enum"
	"tandem/internal/refusal"
	"tandem/internal/validate"
)

// Team is one of the three departments Tandem aligns.
type Team string

const (
	Sales     Team = "sales"
	Marketing Team = "marketing"
	Service   Team = "service"
)

// Teams lists the teams in display order.
var Teams = []Team{Sales, Marketing, Service}

// Valid reports whether t is a known team.
func (t Team) Valid() bool { return enum.Valid(Teams, t) }

var teamLabels = enum.Labels[Team]{
	Sales: "Sales", Marketing: "Marketing", Service: "Service",
}

// Label is the team's display name.
func (t Team) Label() string { return teamLabels.Of(t) }

// Role is what a user may do beyond their team's own work.
type Role string

const (
	Member  Role = "member"
	Manager Role = "manager"
	Admin   Role = "admin"
)

// Roles lists the roles from least to most privileged.
var Roles = []Role{Member, Manager, Admin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return enum.Valid(Roles, r) }

var roleLabels = enum.Labels[Role]{Member: "Member", Manager: "Manager", Admin: "Admin"}

// Label is the role's display name.
func (r Role) Label() string { return roleLabels.Of(r) }

// User is an account.
type User struct {
	ID        int64     `db:"id"`
	Email     string    `db:"email"`
	Name      string    `db:"name"`
	Team      Team      `db:"team"`
	Role      Role      `db:"role"`
	Timezone  string    `db:"timezone"`
	Active    bool      `db:"active"`
	CreatedAt time.Time `db:"created_at"`
	Version   int       `db:"version"`
}

// IsManager is true for managers and admins: admins manage too.
func (u User) IsManager() bool { return u.Role == Manager || u.Role == Admin }

// IsAdmin is true for admins.
func (u User) IsAdmin() bool { return u.Role == Admin }

// IsSalesManager is true for sales managers and admins: they run the lead
// queue, assign leads and see every seller's numbers.
func (u User) IsSalesManager() bool { return u.IsAdmin() || u.Team == Sales && u.Role == Manager }

// InField is true for sales and service: the people campaign notices are
// for, who acknowledge them.
func (u User) InField() bool { return u.Team == Sales || u.Team == Service }

// Location is the user's display timezone, UTC when unset or unknown.
func (u User) Location() *time.Location {
	if loc, err := time.LoadLocation(u.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// FieldErrors is the shared field-to-message map of refused input.
type FieldErrors = validate.FieldErrors

// Refusals callers may branch on.
var (
	ErrEmailTaken = refusal.InvalidField("email", "A user with this email exists already.")
	ErrLastAdmin  = refusal.InvalidField("role", "This is the last active admin. Make someone else an admin first.")
)

// ErrBadCredentials is a failed sign-in. It is not a refusal of input but
// of identity (401): one message for an unknown email, a wrong password and
// a deactivated account, so the page tells an attacker nothing.
var ErrBadCredentials = errors.New("email or password is not right")

// NewUser is the input for creating an account.
type NewUser struct {
	Email    string
	Name     string
	Team     Team
	Role     Role
	Timezone string
}

// Normalize trims the input and lower-cases the email.
func (n *NewUser) Normalize() {
	n.Email = strings.ToLower(strings.TrimSpace(n.Email))
	n.Name = strings.TrimSpace(n.Name)
	n.Timezone = strings.TrimSpace(n.Timezone)
	if n.Timezone == "" {
		n.Timezone = "UTC"
	}
}

// Validate checks the input field by field.
func (n NewUser) Validate() FieldErrors {
	errs := FieldErrors{}
	if msg := CheckEmail(n.Email); msg != "" {
		errs["email"] = msg
	}
	if msg := CheckName(n.Name); msg != "" {
		errs["name"] = msg
	}
	if !n.Team.Valid() {
		errs["team"] = "Choose a team."
	}
	if !n.Role.Valid() {
		errs["role"] = "Choose a role."
	}
	if msg := CheckTimezone(n.Timezone); msg != "" {
		errs["timezone"] = msg
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// The longest names, addresses and timezones the user forms accept, in
// characters (runes here; the browser's maxlength counts UTF-16 units,
// which differ only for characters such as some emoji: close enough).
const (
	MaxName     = 200
	MaxEmail    = 254 // the longest address SMTP carries
	MaxTimezone = 64  // IANA names are far shorter
)

// CheckEmail returns a message when email is not a plain address.
func CheckEmail(email string) string {
	if email == "" {
		return "Enter an email address."
	}
	if utf8.RuneCountInString(email) > MaxEmail {
		return fmt.Sprintf("Keep the email address under %d characters.", MaxEmail)
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.Index(email, "@"):], ".") || len(email) > MaxEmail {
		return "Enter an email address like name@example.com."
	}
	return ""
}

// CheckName returns a message when name is empty or too long.
func CheckName(name string) string {
	switch {
	case name == "":
		return "Enter a name."
	case utf8.RuneCountInString(name) > MaxName:
		return fmt.Sprintf("Keep the name under %d characters.", MaxName)
	}
	return ""
}

// CheckTimezone returns a message when tz is not an IANA timezone name.
func CheckTimezone(tz string) string {
	if tz == "" || tz == "Local" {
		return "Choose a timezone."
	}
	if utf8.RuneCountInString(tz) > MaxTimezone {
		return fmt.Sprintf("Keep the timezone under %d characters.", MaxTimezone)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return "Choose a timezone from the list (e.g. Europe/Berlin)."
	}
	return ""
}
