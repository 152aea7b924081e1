package server

import (
	"net/http"
	"testing"
)

// follow checks that a post answered 303 See Other and gets the page it
// redirects to, which must answer 200: the result of a successful post is
// a page of its own (post, redirect, get).
func (c *client) follow(t *testing.T, res response) response {
	t.Helper()
	wantStatus(t, res, http.StatusSeeOther)
	next := c.get(res.Header.Get("Location"))
	wantStatus(t, next, http.StatusOK)
	return next
}
