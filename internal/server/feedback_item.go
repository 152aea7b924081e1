package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"tandem/internal/db"
	"tandem/internal/feedback"
	"tandem/web/components"
	fbpages "tandem/web/pages/feedback"
)

// errMerged answers a write to an item that was merged into another one.
func errMerged(it feedback.Item) error {
	if it.MergedInto == nil {
		return badRequest("This item was merged into another one; act on that one instead.")
	}
	return badRequest(fmt.Sprintf("Feedback #%d was merged into #%d; act on #%d instead.", it.ID, *it.MergedInto, *it.MergedInto))
}

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
		s.flash(w, "info", fmt.Sprintf("Feedback #%d was merged into #%d: you are looking at #%d, where its +1s now count.",
			it.ID, *it.MergedInto, *it.MergedInto))
		return redirect(w, r, feedback.Link(*it.MergedInto))
	}
	return s.renderFeedbackItem(w, r, http.StatusOK, it, fbpages.ItemForm{}, nil)
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
	p := s.page(w, r, fmt.Sprintf("Feedback #%d · %s", it.ID, excerpt(it.Customer, 60)), "feedback")
	v := fbpages.Item{
		Page: p, ID: it.ID, Version: it.Version, Customer: it.Customer, Product: it.Product, Theme: it.ThemeName,
		Sentiment: string(it.Sentiment), SentimentLabel: it.Sentiment.Label(),
		LinkLabel: it.ChainLink.Label(), LinkExplain: it.ChainLink.Explain(),
		Words: it.CustomerWords, Note: it.ReporterNote, LeadCompany: it.LeadCompany, CampaignName: it.CampaignName,
		Reporter: it.ReporterName, ReporterTeam: it.ReporterTeam.Label(),
		Logged: p.DateTime(it.CreatedAt), LoggedISO: components.ISO(it.CreatedAt),
		Status: string(it.Status), StatusLabel: it.Status.Label(), Overdue: it.Overdue(s.feedback.Now()),
		Due: p.DateTime(it.AckDueAt), DueISO: components.ISO(it.AckDueAt), Owner: it.OwnerName,
		HasResponse: it.RespondedAt != nil, HeardCount: it.Heard,
		IsReporter: it.ReporterID == me.ID, CanTriage: feedback.CanTriage(*me),
		Form: form, Errors: errs,
	}
	if it.LeadID != nil {
		v.LeadID = *it.LeadID
	}
	if it.CampaignID != nil {
		v.CampaignID = *it.CampaignID
	}
	if it.AcknowledgedAt != nil {
		v.Acknowledged, v.AcknowledgedISO = p.DateTime(*it.AcknowledgedAt), components.ISO(*it.AcknowledgedAt)
	}
	if it.Rating != nil {
		v.Rating = int(*it.Rating)
		v.RatedAt = p.DateTime(*it.RatedAt)
		if v.Form.Rating == "" {
			v.Form.Rating = strconv.Itoa(v.Rating)
		}
	}

	// The distinct customers who said it: this item's first, then the +1s'.
	seen := map[string]bool{}
	addCustomer := func(c string) {
		if key := strings.ToLower(strings.TrimSpace(c)); key != "" && !seen[key] {
			seen[key] = true
			v.Customers = append(v.Customers, c)
		}
	}
	addCustomer(it.Customer)
	for _, h := range heard {
		addCustomer(h.Customer)
		row := fbpages.HeardRow{Name: h.UserName, Team: h.UserTeam.Label(), Customer: h.Customer, Note: h.Note,
			When: p.DateTime(h.CreatedAt), WhenISO: components.ISO(h.CreatedAt)}
		if h.MergedFrom != nil {
			row.MergedFrom = *h.MergedFrom
		}
		v.Heard = append(v.Heard, row)
		if h.UserID == me.ID {
			v.HasHeard = true
		}
	}
	for _, e := range events {
		v.History = append(v.History, historyLine(p, e))
	}
	for _, m := range merged {
		v.Merged = append(v.Merged, fbpages.MergedRow{ID: m.ID, Customer: m.Customer, Excerpt: excerpt(m.CustomerWords, 240),
			Reporter: m.ReporterName, When: p.DateTime(m.MergedAt), WhenISO: components.ISO(m.MergedAt)})
	}
	for i := 1; i <= 5; i++ {
		label := strconv.Itoa(i)
		switch i {
		case 1:
			label += " — not useful"
		case 3:
			label += " — somewhat useful"
		case 5:
			label += " — very useful"
		}
		v.RatingChoices = append(v.RatingChoices, fbpages.Choice{Value: strconv.Itoa(i), Label: label})
	}

	if v.CanTriage {
		next := it.Status.Next()
		if len(next) > 0 {
			v.NextStatuses = []components.Option{{Value: "", Label: "Choose the new status…"}}
		}
		for _, st := range next {
			label := st.Label()
			if it.Status == feedback.Declined && st == feedback.Acknowledged {
				label = "Acknowledged (reopen)"
			}
			v.NextStatuses = append(v.NextStatuses, components.Option{Value: string(st), Label: label})
		}
		owners, err := s.feedback.Owners(ctx)
		if err != nil {
			return err
		}
		v.Owners = []components.Option{{Value: "", Label: "No owner"}}
		for _, o := range owners {
			v.Owners = append(v.Owners, components.Option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name})
		}
		if it.OwnerID != nil && v.Form.Owner == "" && errs["owner"] == "" {
			v.Form.Owner = strconv.FormatInt(*it.OwnerID, 10)
		}
	}
	return s.render(w, r, status, fbpages.ItemPage(v))
}

// historyLine says what one event did, in words.
func historyLine(p components.Page, e feedback.Event) fbpages.Event {
	out := fbpages.Event{When: p.DateTime(e.At), WhenISO: components.ISO(e.At), Response: e.Response}
	who := e.ActorName
	if who == "" {
		who = "Someone"
	}
	switch e.Kind {
	case feedback.EventCreated:
		out.Text = who + " logged it."
	case feedback.EventStatus:
		from, to := "", ""
		if e.FromStatus != nil {
			from = e.FromStatus.Label()
		}
		if e.ToStatus != nil {
			to = e.ToStatus.Label()
			out.Status = string(*e.ToStatus)
		}
		out.Text = fmt.Sprintf("%s moved it from %s to %s and responded:", who, from, to)
	case feedback.EventOwner:
		if e.OwnerName == "" {
			out.Text = who + " removed the owner."
		} else {
			out.Text = fmt.Sprintf("%s made %s the owner.", who, e.OwnerName)
		}
	case feedback.EventRating:
		if e.Rating != nil {
			out.Text = fmt.Sprintf("%s rated the response %d of 5.", who, *e.Rating)
		}
	case feedback.EventMergedInto:
		if e.OtherItemID != nil {
			out.Text = fmt.Sprintf("%s merged it into #%d.", who, *e.OtherItemID)
		}
	case feedback.EventMergedFrom:
		if e.OtherItemID != nil {
			out.Text = fmt.Sprintf("%s merged the duplicate #%d into it.", who, *e.OtherItemID)
		}
	}
	return out
}

// feedbackAction loads the item, runs change, and answers: a redirect back
// to the item with a flash, the item page with the form's errors (422),
// 403 for a data-level refusal, or the error page.
func (s *Server) feedbackAction(w http.ResponseWriter, r *http.Request, form fbpages.ItemForm,
	change func(it feedback.Item) (string, error)) error {
	it, err := s.feedbackFromPath(r)
	if err != nil {
		return err
	}
	msg, err := change(it)
	var fe feedback.FieldErrors
	switch {
	case errors.As(err, &fe):
		return s.renderFeedbackItem(w, r, http.StatusUnprocessableEntity, it, form, fe)
	case errors.Is(err, feedback.ErrNotTriager), errors.Is(err, feedback.ErrNotReporter):
		return errForbidden
	case errors.Is(err, feedback.ErrMerged):
		return errMerged(it)
	case errors.Is(err, feedback.ErrOwnItem):
		return s.renderFeedbackItem(w, r, http.StatusUnprocessableEntity, it, form,
			map[string]string{"heard": "You reported this item yourself; +1s are for colleagues who heard it too."})
	case errors.Is(err, feedback.ErrHeardBefore):
		return s.renderFeedbackItem(w, r, http.StatusUnprocessableEntity, it, form,
			map[string]string{"heard": "You added your +1 to this item already."})
	case errors.Is(err, feedback.ErrNoResponse):
		return s.renderFeedbackItem(w, r, http.StatusUnprocessableEntity, it, form,
			map[string]string{"rating": "You can rate the response once marketing has responded."})
	case err != nil:
		return err
	}
	s.flash(w, "success", msg)
	return redirect(w, r, feedback.Link(it.ID))
}

// formVersion reads the version the form was rendered with; a missing one
// means the item as it is now.
func formVersion(r *http.Request, current int) int {
	if v, ok := formInt(r, "version"); ok {
		return v
	}
	return current
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
		to := feedback.Status(form.Status)
		err := s.feedback.ChangeStatus(r.Context(), *currentUser(r), it.ID, formVersion(r, it.Version), to, form.Response)
		return fmt.Sprintf("Feedback #%d is now %s. The reporter and everyone who heard it too are notified.",
			it.ID, strings.ToLower(to.Label())), err
	})
}

func (s *Server) feedbackOwner(w http.ResponseWriter, r *http.Request) error {
	form := fbpages.ItemForm{Owner: r.PostFormValue("owner")}
	return s.feedbackAction(w, r, form, func(it feedback.Item) (string, error) {
		var owner int64
		if form.Owner != "" {
			id, ok := feedback.ParseID(form.Owner)
			if !ok {
				return "", feedback.FieldErrors{"owner": "Choose an owner from the list."}
			}
			owner = id
		}
		err := s.feedback.AssignOwner(r.Context(), *currentUser(r), it.ID, formVersion(r, it.Version), owner)
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

func (s *Server) feedbackMerge(w http.ResponseWriter, r *http.Request) error {
	form := fbpages.ItemForm{Into: r.PostFormValue("into")}
	it, err := s.feedbackFromPath(r)
	if err != nil {
		return err
	}
	into, ok := feedback.ParseID(strings.TrimPrefix(strings.TrimSpace(form.Into), "#"))
	if !ok {
		if it.MergedInto != nil {
			return errMerged(it)
		}
		return s.renderFeedbackItem(w, r, http.StatusUnprocessableEntity, it, form,
			map[string]string{"into": "Enter the number of the item to merge this one into, e.g. 42."})
	}
	err = s.feedback.Merge(r.Context(), *currentUser(r), it.ID, into, formVersion(r, it.Version))
	var fe feedback.FieldErrors
	switch {
	case errors.As(err, &fe):
		return s.renderFeedbackItem(w, r, http.StatusUnprocessableEntity, it, form, fe)
	case errors.Is(err, feedback.ErrNotTriager):
		return errForbidden
	case errors.Is(err, feedback.ErrMerged):
		// A merge that ran at once went first; name where the item went.
		if now, err := s.feedback.Get(r.Context(), it.ID); err == nil {
			it = now
		}
		return errMerged(it)
	case errors.Is(err, db.ErrNotFound):
		return errNotFound
	case err != nil:
		return err
	}
	s.flash(w, "success", fmt.Sprintf("Feedback #%d is merged into #%d: its reporter and +1s count here now, each once.", it.ID, into))
	return redirect(w, r, feedback.Link(into))
}
