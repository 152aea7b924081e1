package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"tandem/internal/db"
	"tandem/internal/refusal"
	"tandem/internal/routing"
	"tandem/web/pages/account"
	leadpages "tandem/web/pages/leads"
)

// ruleChoices are the rule form's pickers.
func (s *Server) ruleChoices(r *http.Request, campaign string) (leadpages.RuleChoices, error) {
	var c leadpages.RuleChoices
	current, _ := strconv.ParseInt(campaign, 10, 64)
	var err error
	if c.Campaigns, err = s.leads.CampaignChoices(r.Context(), current); err != nil {
		return c, err
	}
	c.Reps, err = s.leads.Reps(r.Context())
	return c, err
}

// renderRouting shows the routing page with the add form f and the
// capacity form's typed values, each with its refusal.
func (s *Server) renderRouting(w http.ResponseWriter, r *http.Request, status int, f leadpages.RuleForm, errs, caps, capErrs map[string]string) error {
	v := leadpages.Routing{Page: s.page(w, r, "Lead routing", "leads"), Form: f, Errors: errs, Caps: caps, CapErrors: capErrs}
	var err error
	if v.Rules, err = s.routing.Rules(r.Context()); err != nil {
		return err
	}
	if v.Reps, err = s.routing.Reps(r.Context()); err != nil {
		return err
	}
	if v.Choices, err = s.ruleChoices(r, f.Campaign); err != nil {
		return err
	}
	return s.render(w, r, status, leadpages.RoutingPage(v))
}

func (s *Server) leadRouting(w http.ResponseWriter, r *http.Request) error {
	return s.renderRouting(w, r, http.StatusOK, leadpages.RuleForm{}, nil, nil, nil)
}

// postedRule is the rule form as posted.
func postedRule(r *http.Request) routing.RuleInput {
	in := routing.RuleInput{Name: r.PostFormValue("name"), Countries: r.PostFormValue("countries"),
		Campaign: r.PostFormValue("campaign"), Channel: r.PostFormValue("channel"),
		ScoreMin: r.PostFormValue("score_min"), ScoreMax: r.PostFormValue("score_max"),
		Fits: r.PostForm["fits"], Method: r.PostFormValue("method"), Reps: r.PostForm["reps"],
		NamedRep: r.PostFormValue("named_rep"), Weights: map[string]string{}}
	for _, id := range in.Reps {
		in.Weights[id] = r.PostFormValue("weight_" + id)
	}
	return in
}

func (s *Server) createRoutingRule(w http.ResponseWriter, r *http.Request) error {
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	in := postedRule(r)
	rule, err := s.routing.Create(ctx, actor(r), in)
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if refusal.KindOf(err) == refusal.Invalid {
		return s.renderRouting(w, r, http.StatusUnprocessableEntity, leadpages.RuleForm{RuleInput: in}, refusal.FieldMessages(err), nil, nil)
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Rule “"+rule.Name+"” added as #"+strconv.Itoa(rule.Position)+".")
	return redirect(w, r, leadpages.RoutingPath)
}

func rulePathID(r *http.Request) (int64, error) {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return 0, errNotFound
	}
	return id, nil
}

func (s *Server) renderRule(w http.ResponseWriter, r *http.Request, status int, v leadpages.RuleEdit) error {
	v.Page = s.page(w, r, "Routing rule “"+v.Form.Name+"”", "leads")
	var err error
	if v.Choices, err = s.ruleChoices(r, v.Form.Campaign); err != nil {
		return err
	}
	return s.render(w, r, status, leadpages.RuleEditPage(v))
}

func (s *Server) routingRule(w http.ResponseWriter, r *http.Request) error {
	id, err := rulePathID(r)
	if err != nil {
		return err
	}
	rule, err := s.routing.Rule(r.Context(), id)
	if err != nil {
		return err
	}
	return s.renderRule(w, r, http.StatusOK, leadpages.RuleEdit{Form: leadpages.FormOf(rule)})
}

func (s *Server) updateRoutingRule(w http.ResponseWriter, r *http.Request) error {
	id, err := rulePathID(r)
	if err != nil {
		return err
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	in := postedRule(r)
	rule, err := s.routing.Update(r.Context(), actor(r), id, version, in)
	switch {
	case errors.Is(err, db.ErrConflict):
		current, err := s.routing.Rule(r.Context(), id)
		if err != nil {
			return err
		}
		return s.renderRule(w, r, http.StatusConflict, leadpages.RuleEdit{Form: leadpages.FormOf(current), Changed: true})
	case refusal.KindOf(err) == refusal.Invalid:
		return s.renderRule(w, r, http.StatusUnprocessableEntity, leadpages.RuleEdit{
			Form: leadpages.RuleForm{ID: id, Version: version, RuleInput: in}, Errors: refusal.FieldMessages(err)})
	case err != nil:
		return err
	}
	s.flash(w, r, "success", "Rule “"+rule.Name+"” saved.")
	return redirect(w, r, leadpages.RoutingPath)
}

func (s *Server) moveRoutingRule(w http.ResponseWriter, r *http.Request) error {
	id, err := rulePathID(r)
	if err != nil {
		return err
	}
	dir := r.PostFormValue("direction")
	if dir != "up" && dir != "down" {
		return badRequest("Choose whether to move the rule up or down.")
	}
	if err := s.routing.Move(r.Context(), actor(r), id, dir == "up"); err != nil {
		return err
	}
	s.flash(w, r, "success", "Rule moved "+dir+".")
	return redirect(w, r, leadpages.RoutingPath)
}

func (s *Server) deleteRoutingRule(w http.ResponseWriter, r *http.Request) error {
	id, err := rulePathID(r)
	if err != nil {
		return err
	}
	if err := s.routing.Delete(r.Context(), actor(r), id); err != nil {
		return err
	}
	s.flash(w, r, "success", "Rule removed. The leads it routed keep their reps.")
	return redirect(w, r, leadpages.RoutingPath)
}

func (s *Server) saveRepCapacities(w http.ResponseWriter, r *http.Request) error {
	reps, err := s.routing.Reps(r.Context())
	if err != nil {
		return err
	}
	caps, typed := map[int64]string{}, map[string]string{}
	for _, rep := range reps {
		key := routing.CapacityField(rep.ID)
		if v, sent := r.PostForm[key]; sent && len(v) > 0 {
			caps[rep.ID], typed[key] = v[0], v[0]
		}
	}
	err = s.routing.SetCapacities(r.Context(), actor(r), caps)
	if refusal.KindOf(err) == refusal.Invalid {
		return s.renderRouting(w, r, http.StatusUnprocessableEntity, leadpages.RuleForm{}, nil, typed, refusal.FieldMessages(err))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Caps saved.")
	return redirect(w, r, leadpages.RoutingPath)
}

func (s *Server) saveAway(w http.ResponseWriter, r *http.Request) error {
	me := currentUser(r)
	from, to := r.PostFormValue("away_from"), r.PostFormValue("away_to")
	if r.PostFormValue("clear") != "" {
		from, to = "", ""
	}
	today, _ := time.Parse(time.DateOnly, time.Now().In(me.Location()).Format(time.DateOnly))
	err := s.routing.SetAway(r.Context(), actor(r), me.ID, from, to, today)
	if refusal.KindOf(err) == refusal.Invalid {
		v, verr := s.accountView(w, r, *me)
		if verr != nil {
			return verr
		}
		v.Away.From, v.Away.To, v.Away.Errors = from, to, refusal.FieldMessages(err)
		return s.render(w, r, http.StatusUnprocessableEntity, account.AccountPage(v))
	}
	if err != nil {
		return err
	}
	if from == "" && to == "" {
		s.flash(w, r, "success", "You are not marked away.")
	} else {
		s.flash(w, r, "success", "Out of office saved: lead routing skips you from "+longDay(from)+" to "+longDay(to)+".")
	}
	return redirect(w, r, "/account")
}

// longDay writes a stored YYYY-MM-DD day as "11 Dec 2026".
func longDay(day string) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return d.Format("2 Jan 2006")
}
