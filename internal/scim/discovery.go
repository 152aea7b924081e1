package scim

import (
	"net/http"
)

// The discovery endpoints (RFC 7644 §4) describe what this server does, so
// a client that reads them does not try bulk, sorting or ETags.

func (h *Handler) serviceProviderConfig(*request) (reply, error) {
	unsupported := map[string]bool{"supported": false}
	return reply{status: http.StatusOK, body: map[string]any{
		"schemas":          []string{spConfigSchema},
		"documentationUri": h.baseURL + "/admin/sso",
		"patch":            map[string]bool{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": maxCount},
		"changePassword":   unsupported,
		"sort":             unsupported,
		"etag":             unsupported,
		"authenticationSchemes": []map[string]any{{
			"type":        "oauthbearertoken",
			"name":        "OAuth Bearer Token",
			"description": "A SCIM token an admin creates on /admin/sso, sent as Authorization: Bearer.",
			"primary":     true,
		}},
		"meta": map[string]string{"resourceType": "ServiceProviderConfig", "location": h.location("ServiceProviderConfig")},
	}}, nil
}

func (h *Handler) resourceTypeOf(name string) map[string]any {
	schema, endpoint := userSchema, "/Users"
	if name == "Group" {
		schema, endpoint = groupSchema, "/Groups"
	}
	return map[string]any{
		"schemas":  []string{resTypeSchema},
		"id":       name,
		"name":     name,
		"endpoint": endpoint,
		"schema":   schema,
		"meta":     map[string]string{"resourceType": "ResourceType", "location": h.location("ResourceTypes", name)},
	}
}

func (h *Handler) resourceTypes(*request) (reply, error) {
	all := []map[string]any{h.resourceTypeOf("User"), h.resourceTypeOf("Group")}
	return reply{status: http.StatusOK, body: listResponse(len(all), page{startIndex: 1}, all)}, nil
}

func (h *Handler) resourceType(r *request) (reply, error) {
	if r.id != "User" && r.id != "Group" {
		return reply{}, notFound("Resource type")
	}
	return reply{status: http.StatusOK, body: h.resourceTypeOf(r.id)}, nil
}

// attr describes one attribute in a schema (RFC 7643 §7), with the
// defaults most attributes share.
func attr(name, typ, mutability string, sub ...map[string]any) map[string]any {
	a := map[string]any{
		"name": name, "type": typ, "multiValued": false, "required": false,
		"caseExact": false, "mutability": mutability, "returned": "default", "uniqueness": "none",
	}
	if len(sub) > 0 {
		a["subAttributes"] = sub
	}
	return a
}

func multi(a map[string]any) map[string]any {
	a["multiValued"] = true
	return a
}

func (h *Handler) schemaOf(id string) map[string]any {
	var name string
	var attrs []map[string]any
	switch id {
	case userSchema:
		userName := attr("userName", "string", "readWrite")
		userName["required"], userName["uniqueness"] = true, "server"
		name = "User"
		attrs = []map[string]any{
			userName,
			attr("externalId", "string", "readWrite"),
			attr("name", "complex", "readWrite",
				attr("formatted", "string", "readOnly"), attr("givenName", "string", "readWrite"), attr("familyName", "string", "readWrite")),
			attr("displayName", "string", "readWrite"),
			multi(attr("emails", "complex", "readWrite",
				attr("value", "string", "readWrite"), attr("type", "string", "readWrite"), attr("primary", "boolean", "readWrite"))),
			attr("active", "boolean", "readWrite"),
			multi(attr("groups", "complex", "readOnly",
				attr("value", "string", "readOnly"), attr("display", "string", "readOnly"), attr("$ref", "reference", "readOnly"))),
		}
	case groupSchema:
		displayName := attr("displayName", "string", "readWrite")
		displayName["required"], displayName["uniqueness"] = true, "server"
		name = "Group"
		attrs = []map[string]any{
			displayName,
			attr("externalId", "string", "readWrite"),
			multi(attr("members", "complex", "readWrite",
				attr("value", "string", "immutable"), attr("display", "string", "readOnly"), attr("$ref", "reference", "immutable"))),
		}
	default:
		return nil
	}
	return map[string]any{
		"schemas":    []string{schemaSchema},
		"id":         id,
		"name":       name,
		"attributes": attrs,
		"meta":       map[string]string{"resourceType": "Schema", "location": h.location("Schemas", id)},
	}
}

func (h *Handler) schemas(*request) (reply, error) {
	all := []map[string]any{h.schemaOf(userSchema), h.schemaOf(groupSchema)}
	return reply{status: http.StatusOK, body: listResponse(len(all), page{startIndex: 1}, all)}, nil
}

func (h *Handler) schema(r *request) (reply, error) {
	s := h.schemaOf(r.id)
	if s == nil {
		return reply{}, notFound("Schema")
	}
	return reply{status: http.StatusOK, body: s}, nil
}

// location is the absolute URL of a path below PathPrefix.
func (h *Handler) location(parts ...string) string {
	loc := h.baseURL + PathPrefix
	for _, p := range parts {
		loc += "/" + p
	}
	return loc
}
