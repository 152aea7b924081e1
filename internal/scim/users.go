package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/sso"
	"tandem/internal/users"
)

// scimUser is an account a SCIM client manages, with what SCIM keeps
// beside the users row.
type scimUser struct {
	ID         int64     `db:"id"`
	Email      string    `db:"email"`
	Name       string    `db:"name"`
	Active     bool      `db:"active"`
	Version    int       `db:"version"`
	CreatedAt  time.Time `db:"created_at"`
	UpdatedAt  time.Time `db:"updated_at"`
	ExternalID *string   `db:"external_id"`
	GivenName  string    `db:"given_name"`
	FamilyName string    `db:"family_name"`
}

// selectUsers reads SCIM-managed accounts; deleted ones are gone as far as
// SCIM is concerned.
const selectUsers = `SELECT u.id, u.email, u.name, u.active, u.version, u.created_at,
		greatest(u.updated_at, s.updated_at) AS updated_at, s.external_id, s.given_name, s.family_name
	FROM users u JOIN scim_users s ON s.user_id = u.id
	WHERE s.deleted_at IS NULL`

// ref is a reference to another resource: a user's group, a group's member.
type ref struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Ref     string `json:"$ref"`
}

type meta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created"`
	LastModified string `json:"lastModified"`
	Location     string `json:"location"`
	Version      string `json:"version"`
}

type userResource struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id"`
	ExternalID  *string  `json:"externalId,omitempty"`
	UserName    string   `json:"userName"`
	Name        userName `json:"name"`
	DisplayName string   `json:"displayName"`
	Emails      []email  `json:"emails"`
	Active      bool     `json:"active"`
	Groups      []ref    `json:"groups"`
	Meta        meta     `json:"meta"`
}

type userName struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

type email struct {
	Value   string `json:"value"`
	Type    string `json:"type"`
	Primary bool   `json:"primary"`
}

func (h *Handler) userResource(u scimUser, groups []ref) userResource {
	if groups == nil {
		groups = []ref{}
	}
	id := strconv.FormatInt(u.ID, 10)
	return userResource{
		Schemas:    []string{userSchema},
		ID:         id,
		ExternalID: u.ExternalID,
		UserName:   u.Email,
		Name: userName{
			Formatted: strings.TrimSpace(u.GivenName + " " + u.FamilyName),
			GivenName: u.GivenName, FamilyName: u.FamilyName,
		},
		DisplayName: u.Name,
		Emails:      []email{{Value: u.Email, Type: "work", Primary: true}},
		Active:      u.Active,
		Groups:      groups,
		Meta: meta{
			ResourceType: "User",
			Created:      timestamp(u.CreatedAt),
			LastModified: timestamp(u.UpdatedAt),
			Location:     h.location("Users", id),
			Version:      fmt.Sprintf(`W/"%d"`, u.Version),
		},
	}
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// parseUserID reads a user id from a path or member value: the decimal id,
// nothing else ("+12" and "012" name no user).
func parseUserID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0, false
	}
	return id, true
}

func findUser(ctx context.Context, q db.DBTX, id string) (scimUser, error) {
	uid, ok := parseUserID(id)
	if !ok {
		return scimUser{}, notFound("User")
	}
	u, err := db.QueryOne[scimUser](ctx, q, selectUsers+` AND u.id = $1`, uid)
	if errors.Is(err, db.ErrNotFound) {
		return scimUser{}, notFound("User")
	}
	return u, err
}

// lockUser is findUser holding both rows until the transaction ends.
func lockUser(ctx context.Context, tx pgx.Tx, id int64) (scimUser, error) {
	u, err := db.QueryOne[scimUser](ctx, tx, selectUsers+` AND u.id = $1 FOR UPDATE OF u, s`, id)
	if errors.Is(err, db.ErrNotFound) {
		return scimUser{}, notFound("User")
	}
	return u, err
}

// groupsOfUsers is each user's SCIM groups, by name.
func (h *Handler) groupsOfUsers(ctx context.Context, q db.DBTX, ids []int64) (map[int64][]ref, error) {
	rows, err := q.Query(ctx, `SELECT m.user_id, g.id::text AS group_id, g.display_name
		FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id
		WHERE m.user_id = ANY($1) ORDER BY lower(g.display_name), g.id`, ids)
	if err != nil {
		return nil, err
	}
	type membership struct {
		UserID      int64  `db:"user_id"`
		GroupID     string `db:"group_id"`
		DisplayName string `db:"display_name"`
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[membership])
	if err != nil {
		return nil, err
	}
	out := map[int64][]ref{}
	for _, m := range list {
		out[m.UserID] = append(out[m.UserID], ref{Value: m.GroupID, Display: m.DisplayName, Ref: h.location("Groups", m.GroupID)})
	}
	return out, nil
}

func (h *Handler) readUser(ctx context.Context, q db.DBTX, id int64) (userResource, error) {
	u, err := findUser(ctx, q, strconv.FormatInt(id, 10))
	if err != nil {
		return userResource{}, err
	}
	groups, err := h.groupsOfUsers(ctx, q, []int64{id})
	if err != nil {
		return userResource{}, err
	}
	return h.userResource(u, groups[id]), nil
}

func (h *Handler) getUser(r *request) (reply, error) {
	u, err := findUser(r.Context(), h.pool, r.id)
	if err != nil {
		return reply{}, err
	}
	res, err := h.readUser(r.Context(), h.pool, u.ID)
	return reply{status: http.StatusOK, body: res}, err
}

func (h *Handler) listUsers(r *request) (reply, error) {
	ctx := r.Context()
	p, err := pageOf(r)
	if err != nil {
		return reply{}, err
	}
	f, err := parseEquality(r.URL.Query().Get("filter"), "userName", "externalId", "emails.value", "emails", "id")
	if err != nil {
		return reply{}, err
	}
	where, args := "", []any{}
	if f != nil {
		switch f.attr {
		case "username", "emails.value", "emails":
			// The email is stored lower-cased; userName is case-insensitive
			// (RFC 7643 §4.1.1).
			where, args = ` AND u.email = lower($1)`, []any{f.value}
		case "externalid":
			where, args = ` AND s.external_id = $1`, []any{f.value}
		case "id":
			id, _ := parseUserID(f.value) // 0, no user, when not an id
			where, args = ` AND u.id = $1`, []any{id}
		}
	}
	var total int
	if err := h.pool.QueryRow(ctx, `SELECT count(*) FROM (`+selectUsers+where+`) matches`, args...).Scan(&total); err != nil {
		return reply{}, err
	}
	var list []scimUser
	if p.count > 0 {
		n := len(args)
		list, err = db.QueryAll[scimUser](ctx, h.pool, selectUsers+where+fmt.Sprintf(` ORDER BY u.id LIMIT $%d OFFSET $%d`, n+1, n+2),
			append(args, p.count, p.startIndex-1)...)
		if err != nil {
			return reply{}, err
		}
	}
	ids := make([]int64, len(list))
	for i, u := range list {
		ids[i] = u.ID
	}
	groups, err := h.groupsOfUsers(ctx, h.pool, ids)
	if err != nil {
		return reply{}, err
	}
	resources := make([]userResource, len(list))
	for i, u := range list {
		resources[i] = h.userResource(u, groups[u.ID])
	}
	return reply{status: http.StatusOK, body: listResponse(total, p, resources)}, nil
}

// userInput is the body of a POST or PUT of a User.
type userInput struct {
	UserName    string  `json:"userName"`
	ExternalID  *string `json:"externalId"`
	DisplayName string  `json:"displayName"`
	Name        *struct {
		Formatted  string `json:"formatted"`
		GivenName  string `json:"givenName"`
		FamilyName string `json:"familyName"`
	} `json:"name"`
	Emails []struct {
		Value   string          `json:"value"`
		Primary json.RawMessage `json:"primary"`
	} `json:"emails"`
	Active json.RawMessage `json:"active"`
}

// email is the account's email: userName when it is one, else the primary
// (or only) address in emails. Tandem accounts are known by their email.
func (in userInput) email() (string, error) {
	candidates := []string{in.UserName}
	for _, e := range in.Emails {
		if primary, err := boolValue(e.Primary, "primary"); err == nil && primary {
			candidates = append(candidates, e.Value)
		}
	}
	if len(in.Emails) == 1 {
		candidates = append(candidates, in.Emails[0].Value)
	}
	for _, c := range candidates {
		c = strings.ToLower(strings.TrimSpace(c))
		if users.CheckEmail(c) == "" {
			return c, nil
		}
	}
	return "", badRequest("invalidValue", "userName must be an email address like name@example.com (or send one as the primary email).")
}

func (in userInput) givenFamily() (string, string) {
	if in.Name == nil {
		return "", ""
	}
	return strings.TrimSpace(in.Name.GivenName), strings.TrimSpace(in.Name.FamilyName)
}

// displayName is the account's name: displayName, else the name's parts,
// else the email, so an account is never nameless.
func (in userInput) displayName(email string) string {
	if n := strings.TrimSpace(in.DisplayName); n != "" {
		return n
	}
	given, family := in.givenFamily()
	if n := strings.TrimSpace(given + " " + family); n != "" {
		return n
	}
	if in.Name != nil && strings.TrimSpace(in.Name.Formatted) != "" {
		return strings.TrimSpace(in.Name.Formatted)
	}
	return email
}

// active is the requested state; nil when the body does not say.
func (in userInput) active() (*bool, error) {
	if isNull(in.Active) {
		return nil, nil
	}
	b, err := boolValue(in.Active, "active")
	return &b, err
}

// change is the full replacement a POST or PUT asks for.
func (in userInput) change() (userChange, error) {
	email, err := in.email()
	if err != nil {
		return userChange{}, err
	}
	active, err := in.active()
	if err != nil {
		return userChange{}, err
	}
	name := in.displayName(email)
	given, family := in.givenFamily()
	return userChange{
		email: &email, name: &name, setExternalID: true, externalID: nonEmpty(in.ExternalID),
		givenName: &given, familyName: &family, active: active,
	}, nil
}

func nonEmpty(s *string) *string {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	v := strings.TrimSpace(*s)
	return &v
}

// errNoDefault refuses a create when nothing would give the account a
// team and role: clients push a user before the groups it is in.
var errNoDefault = badRequest("invalidValue", "No group rule or default gives this user a team and role: set a default on /admin/sso (SCIM creates users before it pushes their groups)")

func (h *Handler) createUser(r *request) (reply, error) {
	ctx := r.Context()
	var in userInput
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	ch, err := in.change()
	if err != nil {
		return reply{}, err
	}
	var res userResource
	err = db.InTxRetry(ctx, h.pool, func(tx pgx.Tx) error {
		existing, err := users.FindByEmailInTx(ctx, tx, *ch.email)
		switch {
		case err == nil:
			id, err := h.restoreUser(ctx, tx, r, existing, ch)
			if err != nil {
				return err
			}
			res, err = h.readUser(ctx, tx, id)
			return err
		case !errors.Is(err, db.ErrNotFound):
			return err
		}
		acc, err := sso.MapGroups(ctx, tx, nil)
		if errors.Is(err, sso.ErrNoMatch) {
			return errNoDefault
		}
		if err != nil {
			return err
		}
		u, err := users.CreateInTx(ctx, tx, r.actor, users.NewUser{Email: *ch.email, Name: *ch.name, Team: acc.Team, Role: acc.Role}, r.client.how())
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO scim_users (user_id, external_id, given_name, family_name) VALUES ($1, $2, $3, $4)`,
			u.ID, ch.externalID, *ch.givenName, *ch.familyName); err != nil {
			return err
		}
		if ch.active != nil && !*ch.active {
			if _, err := users.SetActiveInTx(ctx, tx, r.actor, u.ID, false, r.client.how()); err != nil {
				return err
			}
		}
		res, err = h.readUser(ctx, tx, u.ID)
		return err
	})
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusCreated, body: res, location: res.Meta.Location}, nil
}

// restoreUser handles a create whose email has an account already. An
// account this client deleted comes back (identity providers delete on
// unassignment and create again on reassignment); any other is refused:
// SCIM never takes over an account it did not make.
func (h *Handler) restoreUser(ctx context.Context, tx pgx.Tx, r *request, existing users.User, ch userChange) (int64, error) {
	var deleted *time.Time
	err := tx.QueryRow(ctx, `SELECT deleted_at FROM scim_users WHERE user_id = $1 FOR UPDATE`, existing.ID).Scan(&deleted)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, &Error{Status: http.StatusConflict, ScimType: "uniqueness",
			Detail: "An account with this email exists in Tandem and was not provisioned through SCIM; SCIM does not take it over."}
	case err != nil:
		return 0, err
	case deleted == nil:
		return 0, &Error{Status: http.StatusConflict, ScimType: "uniqueness", Detail: "A user with this userName exists already."}
	}
	if _, err := tx.Exec(ctx, `UPDATE scim_users SET deleted_at = NULL, updated_at = now() WHERE user_id = $1`, existing.ID); err != nil {
		return 0, err
	}
	if ch.active == nil {
		active := true
		ch.active = &active
	}
	if err := users.RecordAbout(ctx, tx, r.actor, "scim.user_restored", existing.ID, existing.Email, r.client.how()); err != nil {
		return 0, err
	}
	if err := h.applyUser(ctx, tx, r, existing.ID, ch); err != nil {
		return 0, err
	}
	// Its groups went with the deletion: what it gets now is what the
	// rules give its remaining groups, or the default.
	return existing.ID, h.reevaluate(ctx, tx, r, []int64{existing.ID})
}

// userChange is what a write sets; nil fields stay as they are.
type userChange struct {
	email, name           *string
	setExternalID         bool
	externalID            *string
	givenName, familyName *string
	active                *bool
}

// applyUser writes ch to the SCIM-managed account id inside tx.
func (h *Handler) applyUser(ctx context.Context, tx pgx.Tx, r *request, id int64, ch userChange) error {
	cur, err := lockUser(ctx, tx, id)
	if err != nil {
		return err
	}
	next := cur
	var changed []string
	if ch.email != nil {
		next.Email = strings.ToLower(strings.TrimSpace(*ch.email))
		if msg := users.CheckEmail(next.Email); msg != "" {
			return badRequest("invalidValue", "userName: %s", msg)
		}
	}
	if ch.name != nil {
		next.Name = strings.TrimSpace(*ch.name)
		if msg := users.CheckName(next.Name); msg != "" {
			return badRequest("invalidValue", "displayName: %s", msg)
		}
	}
	if ch.setExternalID {
		next.ExternalID = nonEmpty(ch.externalID)
	}
	if ch.givenName != nil {
		next.GivenName = strings.TrimSpace(*ch.givenName)
	}
	if ch.familyName != nil {
		next.FamilyName = strings.TrimSpace(*ch.familyName)
	}
	if next.Email != cur.Email {
		changed = append(changed, fmt.Sprintf("email %s→%s", cur.Email, next.Email))
	}
	if next.Name != cur.Name {
		changed = append(changed, fmt.Sprintf("name %q→%q", cur.Name, next.Name))
	}
	scimChanged := deref(next.ExternalID) != deref(cur.ExternalID) || next.GivenName != cur.GivenName || next.FamilyName != cur.FamilyName
	if scimChanged {
		changed = append(changed, "externalId or name parts")
		if _, err := tx.Exec(ctx, `UPDATE scim_users SET external_id = $2, given_name = $3, family_name = $4, updated_at = now()
			WHERE user_id = $1`, id, next.ExternalID, next.GivenName, next.FamilyName); err != nil {
			return err
		}
	}
	if len(changed) > 0 {
		if _, err := users.UpdateIdentityInTx(ctx, tx, r.actor, id, next.Email, next.Name,
			strings.Join(changed, ", ")+" "+r.client.how()); err != nil {
			return err
		}
	}
	if ch.active != nil && *ch.active != cur.Active {
		if _, err := users.SetActiveInTx(ctx, tx, r.actor, id, *ch.active, r.client.how()); err != nil {
			return err
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (h *Handler) replaceUser(r *request) (reply, error) {
	ctx := r.Context()
	uid, ok := parseUserID(r.id)
	if !ok {
		return reply{}, notFound("User")
	}
	var in userInput
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	ch, err := in.change()
	if err != nil {
		return reply{}, err
	}
	var res userResource
	err = db.InTxRetry(ctx, h.pool, func(tx pgx.Tx) error {
		if err := h.applyUser(ctx, tx, r, uid, ch); err != nil {
			return err
		}
		res, err = h.readUser(ctx, tx, uid)
		return err
	})
	return reply{status: http.StatusOK, body: res}, err
}

func (h *Handler) patchUser(r *request) (reply, error) {
	ctx := r.Context()
	uid, ok := parseUserID(r.id)
	if !ok {
		return reply{}, notFound("User")
	}
	ops, err := readPatch(r)
	if err != nil {
		return reply{}, err
	}
	var ch userChange
	for i, op := range ops {
		if err := ch.patch(i, op); err != nil {
			return reply{}, err
		}
	}
	var res userResource
	err = db.InTxRetry(ctx, h.pool, func(tx pgx.Tx) error {
		if err := h.applyUser(ctx, tx, r, uid, ch); err != nil {
			return err
		}
		res, err = h.readUser(ctx, tx, uid)
		return err
	})
	return reply{status: http.StatusOK, body: res}, err
}

// patch folds one PATCH operation into ch. add on these single-valued
// attributes is a replace (RFC 7644 §3.5.2.1).
func (ch *userChange) patch(i int, op patchOp) error {
	if op.Path == "" {
		if op.Op == "remove" {
			return badRequest("noTarget", "%s: remove needs a path.", describeOp(i, op))
		}
		values, err := valueObject(op.Value)
		if err != nil {
			return err
		}
		for attr, v := range values {
			switch attr {
			case "schemas", "id", "meta":
				continue // read-only; clients echo them back
			}
			if err := ch.set(i, op, attr, v); err != nil {
				return err
			}
		}
		return nil
	}
	attr := strings.ToLower(op.Path)
	if op.Op == "remove" {
		empty := ""
		switch {
		case attr == "externalid":
			ch.setExternalID, ch.externalID = true, nil
		case attr == "name.givenname":
			ch.givenName = &empty
		case attr == "name.familyname":
			ch.familyName = &empty
		case ignored(attr):
		default:
			return badRequest("invalidValue", "%s: %s cannot be removed.", describeOp(i, op), op.Path)
		}
		return nil
	}
	return ch.set(i, op, attr, op.Value)
}

// set applies a new value of one attribute (lower-cased path).
func (ch *userChange) set(i int, op patchOp, attr string, raw json.RawMessage) error {
	where := describeOp(i, op)
	text := func() (*string, error) {
		s, err := stringValue(raw, attr)
		if err != nil {
			return nil, err
		}
		return &s, nil
	}
	var err error
	switch {
	case attr == "active":
		var b bool
		if b, err = boolValue(raw, "active"); err == nil {
			ch.active = &b
		}
	case attr == "username":
		ch.email, err = text()
	case attr == "displayname":
		ch.name, err = text()
	case attr == "externalid":
		var s *string
		if s, err = text(); err == nil {
			ch.setExternalID, ch.externalID = true, s
		}
	case attr == "name.givenname":
		ch.givenName, err = text()
	case attr == "name.familyname":
		ch.familyName, err = text()
	case attr == "name.formatted":
		// Derived from the parts; nothing to keep.
	case attr == "name":
		var parts map[string]json.RawMessage
		if json.Unmarshal(raw, &parts) != nil {
			return badRequest("invalidValue", "%s: name must be an object.", where)
		}
		for k, v := range parts {
			if err := ch.set(i, op, "name."+strings.ToLower(k), v); err != nil {
				return err
			}
		}
	case attr == "emails":
		var in userInput
		if json.Unmarshal([]byte(`{"emails":`+string(raw)+`}`), &in) != nil {
			return badRequest("invalidValue", "%s: emails must be a list of {value, primary}.", where)
		}
		var e string
		if e, err = in.email(); err == nil {
			ch.email = &e
		}
	case strings.HasPrefix(attr, "emails[") && strings.HasSuffix(attr, "].value"):
		// Entra ID's emails[type eq "work"].value: Tandem keeps one email.
		ch.email, err = text()
	case ignored(attr):
	default:
		return badRequest("invalidPath", "%s: Tandem does not support the attribute %q.", where, attr)
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) && !strings.HasPrefix(e.Detail, where) {
			return badRequest(e.ScimType, "%s: %s", where, e.Detail)
		}
	}
	return err
}

// ignoredAttributes are core and enterprise User attributes Tandem does not
// keep. Identity providers send them by default; refusing them would stop
// provisioning for every user, so they are accepted and dropped, as a POST
// drops them.
var ignoredAttributes = []string{
	"nickname", "profileurl", "title", "usertype", "preferredlanguage", "locale", "timezone",
	"phonenumbers", "addresses", "ims", "photos", "entitlements", "roles", "x509certificates",
}

func ignored(attr string) bool {
	if strings.HasPrefix(attr, "urn:ietf:params:scim:schemas:extension:") {
		return true
	}
	base, _, _ := strings.Cut(attr, "[")
	base, _, _ = strings.Cut(base, ".")
	for _, a := range ignoredAttributes {
		if base == a {
			return true
		}
	}
	return false
}

func (h *Handler) deleteUser(r *request) (reply, error) {
	ctx := r.Context()
	uid, ok := parseUserID(r.id)
	if !ok {
		return reply{}, notFound("User")
	}
	err := db.InTxRetry(ctx, h.pool, func(tx pgx.Tx) error {
		u, err := lockUser(ctx, tx, uid)
		if err != nil {
			return err
		}
		// Deactivating ends the sessions and revokes the API tokens; the
		// row and its history stay, SCIM just stops returning it.
		if _, err := users.SetActiveInTx(ctx, tx, r.actor, uid, false, "deleted "+r.client.how()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE scim_users SET deleted_at = now(), updated_at = now() WHERE user_id = $1`, uid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			WITH gone AS (DELETE FROM scim_group_members WHERE user_id = $1 RETURNING group_id)
			UPDATE scim_groups SET updated_at = now(), version = version + 1 WHERE id IN (SELECT group_id FROM gone)`, uid); err != nil {
			return err
		}
		return users.RecordAbout(ctx, tx, r.actor, "scim.user_deleted", uid, u.Email, r.client.how())
	})
	return reply{status: http.StatusNoContent}, err
}
