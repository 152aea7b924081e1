package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"tandem/internal/db"
	"tandem/internal/intake"
	intakepages "tandem/web/pages/intake"
)

// The public intake endpoint: POST /intake/{source}. It is served outside
// the session and CSRF middleware: a website form on another site posts to
// it, and a marketing tool's webhook is authenticated by the source's
// signature, not by a cookie. Website forms (urlencoded or multipart) get
// a redirect or a small plain page; webhooks (JSON) get JSON, refusals as
// RFC 9457 problem details.

// intakeReply answers one submission in the way its sender reads.
type intakeReply struct {
	w    http.ResponseWriter
	r    *http.Request
	json bool
}

func (a intakeReply) problem(status int, detail string, fields map[string]string) {
	if !a.json {
		v := intakepages.Public{Title: http.StatusText(status), Message: detail}
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			v.Problems = append(v.Problems, k+": "+fields[k])
		}
		var buf bytes.Buffer
		if err := intakepages.PublicPage(v).Render(a.r.Context(), &buf); err == nil {
			a.w.Header().Set("Content-Type", "text/html; charset=utf-8")
			a.w.WriteHeader(status)
			_, _ = a.w.Write(buf.Bytes())
			return
		}
		http.Error(a.w, detail, status)
		return
	}
	// about:blank: the title is the status's text (the intake endpoint's
	// problems are not the API's documented types).
	a.w.Header().Set("Cache-Control", "no-store")
	writeProblem(a.w, problem{Type: "about:blank", Title: http.StatusText(status), Status: status,
		Detail: detail, Instance: a.r.URL.Path, Errors: problemFields(fields)})
}

func (a intakeReply) write(status int, contentType string, v any) {
	a.w.Header().Set("Content-Type", contentType)
	a.w.Header().Set("Cache-Control", "no-store")
	a.w.WriteHeader(status)
	_ = json.NewEncoder(a.w).Encode(v)
}

// fail logs an unexpected error with the request id and answers 500.
func (s *Server) intakeFail(a intakeReply, err error) {
	s.log.Error("intake submission", "id", middleware.GetReqID(a.r.Context()), "err", err)
	a.problem(http.StatusInternalServerError, "Something went wrong on our side; nothing was stored. Try again later.", nil)
}

func mediaType(r *http.Request) string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt
}

// clean makes a posted value storable text: PostgreSQL text holds neither
// NUL nor invalid UTF-8.
func clean(v string) string { return strings.ReplaceAll(strings.ToValidUTF8(v, ""), "\x00", "") }

func (s *Server) intakeSubmit(w http.ResponseWriter, r *http.Request) {
	mt := mediaType(r)
	a := intakeReply{w: w, r: r, json: mt == "application/json"}
	ctx := r.Context()
	src, err := s.intake.BySlug(ctx, chi.URLParam(r, "source"))
	switch {
	case errors.Is(err, db.ErrNotFound):
		a.problem(http.StatusNotFound, "There is no intake source at this address.", nil)
		return
	case errors.Is(err, intake.ErrGone):
		a.problem(http.StatusGone, "This intake source is switched off and takes no submissions.", nil)
		return
	case err != nil:
		s.intakeFail(a, err)
		return
	}
	retry, err := s.intake.Allow(ctx, src, time.Now())
	if err != nil {
		s.intakeFail(a, err)
		return
	}
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
		a.problem(http.StatusTooManyRequests, "Too many submissions to this source this minute; try again after the time in Retry-After.", nil)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, intake.MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		a.problem(http.StatusRequestEntityTooLarge, "The submission is larger than "+strconv.Itoa(intake.MaxBody>>10)+" KiB.", nil)
		return
	case err != nil:
		a.problem(http.StatusBadRequest, "The submission could not be read.", nil)
		return
	}
	switch mt {
	case "application/json":
		s.intakeWebhook(a, src, body)
	case "application/x-www-form-urlencoded", "multipart/form-data":
		s.intakeFormPost(a, src, body)
	default:
		a.problem(http.StatusUnsupportedMediaType, "Send a website form (application/x-www-form-urlencoded or multipart/form-data) or JSON (application/json).", nil)
	}
}

// intakeWebhook takes a marketing tool's signed JSON object.
func (s *Server) intakeWebhook(a intakeReply, src intake.Source, body []byte) {
	ctx := a.r.Context()
	if reason := src.Verify(a.r.Header.Get(intake.SignatureHeader), a.r.Header.Get(intake.TimestampHeader), body, time.Now()); reason != "" {
		if err := s.intake.Refuse(ctx, src, intake.ViaWebhook, reason, nil); err != nil {
			s.intakeFail(a, err)
			return
		}
		a.problem(http.StatusUnauthorized, "The signature does not verify ("+reason+"); nothing was stored.", nil)
		return
	}
	fields, err := jsonFields(body)
	if err != nil {
		if err := s.intake.Refuse(ctx, src, intake.ViaWebhook, "not a JSON object", nil); err != nil {
			s.intakeFail(a, err)
			return
		}
		a.problem(http.StatusBadRequest, "Send one JSON object of field names to values.", nil)
		return
	}
	res, err := s.intake.Submit(ctx, src, intake.ViaWebhook, fields)
	if err != nil {
		s.intakeFail(a, err)
		return
	}
	switch res.Outcome {
	case intake.Refused:
		a.problem(http.StatusUnprocessableEntity, "The submission was refused; see errors.", res.Problems)
	case intake.Created:
		a.write(http.StatusCreated, "application/json", map[string]any{"outcome": res.Outcome, "lead": res.LeadID})
	default:
		a.write(http.StatusOK, "application/json", map[string]any{"outcome": res.Outcome, "lead": res.LeadID})
	}
}

// jsonFields reads a flat JSON object; strings, numbers and booleans are
// kept as text, nested values are ignored.
func jsonFields(body []byte) (intake.Fields, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, errors.New("null")
	}
	f := intake.Fields{}
	for k, v := range raw {
		switch t := v.(type) {
		case string:
			f[clean(k)] = clean(t)
		case json.Number:
			f[clean(k)] = t.String()
		case bool:
			f[clean(k)] = strconv.FormatBool(t)
		}
	}
	return f, nil
}

// intakeFormPost takes a website form and sends the visitor on.
func (s *Server) intakeFormPost(a intakeReply, src intake.Source, body []byte) {
	ctx := a.r.Context()
	if !src.AllowForms {
		if err := s.intake.Refuse(ctx, src, intake.ViaForm, "website form posts are off for this source", nil); err != nil {
			s.intakeFail(a, err)
			return
		}
		a.problem(http.StatusForbidden, "This source does not take website form posts.", nil)
		return
	}
	r := a.r
	r.Body = io.NopCloser(bytes.NewReader(body))
	var err error
	if mediaType(r) == "multipart/form-data" {
		err = r.ParseMultipartForm(intake.MaxBody)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		a.problem(http.StatusBadRequest, "The form could not be read.", nil)
		return
	}
	fields := intake.Fields{}
	for k, vs := range r.Form { // the query string's utm_… count too
		if len(vs) > 0 {
			fields[clean(k)] = clean(vs[0])
		}
	}
	if fields[intake.Honeypot] != "" {
		if err := s.intake.Refuse(ctx, src, intake.ViaForm, "the hidden honeypot field was filled (a bot)", fields); err != nil {
			s.intakeFail(a, err)
			return
		}
		thankYou(a, src) // a bot learns nothing
		return
	}
	res, err := s.intake.Submit(ctx, src, intake.ViaForm, fields)
	if err != nil {
		s.intakeFail(a, err)
		return
	}
	if res.Outcome == intake.Refused {
		a.problem(http.StatusUnprocessableEntity, "The form was not sent: some fields need correcting.", res.Problems)
		return
	}
	thankYou(a, src)
}

func thankYou(a intakeReply, src intake.Source) {
	to := src.ThankYouURL
	if to == "" {
		to = "/intake/thanks"
	}
	http.Redirect(a.w, a.r, to, http.StatusSeeOther)
}

// intakeThanks is the plain thank-you page of sources without their own.
func (s *Server) intakeThanks(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := intakepages.PublicPage(intakepages.Public{Title: "Thank you",
		Message: "We have your details and will be in touch soon."}).Render(r.Context(), &buf); err != nil {
		http.Error(w, "Thank you.", http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}
