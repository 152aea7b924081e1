package server

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

// formInt reads an integer form value; ok is false when it is missing or
// malformed.
func formInt(r *http.Request, name string) (int, bool) {
	n, err := strconv.Atoi(r.PostFormValue(name))
	return n, err == nil
}

// errMissingVersion answers a form posted without the version it was
// loaded at: without it a concurrent edit could not be detected.
var errMissingVersion = badRequest("The form is missing its version; reload the page and try again.")

// postedVersion reads the version of the record the form was loaded with.
func postedVersion(r *http.Request) (int, error) {
	v, ok := formInt(r, "version")
	if !ok || v < 0 || v > math.MaxInt32 { // version columns are integer
		return 0, errMissingVersion
	}
	return v, nil
}

// pathID reads a positive integer path parameter.
func pathID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// maxPage bounds page numbers from the query string: OFFSET arithmetic on
// a typed 99999999999999999999 (Atoi's MaxInt) would overflow.
const maxPage = 100_000

// queryPage reads the 1-based page number; anything else is page 1.
func queryPage(q url.Values) int {
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxPage)
}

// queryCursor reads an id cursor ("before"); anything but a positive id
// is the first page.
func queryCursor(q url.Values, key string) int64 {
	n, ok := pathID(q.Get(key))
	if !ok {
		return 0
	}
	return n
}
