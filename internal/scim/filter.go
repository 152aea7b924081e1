package scim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// equality is the one kind of filter provisioning clients send to find a
// resource before creating it (RFC 7644 §3.4.2.2): attribute eq "value".
type equality struct {
	attr  string // lower-cased, without the schema URN
	value string
}

var equalityFilter = regexp.MustCompile(`^\s*([A-Za-z][A-Za-z0-9_$.:-]*)\s+(?i:eq)\s+("(?:[^"\\]|\\.)*")\s*$`)

// parseEquality reads filter as an equality on one of the allowed
// attributes (lower-cased); an empty filter is nil. Anything else is an
// invalidFilter error naming what is supported.
func parseEquality(filter string, allowed ...string) (*equality, error) {
	if strings.TrimSpace(filter) == "" {
		return nil, nil
	}
	unsupported := badRequest("invalidFilter", "Only filters of the form %s eq \"value\" are supported.", strings.Join(allowed, "|"))
	m := equalityFilter.FindStringSubmatch(filter)
	if m == nil {
		return nil, unsupported
	}
	var value string
	if err := json.Unmarshal([]byte(m[2]), &value); err != nil || strings.ContainsRune(value, 0) {
		return nil, unsupported
	}
	attr := strings.ToLower(stripSchema(m[1]))
	for _, a := range allowed {
		if strings.ToLower(a) == attr {
			return &equality{attr: attr, value: value}, nil
		}
	}
	return nil, unsupported
}

// stripSchema drops a core schema URN in front of an attribute path
// ("urn:…:core:2.0:User:userName" is "userName").
func stripSchema(path string) string {
	for _, urn := range []string{userSchema, groupSchema} {
		if len(path) > len(urn) && strings.EqualFold(path[:len(urn)+1], urn+":") {
			return path[len(urn)+1:]
		}
	}
	return path
}

// patchRequest is a PATCH body (RFC 7644 §3.5.2).
type patchRequest struct {
	Schemas    []string `json:"schemas"`
	Operations []patchOp
}

type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

func readPatch(r *request) ([]patchOp, error) {
	var p patchRequest
	if err := decode(r, &p); err != nil {
		return nil, err
	}
	if len(p.Schemas) > 0 && !containsFold(p.Schemas, patchOpSchema) {
		return nil, badRequest("invalidSyntax", "A PATCH body has the schema %s.", patchOpSchema)
	}
	if len(p.Operations) == 0 {
		return nil, badRequest("invalidSyntax", "A PATCH body needs at least one operation in Operations.")
	}
	for i := range p.Operations {
		op := &p.Operations[i]
		op.Op = strings.ToLower(op.Op)
		op.Path = stripSchema(strings.TrimSpace(op.Path))
		if op.Op != "add" && op.Op != "replace" && op.Op != "remove" {
			return nil, badRequest("invalidSyntax", "Operation %d: op must be add, replace or remove.", i+1)
		}
		if op.Op != "remove" && len(op.Value) == 0 {
			return nil, badRequest("invalidValue", "Operation %d: %s needs a value.", i+1, op.Op)
		}
	}
	return p.Operations, nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// valueObject reads a path-less operation's value: attribute names
// lower-cased, core schema URNs dropped, so lookups are case-insensitive
// as RFC 7643 §2.1 wants.
func valueObject(raw json.RawMessage) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, badRequest("invalidValue", "An operation without a path needs an object as its value.")
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		if strings.EqualFold(k, userSchema) || strings.EqualFold(k, groupSchema) {
			// An extension-style block of core attributes: fold it in.
			inner, err := valueObject(v)
			if err != nil {
				return nil, err
			}
			for ik, iv := range inner {
				out[ik] = iv
			}
			continue
		}
		out[strings.ToLower(stripSchema(k))] = v
	}
	return out, nil
}

// stringValue reads a string value; JSON null is the empty string.
func stringValue(raw json.RawMessage, attr string) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", badRequest("invalidValue", "%s must be a string.", attr)
	}
	return s, nil
}

// boolValue reads a boolean, also as the strings "true" and "false" in
// any case: Microsoft Entra ID sends {"value": "False"}.
func boolValue(raw json.RawMessage, attr string) (bool, error) {
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, badRequest("invalidValue", "%s must be true or false.", attr)
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || strings.TrimSpace(string(raw)) == "null"
}

// memberFilter matches the path of one member: members[value eq "12"].
var memberFilter = regexp.MustCompile(`^(?i:members)\[\s*(?i:value)\s+(?i:eq)\s+("(?:[^"\\]|\\.)*")\s*\]$`)

// memberPath reads an operation's path on members: all is true for
// "members" itself, else value is the one member the filter names.
func memberPath(path string) (value string, all bool, ok bool) {
	if strings.EqualFold(path, "members") {
		return "", true, true
	}
	m := memberFilter.FindStringSubmatch(path)
	if m == nil {
		return "", false, false
	}
	if err := json.Unmarshal([]byte(m[1]), &value); err != nil {
		return "", false, false
	}
	return value, false, true
}

// memberValues reads a list of members ([{"value": "12"}, …]); a single
// member object is taken as a list of one.
func memberValues(raw json.RawMessage) ([]string, error) {
	type member struct {
		Value json.RawMessage `json:"value"`
	}
	var list []member
	if err := json.Unmarshal(raw, &list); err != nil {
		var one member
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, badRequest("invalidValue", "members must be a list of objects with a value (the user's id).")
		}
		list = []member{one}
	}
	values := make([]string, 0, len(list))
	for _, m := range list {
		v, err := idValue(m.Value)
		if err != nil {
			return nil, err
		}
		values = append(values, v)
	}
	return values, nil
}

// idValue reads a member's value: a string id, or a number from clients
// that send ids as numbers.
func idValue(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil && s != "" {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	return "", badRequest("invalidValue", "Each member needs a value: the id of a user.")
}

func describeOp(i int, op patchOp) string {
	if op.Path == "" {
		return fmt.Sprintf("Operation %d (%s)", i+1, op.Op)
	}
	return fmt.Sprintf("Operation %d (%s %s)", i+1, op.Op, op.Path)
}
