package server

import (
	"context"
	"errors"
	"net/http"

	"tandem/internal/db"
	"tandem/internal/feedback"
	"tandem/internal/leads"
	"tandem/internal/webhooks"
	intakepages "tandem/web/pages/intake"
	leadpages "tandem/web/pages/leads"
)

// formTokenField is the hidden field of every create form: a random token
// issued when the form renders. The domain records it with what it creates,
// in the same transaction, so a second post of the same form (a double
// click, a retry after a timeout, Back and send again) creates nothing and
// lands on the first result.
const formTokenField = "form_token"

// newFormToken is the token a create form renders with. A form shown again
// after a refusal keeps the posted one: nothing was created with it yet.
func newFormToken(r *http.Request) string {
	if t := r.PostFormValue(formTokenField); t != "" && r.Method == http.MethodPost {
		return t
	}
	return randomToken()
}

// withFormToken attaches the posted form token to the request's context,
// for the domain's create (db.RecordCreated) to record.
func withFormToken(r *http.Request) context.Context {
	t := db.FormToken{Token: r.PostFormValue(formTokenField)}
	if u := currentUser(r); u != nil {
		t.UserID = u.ID
	}
	return db.WithFormToken(r.Context(), t)
}

// resultPath is the page that shows what a create form made.
func resultPath(kind string, id int64) string {
	switch kind {
	case "lead", "touch", "lead_comment":
		return leads.Link(id)
	case "lead_import":
		return importPath(id)
	case "campaign", "campaign_comment":
		return campaignPath(id)
	case "intake_source":
		return intakepages.Path(id)
	case "alert":
		return alertPath(id)
	case "feedback", "feedback_comment", "feedback_response":
		return feedback.Link(id)
	case "user":
		return userDetailPath(id)
	case "theme":
		return "/admin/themes"
	case "target":
		return "/kpis/targets"
	case "api_token":
		return "/account/tokens"
	case "scim_token":
		return "/admin/sso"
	case "routing_rule":
		return leadpages.RoutingPath
	case "webhook_endpoint":
		return webhooks.EndpointPath(id)
	}
	return "/"
}

// errResubmitted answers a token another person already used (a form page
// shared or copied): nothing is created, and their result is not shown.
var errResubmitted = &httpError{http.StatusConflict, "Already submitted",
	"This form was already submitted. Open the form again to create something new."}

// firstResult answers a create whose form token was used before: 303 to
// what the first post made, with an info flash. ok is false when err is
// not about a used token.
func (s *Server) firstResult(w http.ResponseWriter, r *http.Request, err error) (ok bool, _ error) {
	var sub *db.Submitted
	if !errors.As(err, &sub) {
		return false, nil
	}
	if sub.Kind == "" {
		return true, errResubmitted
	}
	s.flash(w, r, "info", "This was already submitted; here it is.")
	return true, redirect(w, r, resultPath(sub.Kind, sub.ID))
}

// usedFormToken checks the posted token before any work: a form sent twice
// goes straight to the first result. ok is true when it answered.
func (s *Server) usedFormToken(w http.ResponseWriter, r *http.Request, ctx context.Context) (ok bool, _ error) {
	first, err := db.FindFormToken(ctx, s.pool, db.FormTokenOf(ctx))
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	return s.firstResult(w, r, first)
}
