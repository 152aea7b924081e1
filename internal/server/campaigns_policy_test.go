package server

var campaignAccess = map[string]string{
	"GET /campaigns":                "signed in",
	"GET /campaigns/new":            "marketing, admins",
	"POST /campaigns":               "marketing, admins",
	"GET /campaigns/calendar":       "signed in",
	"GET /campaigns/{id}":           "signed in",
	"GET /campaigns/{id}/edit":      "marketing, admins",
	"POST /campaigns/{id}":          "marketing, admins",
	"GET /campaigns/{id}/announce":  "marketing, admins",
	"POST /campaigns/{id}/announce": "marketing, admins",
	"POST /campaigns/{id}/ack":      "sales, service, admins",
	"POST /campaigns/{id}/comments": "signed in",
	"GET /alerts":                   "signed in",
	"GET /alerts/new":               "service, managers, admins",
	"POST /alerts":                  "service, managers, admins",
	"GET /alerts/{id}":              "signed in",
	"POST /alerts/{id}/ack":         "signed in",
}
