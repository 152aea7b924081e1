package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/sso"
	"tandem/internal/users"
)

// group is a group a SCIM client pushes. Its display name is what the
// single sign-on group rules match.
type group struct {
	ID          string    `db:"id"`
	DisplayName string    `db:"display_name"`
	ExternalID  *string   `db:"external_id"`
	CreatedAt   time.Time `db:"created_at"`
	UpdatedAt   time.Time `db:"updated_at"`
	Version     int       `db:"version"`
}

const selectGroups = `SELECT id::text AS id, display_name, external_id, created_at, updated_at, version FROM scim_groups`

type groupResource struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id"`
	ExternalID  *string  `json:"externalId,omitempty"`
	DisplayName string   `json:"displayName"`
	Members     *[]ref   `json:"members,omitempty"` // nil when excluded
	Meta        meta     `json:"meta"`
}

func (h *Handler) groupResource(g group, members *[]ref) groupResource {
	return groupResource{
		Schemas:     []string{groupSchema},
		ID:          g.ID,
		ExternalID:  g.ExternalID,
		DisplayName: g.DisplayName,
		Members:     members,
		Meta: meta{
			ResourceType: "Group",
			Created:      timestamp(g.CreatedAt),
			LastModified: timestamp(g.UpdatedAt),
			Location:     h.location("Groups", g.ID),
			Version:      fmt.Sprintf(`W/"%d"`, g.Version),
		},
	}
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// findGroup reads a group; an id that is not a UUID names no group (and
// never reaches PostgreSQL as a cast error).
func findGroup(ctx context.Context, q db.DBTX, id string, lock bool) (group, error) {
	if !uuidPattern.MatchString(id) {
		return group{}, notFound("Group")
	}
	sql := selectGroups + ` WHERE id = $1::uuid`
	if lock {
		sql += ` FOR UPDATE`
	}
	g, err := db.QueryOne[group](ctx, q, sql, id)
	if errors.Is(err, db.ErrNotFound) {
		return group{}, notFound("Group")
	}
	return g, err
}

// membersOf is each group's members, by user id.
func (h *Handler) membersOf(ctx context.Context, q db.DBTX, groupIDs []string) (map[string][]ref, error) {
	rows, err := q.Query(ctx, `SELECT m.group_id::text AS group_id, u.id, u.name
		FROM scim_group_members m JOIN users u ON u.id = m.user_id
		WHERE m.group_id = ANY($1::uuid[]) ORDER BY u.id`, groupIDs)
	if err != nil {
		return nil, err
	}
	type member struct {
		GroupID string `db:"group_id"`
		ID      int64  `db:"id"`
		Name    string `db:"name"`
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[member])
	if err != nil {
		return nil, err
	}
	out := map[string][]ref{}
	for _, m := range list {
		id := strconv.FormatInt(m.ID, 10)
		out[m.GroupID] = append(out[m.GroupID], ref{Value: id, Display: m.Name, Ref: h.location("Users", id)})
	}
	return out, nil
}

func (h *Handler) groupResources(ctx context.Context, q db.DBTX, groups []group, withMembers bool) ([]groupResource, error) {
	members := map[string][]ref{}
	if withMembers && len(groups) > 0 {
		ids := make([]string, len(groups))
		for i, g := range groups {
			ids[i] = g.ID
		}
		var err error
		if members, err = h.membersOf(ctx, q, ids); err != nil {
			return nil, err
		}
	}
	out := make([]groupResource, len(groups))
	for i, g := range groups {
		var list *[]ref
		if withMembers {
			m := members[g.ID]
			if m == nil {
				m = []ref{}
			}
			list = &m
		}
		out[i] = h.groupResource(g, list)
	}
	return out, nil
}

func (h *Handler) readGroup(ctx context.Context, q db.DBTX, id string) (groupResource, error) {
	g, err := findGroup(ctx, q, id, false)
	if err != nil {
		return groupResource{}, err
	}
	res, err := h.groupResources(ctx, q, []group{g}, true)
	if err != nil {
		return groupResource{}, err
	}
	return res[0], nil
}

// withMembers is false when the client asks to leave members out, as
// Entra ID does when it only checks that a group exists.
func withMembers(r *request) bool {
	for _, a := range strings.Split(r.URL.Query().Get("excludedAttributes"), ",") {
		if strings.EqualFold(strings.TrimSpace(a), "members") {
			return false
		}
	}
	return true
}

func (h *Handler) getGroup(r *request) (reply, error) {
	g, err := findGroup(r.Context(), h.pool, r.id, false)
	if err != nil {
		return reply{}, err
	}
	res, err := h.groupResources(r.Context(), h.pool, []group{g}, withMembers(r))
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: res[0]}, nil
}

func (h *Handler) listGroups(r *request) (reply, error) {
	ctx := r.Context()
	p, err := pageOf(r)
	if err != nil {
		return reply{}, err
	}
	f, err := parseEquality(r.URL.Query().Get("filter"), "displayName", "externalId", "id")
	if err != nil {
		return reply{}, err
	}
	where, args := "", []any{}
	if f != nil {
		switch f.attr {
		case "displayname":
			where, args = ` WHERE lower(display_name) = lower($1)`, []any{f.value}
		case "externalid":
			where, args = ` WHERE external_id = $1`, []any{f.value}
		case "id":
			if !uuidPattern.MatchString(f.value) {
				where = ` WHERE false`
			} else {
				where, args = ` WHERE id = $1::uuid`, []any{f.value}
			}
		}
	}
	var total int
	if err := h.pool.QueryRow(ctx, `SELECT count(*) FROM scim_groups`+where, args...).Scan(&total); err != nil {
		return reply{}, err
	}
	var list []group
	if p.count > 0 {
		n := len(args)
		list, err = db.QueryAll[group](ctx, h.pool, selectGroups+where+fmt.Sprintf(` ORDER BY created_at, id LIMIT $%d OFFSET $%d`, n+1, n+2),
			append(args, p.count, p.startIndex-1)...)
		if err != nil {
			return reply{}, err
		}
	}
	resources, err := h.groupResources(ctx, h.pool, list, withMembers(r))
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: listResponse(total, p, resources)}, nil
}

// groupInput is the body of a POST or PUT of a Group.
type groupInput struct {
	DisplayName string  `json:"displayName"`
	ExternalID  *string `json:"externalId"`
	Members     []struct {
		Value json.RawMessage `json:"value"`
	} `json:"members"`
}

func (in groupInput) memberValues() ([]string, error) {
	values := make([]string, 0, len(in.Members))
	for _, m := range in.Members {
		v, err := idValue(m.Value)
		if err != nil {
			return nil, err
		}
		values = append(values, v)
	}
	return values, nil
}

func checkDisplayName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", badRequest("invalidValue", "A group needs a displayName.")
	case utf8.RuneCountInString(name) > sso.MaxGroupName:
		return "", badRequest("invalidValue", "Keep the displayName under %d characters.", sso.MaxGroupName)
	}
	return name, nil
}

var errGroupNameTaken = &Error{Status: http.StatusConflict, ScimType: "uniqueness", Detail: "A group with this displayName exists already."}

// resolveMembers turns member values into user ids: each must be a
// SCIM-managed account that is not deleted, so a client cannot pull an
// account it does not manage into a group (and so into a role).
func resolveMembers(ctx context.Context, q db.DBTX, values []string) ([]int64, error) {
	ids := make([]int64, 0, len(values))
	for _, v := range values {
		id, ok := parseUserID(v)
		if !ok {
			return nil, badRequest("invalidValue", "Member %q is not a user id.", v)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rows, err := q.Query(ctx, `SELECT user_id FROM scim_users WHERE user_id = ANY($1) AND deleted_at IS NULL`, ids)
	if err != nil {
		return nil, err
	}
	known, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !slices.Contains(known, id) {
			return nil, badRequest("invalidValue", "Member %d is not a user provisioned through SCIM.", id)
		}
	}
	return ids, nil
}

func currentMembers(ctx context.Context, q db.DBTX, groupID string) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT user_id FROM scim_group_members WHERE group_id = $1::uuid ORDER BY user_id`, groupID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// setMembers makes the group's members exactly want (sorted, unique) and
// returns who joined or left.
func setMembers(ctx context.Context, tx pgx.Tx, groupID string, want []int64) ([]int64, error) {
	have, err := currentMembers(ctx, tx, groupID)
	if err != nil {
		return nil, err
	}
	var joined, left []int64
	for _, id := range want {
		if !slices.Contains(have, id) {
			joined = append(joined, id)
		}
	}
	for _, id := range have {
		if !slices.Contains(want, id) {
			left = append(left, id)
		}
	}
	if len(left) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM scim_group_members WHERE group_id = $1::uuid AND user_id = ANY($2)`, groupID, left); err != nil {
			return nil, err
		}
	}
	if len(joined) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO scim_group_members (group_id, user_id) SELECT $1::uuid, unnest($2::bigint[])
			ON CONFLICT DO NOTHING`, groupID, joined); err != nil {
			return nil, err
		}
	}
	return append(joined, left...), nil
}

// reevaluate gives each user the team and role their groups now map to,
// in the transaction that changed the groups. Without a matching rule or
// default the account stays as it is; the last active admin keeps the
// role, and the log says so.
func (h *Handler) reevaluate(ctx context.Context, tx pgx.Tx, r *request, ids []int64) error {
	ids = slices.Clone(ids)
	slices.Sort(ids) // one lock order for concurrent requests
	for _, id := range slices.Compact(ids) {
		groups, err := sso.GroupsOf(ctx, tx, id)
		if err != nil {
			return err
		}
		acc, err := sso.MapGroups(ctx, tx, groups)
		if errors.Is(err, sso.ErrNoMatch) {
			continue
		}
		if err != nil {
			return err
		}
		_, err = users.SyncAccess(ctx, tx, r.actor, id, acc.Team, acc.Role, acc.Why+" "+r.client.how())
		if errors.Is(err, users.ErrLastAdmin) {
			u, err := users.LockInTx(ctx, tx, id)
			if err != nil {
				return err
			}
			if err := users.RecordAbout(ctx, tx, r.actor, "scim.demotion_kept", id, u.Email,
				fmt.Sprintf("the SCIM groups give %s/%s, but this is the last active admin", acc.Team, acc.Role)); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (h *Handler) createGroup(r *request) (reply, error) {
	ctx := r.Context()
	var in groupInput
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	name, err := checkDisplayName(in.DisplayName)
	if err != nil {
		return reply{}, err
	}
	values, err := in.memberValues()
	if err != nil {
		return reply{}, err
	}
	var res groupResource
	err = db.InTxRetry(ctx, h.pool, func(tx pgx.Tx) error {
		members, err := resolveMembers(ctx, tx, values)
		if err != nil {
			return err
		}
		var id string
		err = tx.QueryRow(ctx, `INSERT INTO scim_groups (display_name, external_id) VALUES ($1, $2) RETURNING id::text`,
			name, nonEmpty(in.ExternalID)).Scan(&id)
		if db.IsUniqueViolation(err, "scim_groups_display_name_key") {
			return errGroupNameTaken
		}
		if err != nil {
			return err
		}
		if _, err := setMembers(ctx, tx, id, members); err != nil {
			return err
		}
		if err := users.Record(ctx, tx, r.actor, "scim.group_created",
			fmt.Sprintf("group %q with %d members %s", name, len(members), r.client.how())); err != nil {
			return err
		}
		if err := h.reevaluate(ctx, tx, r, members); err != nil {
			return err
		}
		res, err = h.readGroup(ctx, tx, id)
		return err
	})
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusCreated, body: res, location: res.Meta.Location}, nil
}

// groupChange is the state a PUT or PATCH leaves a group in.
type groupChange struct {
	displayName string
	externalID  *string
	members     []int64 // sorted, unique
}

// applyGroup writes next over the locked group cur and re-evaluates
// everyone whose groups changed: the members who joined or left, and all
// of them when the name (what the rules match) changed.
func (h *Handler) applyGroup(ctx context.Context, tx pgx.Tx, r *request, cur group, next groupChange) error {
	before, err := currentMembers(ctx, tx, cur.ID)
	if err != nil {
		return err
	}
	renamed := next.displayName != cur.DisplayName
	if renamed || deref(next.externalID) != deref(cur.ExternalID) {
		_, err := tx.Exec(ctx, `UPDATE scim_groups SET display_name = $2, external_id = $3 WHERE id = $1::uuid`,
			cur.ID, next.displayName, next.externalID)
		if db.IsUniqueViolation(err, "scim_groups_display_name_key") {
			return errGroupNameTaken
		}
		if err != nil {
			return err
		}
	}
	moved, err := setMembers(ctx, tx, cur.ID, next.members)
	if err != nil {
		return err
	}
	if !renamed && len(moved) == 0 && deref(next.externalID) == deref(cur.ExternalID) {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE scim_groups SET updated_at = now(), version = version + 1 WHERE id = $1::uuid`, cur.ID); err != nil {
		return err
	}
	detail := fmt.Sprintf("group %q: %d members joined or left", cur.DisplayName, len(moved))
	if renamed {
		detail = fmt.Sprintf("group %q renamed %q, %d members joined or left", cur.DisplayName, next.displayName, len(moved))
	}
	if err := users.Record(ctx, tx, r.actor, "scim.group_changed", detail+" "+r.client.how()); err != nil {
		return err
	}
	affected := moved
	if renamed {
		affected = append(append(affected, before...), next.members...)
	}
	return h.reevaluate(ctx, tx, r, affected)
}

func (h *Handler) replaceGroup(r *request) (reply, error) {
	ctx := r.Context()
	var in groupInput
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	name, err := checkDisplayName(in.DisplayName)
	if err != nil {
		return reply{}, err
	}
	values, err := in.memberValues()
	if err != nil {
		return reply{}, err
	}
	var res groupResource
	err = db.InTxRetry(ctx, h.pool, func(tx pgx.Tx) error {
		cur, err := findGroup(ctx, tx, r.id, true)
		if err != nil {
			return err
		}
		members, err := resolveMembers(ctx, tx, values)
		if err != nil {
			return err
		}
		if err := h.applyGroup(ctx, tx, r, cur, groupChange{displayName: name, externalID: nonEmpty(in.ExternalID), members: members}); err != nil {
			return err
		}
		res, err = h.readGroup(ctx, tx, cur.ID)
		return err
	})
	return reply{status: http.StatusOK, body: res}, err
}

func (h *Handler) patchGroup(r *request) (reply, error) {
	ctx := r.Context()
	ops, err := readPatch(r)
	if err != nil {
		return reply{}, err
	}
	var res groupResource
	err = db.InTxRetry(ctx, h.pool, func(tx pgx.Tx) error {
		cur, err := findGroup(ctx, tx, r.id, true)
		if err != nil {
			return err
		}
		members, err := currentMembers(ctx, tx, cur.ID)
		if err != nil {
			return err
		}
		next := groupChange{displayName: cur.DisplayName, externalID: cur.ExternalID, members: members}
		for i, op := range ops {
			if err := next.patch(ctx, tx, i, op); err != nil {
				return err
			}
		}
		slices.Sort(next.members)
		next.members = slices.Compact(next.members)
		if err := h.applyGroup(ctx, tx, r, cur, next); err != nil {
			return err
		}
		if !withMembers(r) {
			g, err := findGroup(ctx, tx, cur.ID, false)
			res = h.groupResource(g, nil)
			return err
		}
		res, err = h.readGroup(ctx, tx, cur.ID)
		return err
	})
	return reply{status: http.StatusOK, body: res}, err
}

// patch folds one PATCH operation into the group's next state.
func (next *groupChange) patch(ctx context.Context, tx pgx.Tx, i int, op patchOp) error {
	where := describeOp(i, op)
	if op.Path == "" {
		if op.Op == "remove" {
			return badRequest("noTarget", "%s: remove needs a path.", where)
		}
		values, err := valueObject(op.Value)
		if err != nil {
			return err
		}
		for attr, v := range values {
			switch attr {
			case "schemas", "id", "meta":
				continue // read-only; Okta echoes the id back
			}
			if err := next.patch(ctx, tx, i, patchOp{Op: op.Op, Path: attr, Value: v}); err != nil {
				return err
			}
		}
		return nil
	}
	attr := strings.ToLower(op.Path)
	switch attr {
	case "displayname":
		if op.Op == "remove" {
			return badRequest("invalidValue", "%s: a group needs a displayName.", where)
		}
		s, err := stringValue(op.Value, "displayName")
		if err != nil {
			return err
		}
		if next.displayName, err = checkDisplayName(s); err != nil {
			return err
		}
		return nil
	case "externalid":
		if op.Op == "remove" {
			next.externalID = nil
			return nil
		}
		s, err := stringValue(op.Value, "externalId")
		next.externalID = nonEmpty(&s)
		return err
	}
	value, all, ok := memberPath(op.Path)
	if !ok {
		return badRequest("invalidPath", "%s: Tandem supports displayName, externalId, members and members[value eq \"id\"].", where)
	}
	switch {
	case op.Op == "remove" && !all:
		next.members = without(next.members, []string{value})
	case op.Op == "remove" && isNull(op.Value):
		next.members = nil
	case op.Op == "remove":
		// Entra ID names the members to remove in the value.
		values, err := memberValues(op.Value)
		if err != nil {
			return err
		}
		next.members = without(next.members, values)
	case !all:
		return badRequest("invalidPath", "%s: add and replace members through the path \"members\".", where)
	default:
		values, err := memberValues(op.Value)
		if err != nil {
			return err
		}
		ids, err := resolveMembers(ctx, tx, values)
		if err != nil {
			return err
		}
		if op.Op == "replace" {
			next.members = nil
		}
		next.members = append(next.members, ids...)
	}
	return nil
}

// without drops the members with the given values; values that name no
// member are nothing to remove.
func without(members []int64, values []string) []int64 {
	return slices.DeleteFunc(slices.Clone(members), func(id int64) bool {
		return slices.Contains(values, strconv.FormatInt(id, 10))
	})
}

func (h *Handler) deleteGroup(r *request) (reply, error) {
	ctx := r.Context()
	err := db.InTxRetry(ctx, h.pool, func(tx pgx.Tx) error {
		g, err := findGroup(ctx, tx, r.id, true)
		if err != nil {
			return err
		}
		members, err := currentMembers(ctx, tx, g.ID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM scim_groups WHERE id = $1::uuid`, g.ID); err != nil {
			return err
		}
		if err := users.Record(ctx, tx, r.actor, "scim.group_deleted",
			fmt.Sprintf("group %q with %d members %s", g.DisplayName, len(members), r.client.how())); err != nil {
			return err
		}
		return h.reevaluate(ctx, tx, r, members)
	})
	return reply{status: http.StatusNoContent}, err
}
