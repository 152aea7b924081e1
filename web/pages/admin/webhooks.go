package admin

import (
	"net/url"
	"slices"
	"strconv"
	"time"

	"tandem/internal/events"
	"tandem/internal/format"
	"tandem/internal/webhooks"
	"tandem/web/components"
)

// WebhooksPath is the list of webhook endpoints.
const WebhooksPath = "/admin/webhooks"

// WebhookPath is an endpoint's page: its settings and delivery log.
func WebhookPath(id int64) string { return webhooks.EndpointPath(id) }

// WebhookRow is one endpoint in the list.
type WebhookRow struct {
	URL, Href, Description, Reason, FailingSince string
	Enabled                                      bool
	Kinds                                        int
}

// Webhooks is /admin/webhooks.
type Webhooks struct {
	components.Page
	Rows []WebhookRow
}

// WebhooksOf builds the list page.
func WebhooksOf(p components.Page, list []webhooks.Endpoint) Webhooks {
	v := Webhooks{Page: p}
	for _, e := range list {
		row := WebhookRow{URL: e.URL, Href: WebhookPath(e.ID), Description: e.Description, Enabled: e.Enabled,
			Kinds: len(e.EventKinds), Reason: e.DisabledReason}
		if e.FailingSince != nil {
			row.FailingSince = p.DateTime(*e.FailingSince)
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// WebhookDeliveryRow is one delivery of the endpoint's log.
type WebhookDeliveryRow struct {
	ID                                    int64
	Event, Status, At, Attempts           string
	Code, Latency, Excerpt, Error, NextAt string
	Failed, Delivered, Redelivery         bool
	RedeliverAction                       string
}

// WebhookForm is the endpoint form: a new endpoint (ID 0), or a saved one
// with its status, its secret if just made, and its delivery log.
type WebhookForm struct {
	components.Page
	ID      int64
	Version int
	F       webhooks.Form
	Errors  map[string]string
	Kinds   []KindChoice

	// A saved endpoint's state.
	Secret         string // shown once, right after create or rotation
	Enabled        bool
	DisabledReason string
	FailingSince   string
	PreviousUntil  string // when the rotated-out secret stops signing
	TestedAt       string
	TestResult     string
	Deliveries     []WebhookDeliveryRow
	NewerURL       string
	OlderURL       string
}

// WebhookFields are the form's fields top to bottom, the error summary's order.
var WebhookFields = []string{"", "url", "description", "event_kinds"}

// DeliveriesPerPage is how many deliveries an endpoint's page lists.
const DeliveriesPerPage = 25

// WebhookFormOf builds the form for a new endpoint (e.ID 0) or a saved one
// with a page of its deliveries (before: the cursor the page was opened
// with; more: whether older deliveries exist).
func WebhookFormOf(p components.Page, e webhooks.Endpoint, f webhooks.Form, version int, errs map[string]string,
	deliveries []webhooks.Delivery, before int64, more bool) WebhookForm {
	v := WebhookForm{Page: p, ID: e.ID, Version: version, F: f, Errors: errs}
	for _, k := range events.Kinds {
		v.Kinds = append(v.Kinds, KindChoice{Value: string(k), Label: k.Label(), Checked: slices.Contains(f.EventKinds, string(k))})
	}
	if e.ID == 0 {
		return v
	}
	v.Enabled, v.DisabledReason = e.Enabled, e.DisabledReason
	if e.FailingSince != nil {
		v.FailingSince = p.DateTime(*e.FailingSince)
	}
	if e.OldSecretSigns(time.Now()) {
		v.PreviousUntil = p.DateTime(*e.PreviousExpiresAt)
	}
	if e.TestedAt != nil {
		v.TestedAt, v.TestResult = p.DateTime(*e.TestedAt), e.TestResult
	}
	for _, d := range deliveries {
		row := WebhookDeliveryRow{ID: d.ID, Event: d.EventKind.Label(), Status: webhookDeliveryStatus(d), At: p.DateTime(d.CreatedAt),
			Attempts: strconv.Itoa(d.Attempts), Excerpt: d.ResponseExcerpt, Error: format.Excerpt(d.Error, 160),
			Failed: d.Status == webhooks.Failed, Delivered: d.Status == webhooks.Delivered, Redelivery: d.RedeliveryOf != nil,
			RedeliverAction: WebhooksPath + "/deliveries/" + strconv.FormatInt(d.ID, 10) + "/redeliver"}
		if d.LastStatusCode != nil {
			row.Code = strconv.Itoa(*d.LastStatusCode)
		}
		if d.LatencyMS != nil {
			row.Latency = format.Int(*d.LatencyMS) + " ms"
		}
		if d.LastAttemptAt != nil {
			row.At = p.DateTime(*d.LastAttemptAt)
		}
		if d.NextAttemptAt != nil && d.Status == webhooks.Pending {
			row.NextAt = p.DateTime(*d.NextAttemptAt)
		}
		v.Deliveries = append(v.Deliveries, row)
	}
	if before > 0 {
		v.NewerURL = WebhookPath(e.ID) + "#deliveries-h"
	}
	if more && len(deliveries) > 0 {
		v.OlderURL = WebhookPath(e.ID) + "?" + url.Values{"before": {strconv.FormatInt(deliveries[len(deliveries)-1].ID, 10)}}.Encode() + "#deliveries-h"
	}
	return v
}

func webhookDeliveryStatus(d webhooks.Delivery) string {
	switch {
	case d.Status == webhooks.Delivered:
		return "delivered"
	case d.Status == webhooks.Failed:
		return "failed"
	case d.Attempts > 0:
		return "retrying"
	}
	return "queued"
}

func (v WebhookForm) action() string {
	if v.ID == 0 {
		return WebhooksPath
	}
	return WebhookPath(v.ID)
}

// Title is the form page's title.
func (v WebhookForm) Title() string {
	if v.ID == 0 {
		return "New webhook endpoint"
	}
	return "Webhook endpoint " + v.F.URL
}

// ConfirmWebhook is the confirm step of rotating an endpoint's secret or
// deleting the endpoint.
type ConfirmWebhook struct {
	components.Page
	Confirm components.Confirm
}

// DeleteWebhookOf asks before deleting e.
func DeleteWebhookOf(p components.Page, e webhooks.Endpoint, refusal string) ConfirmWebhook {
	return ConfirmWebhook{Page: p, Confirm: components.Confirm{
		Heading:  "Delete the webhook endpoint?",
		Question: "Delete the endpoint " + e.URL + "? Tandem stops sending it events at once.",
		Details: []string{
			"Its delivery log goes with it; what the receiver got already stays with it.",
			"Deliveries still queued or retrying are dropped.",
		},
		Refusal: refusal,
		Action:  WebhookPath(e.ID) + "/delete",
		Hidden:  []components.Hidden{{Name: "version", Value: strconv.Itoa(e.Version)}},
		Button:  "Delete the endpoint",
		Danger:  true,
		Cancel:  WebhookPath(e.ID),
	}}
}

// RotateWebhookOf asks before giving e a new secret.
func RotateWebhookOf(p components.Page, e webhooks.Endpoint, refusal string) ConfirmWebhook {
	return ConfirmWebhook{Page: p, Confirm: components.Confirm{
		Heading:  "Rotate the endpoint’s secret?",
		Question: "Give " + e.URL + " a new signing secret? It is shown once, on the next page.",
		Details: []string{
			"For 24 hours every delivery carries two signatures, one with the new secret and one with the current one, " +
				"so the receiver keeps verifying while you switch it over.",
			"After that only the new secret signs. A secret replaced by an earlier rotation stops signing now.",
		},
		Refusal: refusal,
		Action:  WebhookPath(e.ID) + "/rotate",
		Hidden:  []components.Hidden{{Name: "version", Value: strconv.Itoa(e.Version)}},
		Button:  "Rotate the secret",
		Cancel:  WebhookPath(e.ID),
	}}
}
