package server

var leadAccess = map[string]string{
	"GET /leads":                          "signed in",
	"GET /leads/new":                      "marketing, admins",
	"POST /leads":                         "marketing, admins",
	"GET /leads/queue":                    "sales, admins",
	"GET /leads/rejected":                 "signed in",
	"GET /leads/export.csv":               "marketing, sales, admins",
	"GET /leads/import":                   "marketing, admins",
	"POST /leads/import":                  "marketing, admins",
	"POST /leads/import/{id}":             "marketing, admins",
	"GET /leads/import/{id}/rejected.csv": "marketing, admins",
	"GET /leads/{id}":                     "signed in",
	"GET /leads/{id}/edit":                "marketing, sales, admins",
	"POST /leads/{id}/edit":               "marketing, sales, admins",
	"POST /leads/{id}/move":               "marketing, sales, admins",
	"POST /leads/{id}/touch":              "sales, admins",
	"POST /leads/{id}/assign":             "sales managers, admins",
	"POST /leads/{id}/comments":           "signed in",
}
