// Package apidocs renders /api/docs, the API reference, from the OpenAPI
// document: per tag, each operation with its parameters, request body and
// responses. It needs no script and loads nothing from elsewhere.
package apidocs

import (
	"cmp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"tandem/web/components"
)

// Docs is the reference page.
type Docs struct {
	components.Page
	Title       string
	Description string
	Tags        []Tag
	Schemas     []Schema
}

// Tag is one group of operations.
type Tag struct {
	Name        string
	Description string
	Operations  []Operation
	// Webhooks are the deliveries Tandem posts: they share their headers
	// and answers (Delivery), so each kind is one row, not a card.
	Webhooks []Webhook
	Delivery Operation
}

// Webhook is one kind of webhook delivery.
type Webhook struct {
	Type, Summary, Description, Body string
}

// Operation is one method on one path.
type Operation struct {
	ID          string
	Method      string
	Path        string
	Summary     string
	Description string
	Public      bool
	Params      []Param
	Body        string // the request schema's name or shape, "" without a body
	Responses   []Response
}

// Param is one parameter.
type Param struct {
	Name, In, Type, Description string
	Required                    bool
}

// Response is one documented answer.
type Response struct {
	Status, Description, Schema string
}

// Schema is a named schema with its fields.
type Schema struct {
	Name        string
	Description string
	Fields      []Param
}

// Of builds the page from the document.
func Of(p components.Page, doc *openapi3.T) Docs {
	v := Docs{Page: p, Title: doc.Info.Title, Description: doc.Info.Description}
	byTag := map[string]*Tag{}
	for _, t := range doc.Tags {
		v.Tags = append(v.Tags, Tag{Name: t.Name, Description: t.Description})
	}
	for i := range v.Tags {
		byTag[v.Tags[i].Name] = &v.Tags[i]
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			if len(op.Tags) > 0 && byTag[op.Tags[0]] != nil {
				t := byTag[op.Tags[0]]
				t.Operations = append(t.Operations, operationOf(method, path, op))
			}
		}
	}
	// The webhooks are what Tandem posts to the endpoints admins register:
	// one row per event kind under their tag; the headers and answers they
	// share are shown once.
	for name, item := range doc.Webhooks {
		for method, op := range item.Operations() {
			if len(op.Tags) > 0 && byTag[op.Tags[0]] != nil {
				t := byTag[op.Tags[0]]
				o := operationOf(method, name, op)
				t.Webhooks = append(t.Webhooks, Webhook{Type: name, Summary: o.Summary, Description: o.Description, Body: o.Body})
				if len(t.Delivery.Params) == 0 {
					t.Delivery = Operation{ID: "webhook-delivery", Method: method, Params: o.Params, Responses: o.Responses}
				}
			}
		}
	}
	for i := range v.Tags {
		slices.SortFunc(v.Tags[i].Operations, func(a, b Operation) int {
			return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method))
		})
		slices.SortFunc(v.Tags[i].Webhooks, func(a, b Webhook) int { return cmp.Compare(a.Type, b.Type) })
	}
	names := make([]string, 0, len(doc.Components.Schemas))
	for name := range doc.Components.Schemas {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := doc.Components.Schemas[name].Value
		v.Schemas = append(v.Schemas, Schema{Name: name, Description: s.Description, Fields: fieldsOf(s)})
	}
	return v
}

func operationOf(method, path string, op *openapi3.Operation) Operation {
	o := Operation{ID: op.OperationID, Method: method, Path: path, Summary: op.Summary, Description: op.Description,
		Public: op.Security != nil && len(*op.Security) == 0}
	for _, pr := range op.Parameters {
		p := pr.Value
		o.Params = append(o.Params, Param{Name: p.Name, In: p.In, Required: p.Required, Description: p.Description, Type: typeOf(p.Schema)})
	}
	if op.RequestBody != nil {
		for _, mt := range op.RequestBody.Value.Content {
			o.Body = typeOf(mt.Schema)
		}
	}
	for status, rr := range op.Responses.Map() {
		r := Response{Status: status, Description: deref(rr.Value.Description)}
		for _, mt := range rr.Value.Content {
			r.Schema = typeOf(mt.Schema)
		}
		o.Responses = append(o.Responses, r)
	}
	slices.SortFunc(o.Responses, func(a, b Response) int { return cmp.Compare(a.Status, b.Status) })
	return o
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// fieldsOf lists an object schema's properties (through allOf).
func fieldsOf(s *openapi3.Schema) []Param {
	var out []Param
	for _, part := range s.AllOf {
		out = append(out, fieldsOf(part.Value)...)
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		ps := s.Properties[name]
		out = append(out, Param{Name: name, Type: typeOf(ps), Required: slices.Contains(s.Required, name), Description: ps.Value.Description})
	}
	return out
}

// typeOf names a schema: its component's name, or its type with enum values.
func typeOf(ref *openapi3.SchemaRef) string {
	if ref == nil || ref.Value == nil {
		return ""
	}
	if ref.Ref != "" {
		return ref.Ref[strings.LastIndex(ref.Ref, "/")+1:]
	}
	s := ref.Value
	t := "object"
	if s.Type != nil {
		t = strings.Join(s.Type.Slice(), " or ")
	}
	if s.Items != nil {
		t = "array of " + typeOf(s.Items)
	}
	if len(s.Enum) > 0 {
		var vals []string
		for _, e := range s.Enum {
			if str, ok := e.(string); ok {
				vals = append(vals, str)
			}
		}
		t += ": " + strings.Join(vals, ", ")
	}
	if s.Format != "" {
		t += " (" + s.Format + ")"
	}
	return t
}

// Anchor is the fragment id of a schema or an operation.
func Anchor(kind, name string) string { return kind + "-" + strings.ToLower(name) }

// isSchemaName tells a component's name from a described shape.
func isSchemaName(s string) bool {
	return s != "" && !strings.ContainsAny(s, " :(") && s != "object" && s != "string"
}

// problemKinds are the problem types the API answers with.
var problemKinds = [][2]string{
	{"bad-request", "400: the body is not JSON of the documented shape, or the query has unreadable text."},
	{"unauthorized", "401: no token, or one that is unknown, revoked or expired."},
	{"forbidden", "403: the token's user's team and role do not allow this."},
	{"insufficient-scope", "403: the token lacks the scope (read for GET, write otherwise)."},
	{"not-found", "404: no such record or address."},
	{"method-not-allowed", "405: the address does not take that method."},
	{"conflict", "409: the record's state does not allow this now."},
	{"idempotency-key-in-flight", "409: a request with the same Idempotency-Key is still running."},
	{"stale", "412: If-Match is not the record's current version."},
	{"too-large", "413: the body is over 1 MB."},
	{"invalid", "422: refused input; errors lists each field."},
	{"idempotency-key-reused", "422: the Idempotency-Key was used with another body."},
	{"if-match-required", "428: send If-Match with the version you read."},
	{"rate-limited", "429: too many requests this minute; see Retry-After."},
	{"internal", "500: an unexpected error, logged with its reference."},
	{"unavailable", "503: the database is unreachable; see Retry-After."},
}
