package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"tandem/internal/db"
	"tandem/internal/feedback"
	"tandem/internal/format"
	"tandem/internal/leads"
	"tandem/web/components"
)

// maxPicks is how many matches a search picker lists.
const maxPicks = 8

// leadPicks finds leads by company, contact or email for a picker; "" asks
// for nothing. The message counts the matches ("3 leads match").
func (s *Server) leadPicks(ctx context.Context, q string) ([]components.Pick, string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, "Type part of the company, contact or email to find the lead.", nil
	}
	if msg := leads.CheckQuery(q); msg != "" {
		return nil, msg, nil
	}
	page, err := s.leads.List(ctx, leads.Filter{Query: q, Limit: maxPicks})
	if err != nil {
		return nil, "", err
	}
	picks := make([]components.Pick, len(page.Leads))
	for i, l := range page.Leads {
		picks[i] = components.Pick{Value: strconv.FormatInt(l.ID, 10), Label: l.Company,
			Hint: l.ContactName + " · " + l.Stage.Label()}
	}
	msg := format.Matches(len(picks), "lead")
	if page.Next != "" {
		msg = "More than " + format.Count(maxPicks, "lead") + " match; the newest are listed. Type more to narrow them."
	}
	return picks, msg, nil
}

// searchLeads answers GET /search/leads?q= with the matching leads as radio
// buttons named "lead": the fragment htmx puts into a lead picker as the
// user types. lead_q is accepted too, the name of the picker's own input.
func (s *Server) searchLeads(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	text := q.Get("q")
	if text == "" {
		text = q.Get("lead_q")
	}
	picks, msg, err := s.leadPicks(r.Context(), text)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, components.Picks("lead", q.Get("lead"), picks, msg))
}

// feedbackPicks finds the items item from may be merged into, by their
// words, note, customer or product, or by number ("#12"), for the merge
// picker; "" asks for nothing. Merged items and from itself are left out.
func (s *Server) feedbackPicks(ctx context.Context, from int64, q string) ([]components.Pick, string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, "Type words the customer used, the customer's name or the item's number to find the item.", nil
	}
	var found []feedback.Item
	if id := feedback.ParseRef(q); id != 0 && id != from {
		switch it, err := s.feedback.Get(ctx, id); {
		case err == nil && it.MergedInto == nil:
			found = append(found, it)
		case err != nil && !errors.Is(err, db.ErrNotFound):
			return nil, "", err
		}
	}
	matches, more, err := s.feedback.SearchTargets(ctx, from, q, maxPicks)
	if err != nil {
		return nil, "", err
	}
	for _, it := range matches {
		if len(found) == 0 || it.ID != found[0].ID {
			found = append(found, it)
		}
	}
	more = more || len(found) > maxPicks
	found = found[:min(len(found), maxPicks)]
	picks := make([]components.Pick, len(found))
	for i, it := range found {
		picks[i] = components.Pick{Value: strconv.FormatInt(it.ID, 10),
			Label: fmt.Sprintf("#%d %s", it.ID, format.Excerpt(it.CustomerWords, 80)),
			Hint:  it.Customer + " · " + it.Status.Label() + " · " + format.Count(it.Heard, "+1")}
	}
	msg := format.Matches(len(picks), "item")
	if more {
		msg = "More than " + format.Count(maxPicks, "item") + " match; the best are listed. Type more to narrow them."
	}
	return picks, msg, nil
}

// searchFeedback answers GET /search/feedback?into_q=&from= with the items
// feedback item from may be merged into, as radio buttons named "into":
// the fragment htmx puts into the merge picker as the user types. Only
// triagers merge, so only they search here (the policy table).
func (s *Server) searchFeedback(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	text := q.Get("q")
	if text == "" {
		text = q.Get("into_q")
	}
	from, _ := feedback.ParseID(q.Get("from")) // 0 (none) excludes nothing
	picks, msg, err := s.feedbackPicks(r.Context(), from, text)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, components.Picks("into", q.Get("into"), picks, msg))
}
