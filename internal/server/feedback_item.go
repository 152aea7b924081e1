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
	v, err := s.feedbackItemView(w, r, it, form, errs)
	if err != nil {
		return err
	}
	return s.render(w, r, status, fbpages.ItemPage(v))
}

// feedbackItemView is the item page's view model, with form's values and
// errs' messages in their fields.
func (s *Server) feedbackItemView(w http.ResponseWriter, r *http.Request, it feedback.Item,
	form fbpages.ItemForm, errs map[string]string) (fbpages.Item, error) {
	ctx := r.Context()
	me := currentUser(r)
	heard, err := s.feedback.HeardBy(ctx, it.ID)
	if err != nil {
		return fbpages.Item{}, err
	}
	events, err := s.feedback.Events(ctx, it.ID)
	if err != nil {
		return fbpages.Item{}, err
	}
	merged, err := s.feedback.MergedFrom(ctx, it.ID)
	if err != nil {
		return fbpages.Item{}, err
	}
	var owners []feedback.Person
	if feedback.CanTriage(*me) {
		if owners, err = s.feedback.Owners(ctx); err != nil {
			return fbpages.Item{}, err
		}
	}
	p := s.page(w, r, fbpages.ItemTitle(it), "feedback")
	v := fbpages.ItemOf(p, it, heard, events, merged, owners, *me, s.feedback.Now()).WithForm(form, errs)
	if v.CanTriage {
		if v.IntoPicks, v.IntoMessage, err = s.feedbackPicks(ctx, it.ID, form.IntoQuery); err != nil {
			return fbpages.Item{}, err
		}
	}
	return v, nil
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

// heardAdded is the message of a +1 that was added.
const heardAdded = "Your +1 is added: marketing sees that more customers say this."

func (s *Server) feedbackHeard(w http.ResponseWriter, r *http.Request) error {
	form := fbpages.ItemForm{Customer: r.PostFormValue("customer"), Note: r.PostFormValue("note")}
	fromList := r.PostFormValue("from") == "list"
	switch {
	case isHTMX(r) && fromList:
		return s.feedbackHeardInList(w, r)
	case isHTMX(r):
		return s.feedbackHeardHTMX(w, r, form)
	case fromList:
		return s.feedbackHeardFromList(w, r)
	}
	return s.feedbackAction(w, r, form, func(it feedback.Item) (string, error) {
		return heardAdded, s.feedback.AddHeard(r.Context(), *currentUser(r), it.ID, form.Customer, form.Note)
	})
}

// feedbackHeardHTMX answers a +1 sent by htmx from the item page with its
// "Heard it too" section again: with the new +1 (200), or with the form's
// messages (422).
func (s *Server) feedbackHeardHTMX(w http.ResponseWriter, r *http.Request, form fbpages.ItemForm) error {
	it, err := s.feedbackFromPath(r)
	if err != nil {
		return err
	}
	status, kind, msg, errs := http.StatusOK, "success", heardAdded, map[string]string(nil)
	if err := s.feedback.AddHeard(r.Context(), *currentUser(r), it.ID, form.Customer, form.Note); err != nil {
		ref, _, ok := refusal.As(err)
		if !ok || ref.Field == "" {
			return err
		}
		errs = refusal.FieldMessages(err)
		status, kind, msg = refusalStatus(ref.Kind), "error", "Not added: "+firstMessage(errs)
	} else if it, err = s.feedbackFromPath(r); err != nil { // with its new count
		return err
	} else {
		form = fbpages.ItemForm{}
	}
	v, err := s.feedbackItemView(w, r, it, form, errs)
	if err != nil {
		return err
	}
	return s.fragment(w, r, status, kind, msg, fbpages.HeardSection(v))
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

// feedbackHeardFromList is a +1 from the list without JavaScript: back to
// the list with the flash; a refusal (already added) on the item page.
func (s *Server) feedbackHeardFromList(w http.ResponseWriter, r *http.Request) error {
	it, err := s.feedbackFromPath(r)
	if err != nil {
		return err
	}
	if err := s.feedback.AddHeard(r.Context(), *currentUser(r), it.ID, "", ""); err != nil {
		return s.refusedOnItem(w, r, it, fbpages.ItemForm{}, err)
	}
	return s.done(w, r, backTo(r, "/feedback"), heardAdded)
}

// feedbackHeardInList answers a +1 sent by htmx from the list with the
// row's "Heard too" cell again: 200 with the new count, 422 with the cell
// as it is and the refusal's message (reported it, added one before).
func (s *Server) feedbackHeardInList(w http.ResponseWriter, r *http.Request) error {
	it, err := s.feedbackFromPath(r)
	if err != nil {
		return err
	}
	me := currentUser(r)
	status, kind, msg := http.StatusOK, "success", heardAdded
	if err := s.feedback.AddHeard(r.Context(), *me, it.ID, "", ""); err != nil {
		if refusal.KindOf(err) != refusal.Invalid {
			return err
		}
		status, kind, msg = http.StatusUnprocessableEntity, "error", "Not added: "+firstMessage(refusal.FieldMessages(err))
	}
	if it, err = s.feedbackFromPath(r); err != nil {
		return err
	}
	mine, err := s.feedback.HeardByUser(r.Context(), me.ID, []int64{it.ID})
	if err != nil {
		return err
	}
	p := s.page(w, r, "Customer feedback", "feedback")
	c := fbpages.CardOf(p, it, s.feedback.Now(), fbpages.ListExcerpt).WithViewer(it.ReporterID == me.ID, mine[it.ID])
	return s.fragment(w, r, status, kind, msg, fbpages.HeardCell(p.CSRF, c))
}
