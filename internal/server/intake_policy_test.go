package server

var intakeAccess = map[string]string{
	"GET /leads/intake":              "marketing, admins",
	"GET /leads/intake/new":          "marketing managers, admins",
	"POST /leads/intake":             "marketing managers, admins",
	"GET /leads/intake/{id}":         "marketing, admins",
	"GET /leads/intake/{id}/edit":    "marketing managers, admins",
	"POST /leads/intake/{id}":        "marketing managers, admins",
	"GET /leads/intake/{id}/rotate":  "marketing managers, admins",
	"POST /leads/intake/{id}/rotate": "marketing managers, admins",
}
