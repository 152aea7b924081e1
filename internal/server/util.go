package server

import (
	"net/http"
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

// plural writes "1 minute" / "3 minutes".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// formInt reads an integer form value; ok is false when it is missing or
// malformed.
func formInt(r *http.Request, name string) (int, bool) {
	n, err := strconv.Atoi(r.PostFormValue(name))
	return n, err == nil
}

// pathID reads a positive integer path parameter.
func pathID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}
