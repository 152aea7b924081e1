// Package apitokens renders the API token pages: a user's own tokens on
// /account/tokens and every token on /admin/tokens.
package apitokens

import (
	"strings"
	"time"

	"tandem/internal/tokens"
	"tandem/internal/users"
	"tandem/web/components"
)

// Row is one token in a list.
type Row struct {
	ID        int64
	Name      string
	Kind      string
	Prefix    string
	Scopes    string
	Owner     string
	Created   string
	Expires   string
	LastUsed  string
	State     string
	Revocable bool
}

// Form is the create form's values and errors.
type Form struct {
	Name    string
	Read    bool
	Write   bool
	Expires string
	Team    string
	Errors  map[string]string
}

// Page is either token page.
type Page struct {
	components.Page
	Rows []Row
	Form Form
	// NewToken is the secret of the token just created, shown only on the
	// page the create redirects to.
	NewToken string
	Admin    bool
}

// ExpiryOptions are the lifetimes the forms offer.
var ExpiryOptions = []components.Option{
	{Value: "30d", Label: "30 days"}, {Value: "90d", Label: "90 days"},
	{Value: "365d", Label: "1 year"}, {Value: "never", Label: "Never"},
}

// TeamOptions are the teams a service token may work for.
func TeamOptions() []components.Option {
	opts := []components.Option{{Value: "", Label: "Choose a team"}}
	for _, t := range users.Teams {
		opts = append(opts, components.Option{Value: string(t), Label: t.Label()})
	}
	return opts
}

// DefaultForm is an empty create form: read only, 90 days.
func DefaultForm() Form { return Form{Read: true, Expires: "90d"} }

// Of builds a token page. secret is the one-time secret to show, if any.
func Of(p components.Page, list []tokens.Token, f Form, secret string, admin bool) Page {
	v := Page{Page: p, Form: f, NewToken: secret, Admin: admin}
	now := time.Now()
	for _, t := range list {
		v.Rows = append(v.Rows, rowOf(p, t, now))
	}
	return v
}

func rowOf(p components.Page, t tokens.Token, now time.Time) Row {
	r := Row{ID: t.ID, Name: t.Name, Kind: string(t.Kind), Prefix: t.Prefix + "…", Owner: t.UserName,
		Created: p.DateTime(t.CreatedAt), Expires: "never", LastUsed: "never", State: "active", Revocable: t.Live(now)}
	scopes := make([]string, len(t.Scopes))
	for i, s := range t.Scopes {
		scopes[i] = string(s)
	}
	r.Scopes = strings.Join(scopes, ", ")
	if t.ExpiresAt != nil {
		r.Expires = p.DateTime(*t.ExpiresAt)
		if !t.ExpiresAt.After(now) {
			r.State = "expired"
		}
	}
	if t.LastUsedAt != nil {
		r.LastUsed = p.DateTime(*t.LastUsedAt) + " from " + t.LastUsedIP
	}
	if t.RevokedAt != nil {
		r.State = "revoked " + p.DateTime(*t.RevokedAt)
	}
	return r
}
