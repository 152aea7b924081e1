// Package webhooks owns the outbound webhook endpoints admins register on
// /admin/webhooks and the deliveries of events to them, per the Standard
// Webhooks spec (https://www.standardwebhooks.com): a JSON envelope signed
// with HMAC-SHA256 under a `whsec_` secret, in the webhook-id,
// webhook-timestamp and webhook-signature headers; retries with backoff for
// 24 hours; an endpoint failing that long (or answering 410 Gone) is turned
// off and the admins are told; a delivery log per endpoint with redeliver.
package webhooks

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"tandem/internal/events"
	"tandem/internal/format"
	"tandem/internal/outbound"
	"tandem/internal/validate"
)

// Endpoint is one registered receiver. Its secrets never leave the
// package: the page shows a new one once, and only whether an old one
// still signs.
type Endpoint struct {
	ID          int64    `db:"id"`
	URL         string   `db:"url"`
	Description string   `db:"description"`
	EventKinds  []string `db:"event_kinds"`
	Enabled     bool     `db:"enabled"`
	// PreviousExpiresAt is when the secret replaced by the last rotation
	// stops signing; nil when no old secret signs.
	PreviousExpiresAt *time.Time `db:"previous_expires_at"`
	FailingSince      *time.Time `db:"failing_since"`
	DisabledReason    string     `db:"disabled_reason"`
	TestedAt          *time.Time `db:"tested_at"`
	TestResult        string     `db:"test_result"`
	CreatedBy         *int64     `db:"created_by"`
	CreatedAt         time.Time  `db:"created_at"`
	UpdatedAt         time.Time  `db:"updated_at"`
	Version           int        `db:"version"`
}

// Takes reports whether the endpoint is subscribed to events of kind k.
func (e Endpoint) Takes(k events.Kind) bool { return slices.Contains(e.EventKinds, string(k)) }

// OldSecretSigns reports whether the secret replaced by the last rotation
// still signs deliveries beside the current one at now.
func (e Endpoint) OldSecretSigns(now time.Time) bool {
	return e.PreviousExpiresAt != nil && now.Before(*e.PreviousExpiresAt)
}

// Statuses of a delivery.
const (
	Pending   = "pending" // planned, being tried or retried
	Delivered = "delivered"
	Failed    = "failed" // given up: 410, 24 hours of failures, or the endpoint was turned off
)

// Delivery is one message of one event to one endpoint: its first round,
// or a redelivery (RedeliveryOf set) with the same webhook-id.
type Delivery struct {
	ID              int64       `db:"id"`
	EndpointID      int64       `db:"endpoint_id"`
	EventID         int64       `db:"event_id"`
	EventKind       events.Kind `db:"event_kind"`
	RedeliveryOf    *int64      `db:"redelivery_of"`
	Status          string      `db:"status"`
	Attempts        int         `db:"attempts"`
	LastStatusCode  *int        `db:"last_status_code"`
	LatencyMS       *int        `db:"latency_ms"`
	ResponseExcerpt string      `db:"response_excerpt"`
	Error           string      `db:"error"`
	CreatedAt       time.Time   `db:"created_at"`
	QueuedAt        time.Time   `db:"queued_at"`
	LastAttemptAt   *time.Time  `db:"last_attempt_at"`
	NextAttemptAt   *time.Time  `db:"next_attempt_at"`
	DeliveredAt     *time.Time  `db:"delivered_at"`
}

// MessageID is the webhook-id of every delivery of the event, to every
// endpoint and on every attempt: receivers drop a message they have seen.
func MessageID(eventID int64) string { return "msg_" + strconv.FormatInt(eventID, 10) }

// PayloadVersion is the envelope's "version": it changes only with a
// change of the payloads receivers must adapt to (a field removed or
// changing meaning); new fields may appear in any version.
const PayloadVersion = 1

// TestType is the "type" of the sample event "Send test event" posts.
const TestType = "webhook.test"

// Envelope is the JSON body of every delivery, as the OpenAPI document's
// webhooks section describes it: the event's kind, when it happened, the
// payload version and the kind's payload (events.Lead, Campaign, Alert,
// Feedback or Digest).
type Envelope struct {
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"` // RFC 3339, UTC
	Version   int             `json:"version"`
	Data      json.RawMessage `json:"data"`
}

// TestData is the payload of a webhook.test event.
type TestData struct {
	EndpointID int64  `json:"endpoint_id"`
	Message    string `json:"message"`
}

// Limits of the endpoint form, in characters.
const (
	MaxDescription = 200
	MaxURL         = outbound.MaxURL
)

// Form is the endpoint form as typed, so a refused form comes back filled.
type Form struct {
	URL, Description string
	EventKinds       []string
	Enabled          bool
}

// DefaultForm is a new endpoint's form: on, and no kind chosen yet.
func DefaultForm() Form { return Form{Enabled: true} }

// FormOf fills the form with a saved endpoint, for editing.
func FormOf(e Endpoint) Form {
	return Form{URL: e.URL, Description: e.Description, EventKinds: slices.Clone(e.EventKinds), Enabled: e.Enabled}
}

// settings are a parsed form.
type settings struct {
	url, description string
	eventKinds       []string
	enabled          bool
}

// parse validates the form field by field.
func (f Form) parse() (settings, validate.FieldErrors) {
	errs := validate.FieldErrors{}
	s := settings{url: strings.TrimSpace(f.URL), description: strings.TrimSpace(f.Description), enabled: f.Enabled}
	if msg := outbound.CheckURL(s.url); msg != "" {
		errs["url"] = msg
	}
	if utf8.RuneCountInString(s.description) > MaxDescription {
		errs["description"] = "Keep the description under " + format.Int(MaxDescription) + " characters."
	}
	for _, k := range events.Kinds {
		if slices.Contains(f.EventKinds, string(k)) {
			s.eventKinds = append(s.eventKinds, string(k))
		}
	}
	if len(s.eventKinds) != len(slices.Compact(slices.Sorted(slices.Values(f.EventKinds)))) {
		errs["event_kinds"] = "Choose event kinds from the list."
	} else if len(s.eventKinds) == 0 {
		errs["event_kinds"] = "Choose at least one kind of event the endpoint receives."
	}
	if len(errs) > 0 {
		return s, errs
	}
	return s, nil
}
