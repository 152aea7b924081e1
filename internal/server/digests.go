package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"tandem/internal/db"
	"tandem/internal/digest"
	"tandem/internal/format"
	"tandem/internal/kpi"
	"tandem/web/pages/digests"
)

// sendBudget is how long "send now" delivers before answering; whatever is
// left goes out with the scheduler's next tick.
const sendBudget = 20 * time.Second

func (s *Server) digestIndex(w http.ResponseWriter, r *http.Request) error {
	in := digests.IndexInput{MailOn: s.digests.MailOn(), Location: s.cfg.Location, Now: time.Now(),
		PageNo: queryPage(r.URL.Query())}
	var err error
	if in.Schedule, err = s.digests.Schedule(r.Context()); err != nil {
		return err
	}
	if in.List, in.Total, err = s.digests.List(r.Context(), in.PageNo); err != nil {
		return err
	}
	v := digests.IndexOf(s.page(w, r, "Weekly digest", "digests"), in)
	return s.render(w, r, http.StatusOK, digests.IndexPage(v))
}

// digestPeriod reads {week}: a week that has started, else 404.
func (s *Server) digestPeriod(r *http.Request) (kpi.Period, error) {
	week, err := s.digests.ParseWeek(chi.URLParam(r, "week"))
	if err != nil {
		return kpi.Period{}, err // digest.ErrBadWeek, a 404
	}
	if week.Start.After(time.Now()) {
		return kpi.Period{}, digest.ErrFutureWeek
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
	in := digests.WeekInput{Week: week, Digest: d, Entry: e, Manager: me.IsManager(), Admin: me.IsAdmin(),
		MailOn: s.digests.MailOn(), HasNext: !week.Next().Start.After(time.Now()), NoteErrors: noteErrors}
	ctx := r.Context()
	if e.Archived == nil {
		sc, err := s.digests.Schedule(ctx)
		if err != nil {
			return err
		}
		in.Due = sc.Due(week)
	}
	var err error
	if in.Manager {
		if in.Counts, err = s.digests.Counts(ctx, week.Label()); err != nil {
			return err
		}
	}
	if in.Admin {
		if in.Problems, err = s.digests.Problems(ctx, week.Label()); err != nil {
			return err
		}
	}
	v := digests.WeekOf(s.page(w, r, "Digest: "+week.Title(), "digests"), in)
	return s.render(w, r, status, digests.WeekPage(v))
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
	if fe := (digest.FieldErrors{}); errors.As(err, &fe) {
		d, e, err := s.digestOf(r.Context(), week)
		if err != nil {
			return err
		}
		e.Note = note
		return s.renderDigestWeek(w, r, http.StatusUnprocessableEntity, week, d, e, fe)
	}
	if err != nil {
		return err // digest.ErrComposed: a conflict with its message
	}
	s.flash(w, r, "success", "Your note is saved. It goes out with the digest.")
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
	msg := fmt.Sprintf("The digest is archived. Sent to %s just now.", digests.People(res.Sent))
	switch {
	case queued == 0 && res == (digest.Result{}):
		msg = "Everyone has had this digest already; nobody new to send it to."
	case res.Retrying+res.Failed > 0:
		msg += fmt.Sprintf(" %d could not be sent yet; see below.", res.Retrying+res.Failed)
	}
	if left := queued - res.Sent - res.Retrying - res.Failed - res.Skipped; left > 0 {
		msg += fmt.Sprintf(" %s more go out within minutes.", format.Count(left, "message"))
	}
	s.flash(w, r, "success", msg)
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
		s.flash(w, r, "error", "The test could not be sent: the mail server did not accept it. The reason is in the server log (reference "+ref+").")
		return redirect(w, r, "/digests/"+week.Label())
	}
	s.flash(w, r, "success", "A test of this digest is on its way to "+me.Email+". It does not count as the weekly mail.")
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
	s.flash(w, r, "success", format.Count(n, "failed send")+" queued again; they go out within a minute.")
	return redirect(w, r, "/digests/"+week.Label())
}

// The unsubscribe link opens a page with a button rather than acting on
// GET, so link scanners and prefetchers cannot unsubscribe anyone; the
// signature travels in the form.

func (s *Server) unsubscribeView(w http.ResponseWriter, r *http.Request, u, sig string) (digests.Unsubscribe, error) {
	id, err := s.digests.CheckUnsubscribe(r.Context(), u, sig)
	if err != nil { // digest.ErrBadSignature: a refusal with its message
		return digests.Unsubscribe{}, err
	}
	who, err := s.users.Get(r.Context(), id)
	if err != nil {
		return digests.Unsubscribe{}, err
	}
	out, err := s.digests.OptedOut(r.Context(), id)
	if err != nil {
		return digests.Unsubscribe{}, err
	}
	return digests.Unsubscribe{Page: s.page(w, r, "Unsubscribe", ""), U: u, Sig: sig, Email: who.Email, Done: out}, nil
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
	// Back to the signed link's page, which says it is done: the link came
	// by mail with its signature in the address, so nothing new leaks.
	return redirect(w, r, "/digests/unsubscribe?"+url.Values{"u": {v.U}, "sig": {v.Sig}}.Encode())
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
	s.flash(w, r, "success", msg)
	return redirect(w, r, "/account")
}
