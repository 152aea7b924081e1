package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"

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
