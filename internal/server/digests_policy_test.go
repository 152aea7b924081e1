package server

var digestAccess = map[string]string{
	"GET /digests":               "signed in",
	"GET /digests/unsubscribe":   "anyone",
	"POST /digests/unsubscribe":  "anyone",
	"GET /digests/{week}":        "signed in",
	"POST /digests/{week}/note":  "managers and admins",
	"POST /digests/{week}/send":  "managers and admins",
	"POST /digests/{week}/test":  "managers and admins",
	"POST /digests/{week}/retry": "admins",
	"POST /account/digest":       "signed in",
}
