package server

var feedbackAccess = map[string]string{
	"GET /feedback":              "signed in",
	"GET /feedback/new":          "signed in",
	"POST /feedback":             "signed in",
	"GET /feedback/board":        "signed in",
	"GET /feedback/themes":       "signed in",
	"GET /feedback/{id}":         "signed in",
	"POST /feedback/{id}/heard":  "signed in",
	"POST /feedback/{id}/status": "marketing, managers, admins",
	"POST /feedback/{id}/owner":  "marketing, managers, admins",
	"POST /feedback/{id}/rating": "signed in", // and only the item's reporter: 403 from the data-level check
	"GET /feedback/{id}/merge":   "marketing, managers, admins",
	"POST /feedback/{id}/merge":  "marketing, managers, admins",
	"GET /search/feedback":       "marketing, managers, admins",
	"GET /admin/themes":          "admins",
	"POST /admin/themes":         "admins",
	"POST /admin/themes/{id}":    "admins",
}
