package server

import "net/http"

// confirmed reports whether a post carries confirm=yes, the field of a
// confirm step's button. Announce, deactivate, merge and rotating an intake secret require it: a post
// without it (a page cached from before the confirm step, a crafted or
// scripted request) changes nothing and is answered with the confirm page,
// 200 since nothing was refused, so nothing hard to undo happens on one
// click.
func confirmed(r *http.Request) bool { return r.PostFormValue("confirm") == "yes" }
