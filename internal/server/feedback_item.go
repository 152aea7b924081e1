package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"tandem/internal/feedback"
	"tandem/internal/refusal"
	fbpages "tandem/web/pages/feedback"
)

func (s *Server) feedbackFromPath(r *http.Request) (feedback.Item, error) {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return feedback.Item{}, errNotFound
	}
	return s.feedback.Get(r.Context(), id)
}

// feedbackItem shows one item; a merged item sends the browser to the item
// it was merged into and says so.
func (s *Server) feedbackItem(w http.ResponseWriter, r *http.Request) error {
	it, err := s.feedbackFromPath(r)
	if err != nil {
		return err
	}
	if it.MergedInto != nil {
		s.flash(w, r, "info", fmt.Sprintf("Feedback #%d was merged into #%d: you are looking at #%d, where its +1s now count.",
			it.ID, *it.MergedInto, *it.MergedInto))
		return redirect(w, r, feedback.Link(*it.MergedInto))
	}
	// into_q is the merge picker's search without JavaScript: its Find
	// button sends it here by GET, and the page lists the matches.
	q := r.URL.Query()
	return s.renderFeedbackItem(w, r, http.StatusOK, it, fbpages.ItemForm{IntoQuery: q.Get("into_q"), Into: q.Get("into")}, nil)
}

func (s *Server) renderFeedbackItem(w http.ResponseWriter, r *http.Request, status int, it feedback.Item,
	form fbpages.ItemForm, errs map[string]string) error {
	ctx := r.Context()
	me := currentUser(r)
	heard, err := s.feedback.HeardBy(ctx, it.ID)
	if err != nil {
		return err
	}
	events, err := s.feedback.Events(ctx, it.ID)
	if err != nil {
		return err
	}
	merged, err := s.feedback.MergedFrom(ctx, it.ID)
	if err != nil {
		return err
	}
	var owners []feedback.Person
	if feedback.CanTriage(*me) {
		if owners, err = s.feedback.Owners(ctx); err != nil {
			return err
		}
	}
	p := s.page(w, r, fbpages.ItemTitle(it), "feedback")
	v := fbpages.ItemOf(p, it, heard, events, merged, owners, *me, s.feedback.Now()).WithForm(form, errs)
	if v.CanTriage {
		if v.IntoPicks, v.IntoMessage, err = s.feedbackPicks(ctx, it.ID, form.IntoQuery); err != nil {
			return err
		}
	}
	return s.render(w, r, status, fbpages.ItemPage(v))
}

// feedbackAction loads the item, runs change, and answers: a redirect back
// to the item with a flash, the item page with the form's errors when the
// refusal names a field, or the error page of any other refusal or error.
func (s *Server) feedbackAction(w http.ResponseWriter, r *http.Request, form fbpages.ItemForm,
	change func(it feedback.Item) (string, error)) error {
	it, err := s.feedbackFromPath(r)
	if err != nil {
		return err
	}
	msg, err := change(it)
	if err != nil {
		return s.refusedOnItem(w, r, it, form, err)
	}
	s.flash(w, r, "success", msg)
	return redirect(w, r, feedback.Link(it.ID))
}

// refusedOnItem answers a refused write to it: a refusal of a form field
// comes back on the item page next to the field, with what was typed;
// anything else goes to the error page.
func (s *Server) refusedOnItem(w http.ResponseWriter, r *http.Request, it feedback.Item, form fbpages.ItemForm, err error) error {
	if ref, _, ok := refusal.As(err); ok && ref.Field != "" {
		return s.renderFeedbackItem(w, r, refusalStatus(ref.Kind), it, form, refusal.FieldMessages(err))
	}
	return err
}

func (s *Server) feedbackHeard(w http.ResponseWriter, r *http.Request) error {
	form := fbpages.ItemForm{Customer: r.PostFormValue("customer"), Note: r.PostFormValue("note")}
	return s.feedbackAction(w, r, form, func(it feedback.Item) (string, error) {
		err := s.feedback.AddHeard(r.Context(), *currentUser(r), it.ID, form.Customer, form.Note)
		return "Your +1 is added: marketing sees that more customers say this.", err
	})
}

func (s *Server) feedbackStatus(w http.ResponseWriter, r *http.Request) error {
	form := fbpages.ItemForm{Status: r.PostFormValue("status"), Response: r.PostFormValue("response")}
	return s.feedbackAction(w, r, form, func(it feedback.Item) (string, error) {
		version, err := postedVersion(r)
		if err != nil {
			return "", err
		}
		to := feedback.Status(form.Status)
		err = s.feedback.ChangeStatus(r.Context(), *currentUser(r), it.ID, version, to, form.Response)
		return fmt.Sprintf("Feedback #%d is now %s. The reporter and everyone who heard it too are notified.",
			it.ID, strings.ToLower(to.Label())), err
	})
}

func (s *Server) feedbackOwner(w http.ResponseWriter, r *http.Request) error {
	form := fbpages.ItemForm{Owner: r.PostFormValue("owner")}
	return s.feedbackAction(w, r, form, func(it feedback.Item) (string, error) {
		version, err := postedVersion(r)
		if err != nil {
			return "", err
		}
		owner, err := feedback.ParseOwner(form.Owner)
		if err != nil {
			return "", err
		}
		err = s.feedback.AssignOwner(r.Context(), *currentUser(r), it.ID, version, owner)
		if owner == 0 {
			return fmt.Sprintf("Feedback #%d has no owner now.", it.ID), err
		}
		return fmt.Sprintf("Owner of feedback #%d saved; they are notified.", it.ID), err
	})
}

func (s *Server) feedbackRating(w http.ResponseWriter, r *http.Request) error {
	form := fbpages.ItemForm{Rating: r.PostFormValue("rating")}
	return s.feedbackAction(w, r, form, func(it feedback.Item) (string, error) {
		rating, _ := formInt(r, "rating")
		err := s.feedback.Rate(r.Context(), *currentUser(r), it.ID, rating)
		return fmt.Sprintf("Thanks: you rated the response %d of 5. You can change it any time.", rating), err
	})
}

// feedbackMergeConfirm asks before merging: GET /feedback/{id}/merge?into=N,
// where the merge picker's form sends the chosen item. A refused merge
// (into itself, a missing or merged item) is said instead of the button.
func (s *Server) feedbackMergeConfirm(w http.ResponseWriter, r *http.Request) error {
	it, err := s.feedbackFromPath(r)
	if err != nil {
		return err
	}
	return s.renderMerge(w, r, it, feedback.ParseRef(r.URL.Query().Get("into")), nil)
}

// renderMerge shows the confirm step for merging it into into, with the
// status of what the domain refuses (200 when nothing); refused is a
// refusal of the post itself.
func (s *Server) renderMerge(w http.ResponseWriter, r *http.Request, it feedback.Item, into int64, refused error) error {
	target, err := s.feedback.MergeTarget(r.Context(), *currentUser(r), it, into)
	if refused == nil {
		refused = err
	}
	status, msg := http.StatusOK, ""
	if refused != nil {
		ref, _, ok := refusal.As(refused)
		if !ok {
			return refused
		}
		status, msg, target = refusalStatus(ref.Kind), ref.Message, feedback.Item{} // no button
	}
	v := fbpages.MergeOf(s.page(w, r, fmt.Sprintf("Merge #%d", it.ID), "feedback"), it, target, msg)
	return s.render(w, r, status, fbpages.MergePage(v))
}

// feedbackMerge merges the item into the one chosen, once confirmed (see
// confirmed); refusals come back on the confirm page.
func (s *Server) feedbackMerge(w http.ResponseWriter, r *http.Request) error {
	it, err := s.feedbackFromPath(r)
	if err != nil {
		return err
	}
	into := feedback.ParseRef(r.PostFormValue("into")) // 0 when mistyped: the store says so
	if !confirmed(r) {
		return s.renderMerge(w, r, it, into, nil)
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	if err := s.feedback.Merge(r.Context(), *currentUser(r), it.ID, into, version); err != nil {
		if refusal.KindOf(err) == refusal.Unknown {
			return err // a version conflict: the error page explains
		}
		return s.renderMerge(w, r, it, into, err)
	}
	s.flash(w, r, "success", fmt.Sprintf("Feedback #%d is merged into #%d: its reporter and +1s count here now, each once.", it.ID, into))
	return redirect(w, r, feedback.Link(into))
}
