package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"tandem/internal/refusal"
	"tandem/internal/webhooks"
	"tandem/web/components"
	"tandem/web/pages/admin"
)

// webhookForm reads the endpoint form.
func webhookForm(r *http.Request) webhooks.Form {
	_ = r.ParseForm()
	return webhooks.Form{URL: r.PostFormValue("url"), Description: r.PostFormValue("description"),
		EventKinds: r.PostForm["event_kinds"], Enabled: r.PostFormValue("enabled") == "true"}
}

func (s *Server) adminWebhooks(w http.ResponseWriter, r *http.Request) error {
	list, err := s.webhooks.List(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, admin.WebhooksPage(admin.WebhooksOf(s.page(w, r, "Webhooks", ""), list)))
}

// takeSecret is the signing secret a create or rotation just handed over
// in the one-time flash (its Link): shown on this page only, never again.
func takeSecret(p *components.Page) string {
	if p.Flash == nil || !strings.HasPrefix(p.Flash.Link, "whsec_") {
		return ""
	}
	secret := p.Flash.Link
	p.Flash.Link = ""
	return secret
}

// renderWebhookForm shows the form of a new endpoint (e.ID 0) or of a
// saved one with its status and a page of its deliveries.
func (s *Server) renderWebhookForm(w http.ResponseWriter, r *http.Request, status int, e webhooks.Endpoint,
	f webhooks.Form, version int, errs map[string]string) error {
	var deliveries []webhooks.Delivery
	var more bool
	before := queryCursor(r.URL.Query(), "before")
	title := "New webhook endpoint"
	if e.ID != 0 {
		var err error
		if deliveries, more, err = s.webhooks.Deliveries(r.Context(), e.ID, before, admin.DeliveriesPerPage); err != nil {
			return err
		}
		title = "Webhook endpoint " + e.URL
	}
	p := s.page(w, r, title, "")
	secret := takeSecret(&p)
	v := admin.WebhookFormOf(p, e, f, version, errs, deliveries, before, more)
	v.Secret = secret
	return s.render(w, r, status, admin.WebhookFormPage(v))
}

func (s *Server) adminNewWebhookForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderWebhookForm(w, r, http.StatusOK, webhooks.Endpoint{}, webhooks.DefaultForm(), 0, nil)
}

func (s *Server) adminCreateWebhook(w http.ResponseWriter, r *http.Request) error {
	f := webhookForm(r)
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	e, secret, err := s.webhooks.Create(ctx, currentUser(r).ID, f)
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if k := refusal.KindOf(err); k != refusal.Unknown {
		return s.renderWebhookForm(w, r, refusalStatus(k), webhooks.Endpoint{}, f, 0, refusal.FieldMessages(err))
	}
	if err != nil {
		return err
	}
	s.flashLink(w, r, "success", "Endpoint added. Copy its secret now, then send a test event to check the receiver.", secret)
	return redirect(w, r, admin.WebhookPath(e.ID))
}

func (s *Server) webhookFromPath(r *http.Request) (webhooks.Endpoint, error) {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return webhooks.Endpoint{}, errNotFound
	}
	return s.webhooks.Get(r.Context(), id)
}

func (s *Server) adminWebhook(w http.ResponseWriter, r *http.Request) error {
	e, err := s.webhookFromPath(r)
	if err != nil {
		return err
	}
	return s.renderWebhookForm(w, r, http.StatusOK, e, webhooks.FormOf(e), e.Version, nil)
}

// adminUpdateWebhook saves an edit; refused, or made on an old version,
// the form comes back as typed over the endpoint as it is now.
func (s *Server) adminUpdateWebhook(w http.ResponseWriter, r *http.Request) error {
	e, err := s.webhookFromPath(r)
	if err != nil {
		return err
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	f := webhookForm(r)
	saved, err := s.webhooks.Update(r.Context(), e.ID, version, f)
	if k := refusal.KindOf(err); k != refusal.Unknown {
		if k == refusal.Conflict {
			version = e.Version // saving again overwrites what the other admin saved, knowingly
		}
		return s.renderWebhookForm(w, r, refusalStatus(k), e, f, version, refusal.FieldMessages(err))
	}
	if err != nil {
		return err
	}
	msg := "Endpoint saved."
	if !saved.Enabled {
		msg += " It is off: nothing is sent to it."
	}
	s.flash(w, r, "success", msg)
	return redirect(w, r, admin.WebhookPath(e.ID))
}

func (s *Server) renderConfirmWebhook(w http.ResponseWriter, r *http.Request, status int, title string, v func(components.Page) admin.ConfirmWebhook) error {
	return s.render(w, r, status, admin.ConfirmWebhookPage(v(s.page(w, r, title, ""))))
}

func (s *Server) adminRotateWebhookConfirm(w http.ResponseWriter, r *http.Request) error {
	e, err := s.webhookFromPath(r)
	if err != nil {
		return err
	}
	return s.renderConfirmWebhook(w, r, http.StatusOK, "Rotate the secret", func(p components.Page) admin.ConfirmWebhook {
		return admin.RotateWebhookOf(p, e, "")
	})
}

// adminRotateWebhook gives the endpoint a new secret and shows it once.
func (s *Server) adminRotateWebhook(w http.ResponseWriter, r *http.Request) error {
	if !confirmed(r) {
		return s.adminRotateWebhookConfirm(w, r)
	}
	e, err := s.webhookFromPath(r)
	if err != nil {
		return err
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	secret, err := s.webhooks.Rotate(r.Context(), e.ID, version)
	if ref, _, ok := refusal.As(err); ok {
		return s.renderConfirmWebhook(w, r, refusalStatus(ref.Kind), "Rotate the secret", func(p components.Page) admin.ConfirmWebhook {
			return admin.RotateWebhookOf(p, e, ref.Message)
		})
	}
	if err != nil {
		return err
	}
	s.flashLink(w, r, "success", "New secret made. The old one keeps signing beside it for 24 hours: switch the receiver over by then.", secret)
	return redirect(w, r, admin.WebhookPath(e.ID))
}

func (s *Server) adminDeleteWebhookConfirm(w http.ResponseWriter, r *http.Request) error {
	e, err := s.webhookFromPath(r)
	if err != nil {
		return err
	}
	return s.renderConfirmWebhook(w, r, http.StatusOK, "Delete the endpoint", func(p components.Page) admin.ConfirmWebhook {
		return admin.DeleteWebhookOf(p, e, "")
	})
}

func (s *Server) adminDeleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if !confirmed(r) {
		return s.adminDeleteWebhookConfirm(w, r)
	}
	e, err := s.webhookFromPath(r)
	if err != nil {
		return err
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	err = s.webhooks.Delete(r.Context(), e.ID, version)
	if ref, _, ok := refusal.As(err); ok {
		return s.renderConfirmWebhook(w, r, refusalStatus(ref.Kind), "Delete the endpoint", func(p components.Page) admin.ConfirmWebhook {
			return admin.DeleteWebhookOf(p, e, ref.Message)
		})
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Endpoint "+e.URL+" deleted; nothing more is sent to it.")
	return redirect(w, r, admin.WebhooksPath)
}

// adminTestWebhook posts a signed webhook.test event now and shows the answer.
func (s *Server) adminTestWebhook(w http.ResponseWriter, r *http.Request) error {
	e, err := s.webhookFromPath(r)
	if err != nil {
		return err
	}
	res, err := s.webhooks.SendTest(r.Context(), e.ID)
	if err != nil {
		return err
	}
	kind := "success"
	if !res.OK {
		kind = "error"
	}
	s.flash(w, r, kind, "Test event: "+res.Summary())
	return redirect(w, r, admin.WebhookPath(e.ID))
}

func (s *Server) adminRedeliverWebhook(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return errNotFound
	}
	d, err := s.webhooks.GetDelivery(r.Context(), id)
	if err != nil {
		return err
	}
	// A refusal (the endpoint is off, no job system) is a 409 page.
	if _, err := s.webhooks.Redeliver(r.Context(), id); err != nil {
		return err
	}
	s.flash(w, r, "success", "Delivery queued again, with the same webhook-id: it is sent in a moment.")
	return redirect(w, r, admin.WebhookPath(d.EndpointID))
}
