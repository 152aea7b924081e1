package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"tandem/internal/chatchannels"
	"tandem/internal/refusal"
	"tandem/internal/users"
	"tandem/web/pages/admin"
)

// channelForm reads the chat channel form.
func channelForm(r *http.Request) chatchannels.Form {
	_ = r.ParseForm()
	return chatchannels.Form{Team: r.PostFormValue("team"), Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name"),
		WebhookURL: r.PostFormValue("webhook_url"), EventKinds: r.PostForm["event_kinds"], Enabled: r.PostFormValue("enabled") == "true"}
}

func (s *Server) adminChannels(w http.ResponseWriter, r *http.Request) error {
	list, err := s.chat.List(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, admin.ChannelsPage(admin.ChannelsOf(s.page(w, r, "Chat channels", ""), list)))
}

// renderChannelForm shows the form of a new channel (c.ID 0) or of a saved
// one with its status and deliveries.
func (s *Server) renderChannelForm(w http.ResponseWriter, r *http.Request, status int, c chatchannels.Channel,
	f chatchannels.Form, version int, errs map[string]string) error {
	var deliveries []chatchannels.Delivery
	title := "New chat channel"
	if c.ID != 0 {
		var err error
		if deliveries, err = s.chat.Recent(r.Context(), c.ID); err != nil {
			return err
		}
		title = "Chat channel " + c.Name
	}
	v := admin.ChannelFormOf(s.page(w, r, title, ""), c, f, version, errs, deliveries)
	return s.render(w, r, status, admin.ChannelFormPage(v))
}

func (s *Server) adminNewChannelForm(w http.ResponseWriter, r *http.Request) error {
	team := users.Team(r.URL.Query().Get("team"))
	if !team.Valid() {
		team = users.Sales
	}
	return s.renderChannelForm(w, r, http.StatusOK, chatchannels.Channel{}, chatchannels.DefaultForm(team), 0, nil)
}

func (s *Server) adminCreateChannel(w http.ResponseWriter, r *http.Request) error {
	f := channelForm(r)
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	c, err := s.chat.Create(ctx, currentUser(r).ID, f)
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if k := refusal.KindOf(err); k != refusal.Unknown {
		return s.renderChannelForm(w, r, refusalStatus(k), chatchannels.Channel{}, f, 0, refusal.FieldMessages(err))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", savedMessage("Channel “"+c.Name+"” added.", f))
	return redirect(w, r, admin.ChannelPath(c.ID))
}

// savedMessage adds the form's doubt, if any, to a save's flash.
func savedMessage(msg string, f chatchannels.Form) string {
	if w := f.Warning(); w != "" {
		return msg + " " + w
	}
	return msg + " Send a test message to check the webhook."
}

func (s *Server) channelFromPath(r *http.Request) (chatchannels.Channel, error) {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return chatchannels.Channel{}, errNotFound
	}
	return s.chat.Get(r.Context(), id)
}

func (s *Server) adminChannel(w http.ResponseWriter, r *http.Request) error {
	c, err := s.channelFromPath(r)
	if err != nil {
		return err
	}
	return s.renderChannelForm(w, r, http.StatusOK, c, chatchannels.FormOf(c), c.Version, nil)
}

// adminUpdateChannel saves an edit; refused, or made on an old version,
// the form comes back as typed (the URL field too, so a new URL is not
// lost) over the channel as it is now.
func (s *Server) adminUpdateChannel(w http.ResponseWriter, r *http.Request) error {
	c, err := s.channelFromPath(r)
	if err != nil {
		return err
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	f := channelForm(r)
	saved, err := s.chat.Update(r.Context(), c.ID, version, f)
	if k := refusal.KindOf(err); k != refusal.Unknown {
		if k == refusal.Conflict {
			version = c.Version // saving again overwrites what the other admin saved, knowingly
		}
		return s.renderChannelForm(w, r, refusalStatus(k), c, f, version, refusal.FieldMessages(err))
	}
	if err != nil {
		return err
	}
	msg := "Channel “" + saved.Name + "” saved."
	if !saved.Enabled {
		msg += " It is off: nothing is posted to it."
	}
	if f.WebhookURL != "" {
		msg = savedMessage(msg, f)
	}
	s.flash(w, r, "success", msg)
	return redirect(w, r, admin.ChannelPath(c.ID))
}

func (s *Server) renderDeleteChannel(w http.ResponseWriter, r *http.Request, status int, c chatchannels.Channel, refused string) error {
	v := admin.DeleteChannelOf(s.page(w, r, "Delete "+c.Name, ""), c, refused)
	return s.render(w, r, status, admin.DeleteChannelPage(v))
}

func (s *Server) adminDeleteChannelConfirm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.channelFromPath(r)
	if err != nil {
		return err
	}
	return s.renderDeleteChannel(w, r, http.StatusOK, c, "")
}

func (s *Server) adminDeleteChannel(w http.ResponseWriter, r *http.Request) error {
	if !confirmed(r) {
		return s.adminDeleteChannelConfirm(w, r)
	}
	c, err := s.channelFromPath(r)
	if err != nil {
		return err
	}
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	err = s.chat.Delete(r.Context(), c.ID, version)
	if ref, _, ok := refusal.As(err); ok {
		return s.renderDeleteChannel(w, r, refusalStatus(ref.Kind), c, ref.Message)
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Channel “"+c.Name+"” deleted; nothing more is posted to it.")
	return redirect(w, r, admin.ChannelsPath)
}

// adminTestChannel posts a sample message now and shows the answer.
func (s *Server) adminTestChannel(w http.ResponseWriter, r *http.Request) error {
	c, err := s.channelFromPath(r)
	if err != nil {
		return err
	}
	res, err := s.chat.SendTest(r.Context(), c.ID)
	if err != nil {
		return err
	}
	kind := "success"
	if !res.OK {
		kind = "error"
	}
	s.flash(w, r, kind, "Test message to “"+c.Name+"”: "+res.Summary())
	return redirect(w, r, admin.ChannelPath(c.ID))
}

func (s *Server) adminRedeliverChat(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return errNotFound
	}
	d, err := s.chat.GetDelivery(r.Context(), id)
	if err != nil {
		return err
	}
	// A refusal (the channel is off, no job system) is a 409 page.
	if err := s.chat.Redeliver(r.Context(), id); err != nil {
		return err
	}
	s.flash(w, r, "success", "Delivery queued again: it is posted in a moment.")
	return redirect(w, r, admin.ChannelPath(d.ChannelID))
}
