package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"tandem/internal/db"
	"tandem/internal/digest"
	"tandem/internal/format"
	"tandem/internal/kpi"
	"tandem/web/pages/digests"
)

func (s *Server) digestRoutes() []route {
	return []route{
		{"GET", "/digests", signedIn, s.digestIndex},
		{"GET", "/digests/unsubscribe", anyone, s.digestUnsubscribeForm},
		{"POST", "/digests/unsubscribe", anyone, s.digestUnsubscribe},
		{"GET", "/digests/{week}", signedIn, s.digestWeek},
		{"POST", "/digests/{week}/note", managers, s.digestNote},
		{"POST", "/digests/{week}/send", managers, s.digestSend},
		{"POST", "/digests/{week}/test", managers, s.digestTest},
		{"POST", "/digests/{week}/retry", admins, s.digestRetry},
		{"POST", "/account/digest", signedIn, s.accountDigest},
	}
}

// sendBudget is how long "send now" delivers before answering; whatever is
// left goes out with the scheduler's next tick.
const sendBudget = 20 * time.Second

var errDigestArchived = &httpError{http.StatusConflict, "Already archived",
	"This week's digest is archived already, so its note can no longer change. Reload the page to see it."}

func (s *Server) digestIndex(w http.ResponseWriter, r *http.Request) error {
	page := queryPage(r.URL.Query())
	sc, err := s.digests.Schedule(r.Context())
	if err != nil {
		return err
	}
	list, total, err := s.digests.List(r.Context(), page)
	if err != nil {
		return err
	}
	p := s.page(w, r, "Weekly digest", "digests")
	week, due := sc.Upcoming(time.Now(), s.cfg.Location)
	v := digests.Index{Page: p, MailOn: s.digests.MailOn(), Total: total,
		Schedule:     sc.String() + ", " + s.cfg.Location.String(),
		UpcomingWeek: week.Label(), UpcomingTitle: week.Title(), UpcomingDue: p.DateTime(due)}
	for _, d := range list {
		row := digests.IndexRow{Week: d.Week, Title: d.Title, Composed: p.DateTime(d.ComposedAt),
			Wins: plural(d.WinCount, "deal") + ", " + format.Money(d.WonValue)}
		switch {
		case d.ComposedBy != "":
			row.By = "by " + d.ComposedBy
		case d.ComposedVia == digest.ViaCommand:
			row.By = "from the command line"
		default:
			row.By = "on schedule"
		}
		switch {
		case d.Sent+d.Waiting+d.Failed == 0:
			row.Sent = "not mailed"
		default:
			row.Sent = "sent to " + people(d.Sent)
			if d.Waiting > 0 {
				row.Sent += ", " + itoa(d.Waiting) + " waiting"
			}
			if d.Failed > 0 {
				row.Sent += ", " + itoa(d.Failed) + " failed"
			}
		}
		v.Rows = append(v.Rows, row)
	}
	if page > 1 {
		v.PrevURL = "/digests?page=" + itoa(page-1)
	}
	if page*digest.PageSize < total {
		v.NextURL = "/digests?page=" + itoa(page+1)
	}
	return s.render(w, r, http.StatusOK, digests.IndexPage(v))
}

// digestPeriod reads {week}: a week that has started, else 404.
func (s *Server) digestPeriod(r *http.Request) (kpi.Period, error) {
	week, err := s.digests.ParseWeek(chi.URLParam(r, "week"))
	if err != nil || week.Start.After(time.Now()) {
		return kpi.Period{}, errNotFound
	}
	return week, nil
}

// digestOf is the week's archived digest, or the live preview with the
// draft note when it is not archived yet.
func (s *Server) digestOf(ctx context.Context, week kpi.Period) (digest.Digest, digest.Entry, error) {
	e, err := s.digests.Entry(ctx, week.Label())
	if err != nil {
		return digest.Digest{}, e, err
	}
	if e.Archived != nil {
		return e.Archived.Digest, e, nil
	}
	d, err := s.digests.Compose(ctx, week)
	d.Note, d.NoteBy = e.Note, e.NoteBy
	return d, e, err
}

func (s *Server) digestWeek(w http.ResponseWriter, r *http.Request) error {
	week, err := s.digestPeriod(r)
	if err != nil {
		return err
	}
	d, e, err := s.digestOf(r.Context(), week)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "text" {
		text, err := digest.Text(digest.View{Digest: d, BaseURL: s.cfg.BaseURL.String()})
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, err = w.Write([]byte(text))
		return err
	}
	return s.renderDigestWeek(w, r, http.StatusOK, week, d, e, nil)
}

func (s *Server) renderDigestWeek(w http.ResponseWriter, r *http.Request, status int, week kpi.Period,
	d digest.Digest, e digest.Entry, noteErrors map[string]string) error {
	me := currentUser(r)
	p := s.page(w, r, "Digest: "+week.Title(), "digests")
	v := digests.Week{Page: p, D: d, Archived: e.Archived != nil, Manager: me.IsManager(), Admin: me.IsAdmin(),
		MailOn: s.digests.MailOn(), Note: e.Note, NoteBy: e.NoteBy, Version: e.Version, NoteErrors: noteErrors,
		PrevURL: "/digests/" + week.Prev().Label()}
	if next := week.Next(); !next.Start.After(time.Now()) {
		v.NextURL = "/digests/" + next.Label()
	}
	if a := e.Archived; a != nil {
		by := "on schedule"
		switch {
		case a.ComposedBy != "":
			by = "by " + a.ComposedBy
		case a.ComposedVia == digest.ViaCommand:
			by = "from the command line"
		}
		v.Status = "Archived " + p.DateTime(a.ComposedAt) + " " + by + "; the numbers no longer change."
	} else {
		sc, err := s.digests.Schedule(r.Context())
		if err != nil {
			return err
		}
		v.Status = "Live preview: the numbers move with the data until the digest is archived, " +
			"on schedule " + p.DateTime(sc.Due(week)) + " or when a manager sends it."
	}
	if v.Manager {
		var err error
		if v.Counts, err = s.digests.Counts(r.Context(), week.Label()); err != nil {
			return err
		}
		v.SendsLine = sendsLine(v.Counts)
	}
	if v.Admin {
		problems, err := s.digests.Problems(r.Context(), week.Label())
		if err != nil {
			return err
		}
		for _, pr := range problems {
			state := "gave up"
			switch {
			case pr.Status == "sending":
				state = "being sent"
			case pr.NextAttempt != nil:
				state = "retrying " + p.DateTime(*pr.NextAttempt)
			}
			v.Problems = append(v.Problems, digests.Problem{Name: pr.Name, Email: pr.Email, State: state,
				Attempts: pr.Attempts, LastError: pr.LastError})
		}
	}
	return s.render(w, r, status, digests.WeekPage(v))
}

// people writes "1 person" / "3 people".
func people(n int) string {
	if n == 1 {
		return "1 person"
	}
	return itoa(n) + " people"
}

// sendsLine says how a week's sends stand.
func sendsLine(c digest.Counts) string {
	line := "Sent to " + people(c.Sent)
	if c.Waiting > 0 {
		line += "; " + itoa(c.Waiting) + " waiting or being retried"
	}
	if c.Failed > 0 {
		line += "; " + itoa(c.Failed) + " failed"
	}
	if c.Skipped > 0 {
		line += "; " + itoa(c.Skipped) + " skipped (opted out or deactivated before delivery)"
	}
	return line + "."
}

func (s *Server) digestNote(w http.ResponseWriter, r *http.Request) error {
	week, err := s.digestPeriod(r)
	if err != nil {
		return err
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	note := r.PostFormValue("note")
	err = s.digests.SaveNote(r.Context(), week.Label(), currentUser(r).ID, version, note)
	var fe digest.FieldErrors
	switch {
	case errors.As(err, &fe):
		d, e, err := s.digestOf(r.Context(), week)
		if err != nil {
			return err
		}
		e.Note = note
		return s.renderDigestWeek(w, r, http.StatusUnprocessableEntity, week, d, e, fe)
	case errors.Is(err, digest.ErrComposed):
		return errDigestArchived
	case err != nil:
		return err
	}
	s.flash(w, "success", "Your note is saved. It goes out with the digest.")
	return redirect(w, r, "/digests/"+week.Label())
}

func (s *Server) digestSend(w http.ResponseWriter, r *http.Request) error {
	week, err := s.digestPeriod(r)
	if err != nil {
		return err
	}
	if !s.digests.MailOn() {
		return badRequest("Mail is off: no SMTP server is configured, so the digest cannot be sent.")
	}
	// The sends are claimed in the database: finish them even if the
	// browser goes away.
	ctx := context.WithoutCancel(r.Context())
	queued, res, err := s.digests.SendNow(ctx, week.Label(), currentUser(r).ID, sendBudget)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("The digest is archived. Sent to %s just now.", people(res.Sent))
	switch {
	case queued == 0 && res == (digest.Result{}):
		msg = "Everyone has had this digest already; nobody new to send it to."
	case res.Retrying+res.Failed > 0:
		msg += fmt.Sprintf(" %d could not be sent yet; see below.", res.Retrying+res.Failed)
	}
	if left := queued - res.Sent - res.Retrying - res.Failed - res.Skipped; left > 0 {
		msg += fmt.Sprintf(" %s more go out within minutes.", plural(left, "message"))
	}
	s.flash(w, "success", msg)
	return redirect(w, r, "/digests/"+week.Label())
}

func (s *Server) digestTest(w http.ResponseWriter, r *http.Request) error {
	week, err := s.digestPeriod(r)
	if err != nil {
		return err
	}
	if !s.digests.MailOn() {
		return badRequest("Mail is off: no SMTP server is configured, so a test cannot be sent.")
	}
	d, _, err := s.digestOf(r.Context(), week)
	if err != nil {
		return err
	}
	me := currentUser(r)
	if err := s.digests.SendTest(r.Context(), d, me.ID, me.Name, me.Email); err != nil {
		if errors.Is(err, context.Canceled) || db.IsUnavailable(err) {
			return err
		}
		ref := middleware.GetReqID(r.Context())
		s.log.Error("digest test mail failed", "id", ref, "week", week.Label(), "err", err)
		s.flash(w, "error", "The test could not be sent: the mail server did not accept it. The reason is in the server log (reference "+ref+").")
		return redirect(w, r, "/digests/"+week.Label())
	}
	s.flash(w, "success", "A test of this digest is on its way to "+me.Email+". It does not count as the weekly mail.")
	return redirect(w, r, "/digests/"+week.Label())
}

func (s *Server) digestRetry(w http.ResponseWriter, r *http.Request) error {
	week, err := s.digestPeriod(r)
	if err != nil {
		return err
	}
	n, err := s.digests.Retry(r.Context(), week.Label())
	if err != nil {
		return err
	}
	s.flash(w, "success", plural(n, "failed send")+" queued again; they go out within a minute.")
	return redirect(w, r, "/digests/"+week.Label())
}

// The unsubscribe link opens a page with a button rather than acting on
// GET, so link scanners and prefetchers cannot unsubscribe anyone; the
// signature travels in the form.

func (s *Server) unsubscribeView(w http.ResponseWriter, r *http.Request, u, sig string) (digests.Unsubscribe, error) {
	id, err := s.digests.CheckUnsubscribe(r.Context(), u, sig)
	if errors.Is(err, digest.ErrBadSignature) {
		return digests.Unsubscribe{}, badRequest("This unsubscribe link is not valid: it may be cut short. " +
			"Copy the whole link from the mail, or turn the digest off on your account page.")
	}
	if err != nil {
		return digests.Unsubscribe{}, err
	}
	who, err := s.users.Get(r.Context(), id)
	if err != nil {
		return digests.Unsubscribe{}, err
	}
	return digests.Unsubscribe{Page: s.page(w, r, "Unsubscribe", ""), U: u, Sig: sig, Email: who.Email}, nil
}

func (s *Server) digestUnsubscribeForm(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v, err := s.unsubscribeView(w, r, q.Get("u"), q.Get("sig"))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, digests.UnsubscribePage(v))
}

func (s *Server) digestUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	v, err := s.unsubscribeView(w, r, r.PostFormValue("u"), r.PostFormValue("sig"))
	if err != nil {
		return err
	}
	if _, err := s.digests.Unsubscribe(r.Context(), v.U, v.Sig); err != nil {
		return err
	}
	v.Done = true
	return s.render(w, r, http.StatusOK, digests.UnsubscribePage(v))
}

func (s *Server) accountDigest(w http.ResponseWriter, r *http.Request) error {
	on := r.PostFormValue("digest") == "on"
	if err := s.digests.SetOptOut(r.Context(), currentUser(r).ID, !on); err != nil {
		return err
	}
	msg := "You will no longer get the weekly digest by mail."
	if on {
		msg = "You will get the weekly digest by mail."
	}
	s.flash(w, "success", msg)
	return redirect(w, r, "/account")
}
