package server

var kpiAccess = map[string]string{
	"GET /":              "signed in",
	"GET /kpis":          "signed in",
	"GET /kpis/targets":  "signed in",
	"POST /kpis/targets": "managers and admins",
	"GET /kpis/{key}":    "signed in",
	"GET /sla":           "signed in",
}
