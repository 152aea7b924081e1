package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/events/eventstest"
	"tandem/internal/server/apidoc"
	"tandem/internal/webhooks"
)

// delivered is one webhook request a test receiver got.
type delivered struct {
	header http.Header
	body   []byte
}

// webhookSink is a receiver that keeps every delivery and answers 204.
type webhookSink struct {
	*httptest.Server
	mu   sync.Mutex
	got  []delivered
	seen map[string]bool
}

func newWebhookSink(t *testing.T) *webhookSink {
	t.Helper()
	s := &webhookSink{seen: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.got = append(s.got, delivered{header: r.Header.Clone(), body: b})
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *webhookSink) deliveries() []delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

// allKinds is an endpoint form subscribed to every event kind.
func allKinds(target string) webhooks.Form {
	f := webhooks.Form{URL: target, Enabled: true}
	for _, k := range events.Kinds {
		f.EventKinds = append(f.EventKinds, string(k))
	}
	return f
}

// deliverSince plans and makes the webhook deliveries of every event
// recorded after mark, as the job system would.
func (e *testEnv) deliverSince(t *testing.T, mark int64) {
	t.Helper()
	ctx := context.Background()
	rows, err := e.pool.Query(ctx, `SELECT id, kind FROM events WHERE id > $1 ORDER BY id`, mark)
	if err != nil {
		t.Fatal(err)
	}
	type ev struct {
		ID   int64       `db:"id"`
		Kind events.Kind `db:"kind"`
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[ev])
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list {
		var ids []int64
		err := db.InTx(ctx, e.pool, func(tx pgx.Tx) error {
			var err error
			ids, err = e.srv.webhooks.Plan(ctx, tx, events.Event{ID: x.ID, Kind: x.Kind})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if err := e.srv.webhooks.Deliver(ctx, id, 1); err != nil {
				t.Fatalf("deliver %s: %v", x.Kind, err)
			}
		}
	}
}

// checkAgainstDocument validates one delivery against the webhooks section
// of the OpenAPI document with kin-openapi's JSON Schema 2020-12 validator
// (what the API tests use for 3.1): the headers against their parameters,
// the body against the kind's request schema; and it checks that every
// field of the envelope and of its data is documented, so a field added to
// a payload cannot go undocumented. It returns the delivery's type.
func checkAgainstDocument(t *testing.T, doc *openapi3.T, d delivered) string {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(d.body, &body); err != nil {
		t.Fatalf("delivery is not a JSON object: %v\n%s", err, d.body)
	}
	typ, _ := body["type"].(string)
	item := doc.Webhooks[typ]
	if item == nil || item.Post == nil {
		t.Errorf("the document has no webhook %q", typ)
		return typ
	}
	for _, p := range item.Post.Parameters {
		v := d.header.Get(p.Value.Name)
		if v == "" && p.Value.Required {
			t.Errorf("%s: no %s header", typ, p.Value.Name)
			continue
		}
		if err := p.Value.Schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("%s: header %s %q: %v", typ, p.Value.Name, v, err)
		}
	}
	schema := item.Post.RequestBody.Value.Content.Get("application/json").Schema.Value
	if err := schema.VisitJSON(body, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("%s does not match the document: %v\n%s", typ, err, d.body)
	}
	if len(schema.AllOf) != 2 {
		t.Fatalf("%s: the schema is not envelope + payload", typ)
	}
	envelope := schema.AllOf[0].Value
	for k := range body {
		if envelope.Properties[k] == nil {
			t.Errorf("%s: envelope field %q is not documented", typ, k)
		}
	}
	payload := schema.AllOf[1].Value.Properties["data"].Value
	data, _ := body["data"].(map[string]any)
	for k := range data {
		if payload.Properties[k] == nil {
			t.Errorf("%s: data field %q is not documented in %s", typ, k, schema.AllOf[1].Value.Properties["data"].Ref)
		}
	}
	return typ
}

// The payload of each family of event kinds, made by the real change over
// HTTP and delivered to a real receiver, matches the OpenAPI document's
// webhooks section; so does the test event.
func TestWebhookPayloadsMatchTheOpenAPIDocument(t *testing.T) {
	t.Parallel()
	doc := apidoc.Document()
	for _, k := range events.Kinds {
		if doc.Webhooks[string(k)] == nil {
			t.Errorf("no webhook %s in the document", k)
		}
	}
	if doc.Webhooks[webhooks.TestType] == nil {
		t.Errorf("no webhook %s in the document", webhooks.TestType)
	}
	// Each happy path and the kinds its change must deliver.
	cases := map[string][]events.Kind{
		"POST /leads/{id}/hand-off":     {events.LeadHandedOff},
		"POST /leads/{id}/reject":       {events.LeadRejected},
		"POST /leads/{id}/win":          {events.LeadWon},
		"POST /campaigns/{id}/announce": {events.CampaignAnnounced},
		"POST /alerts":                  {events.AlertPosted},
		"POST /feedback":                {events.FeedbackLogged},
		"POST /digests/{week}/send":     {events.DigestPublished},
	}
	for key, kinds := range cases {
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
			t.Parallel()
			hc := happyPaths[key]
			e, c := hc.start(t)
			p := hc.prepare(t, e, c)
			sink := newWebhookSink(t)
			if _, _, err := e.srv.webhooks.Create(context.Background(), e.userID("admin@example.com"), allKinds(sink.URL+"/hook")); err != nil {
				t.Fatal(err)
			}
			if key == "POST /digests/{week}/send" {
				// The demo data archived the week already; a week is
				// published once, when it is first archived.
				archived, _ := weeks()
				if _, err := e.pool.Exec(context.Background(), `DELETE FROM digests WHERE week = $1`, archived); err != nil {
					t.Fatal(err)
				}
			}
			mark := eventstest.Last(t, e.pool)
			wantStatus(t, c.post(p.path, p.form), http.StatusSeeOther)
			e.deliverSince(t, mark)
			var types []string
			for _, d := range sink.deliveries() {
				types = append(types, checkAgainstDocument(t, doc, d))
			}
			for _, k := range kinds {
				if !slices.Contains(types, string(k)) {
					t.Errorf("%s delivered %v, not %s", key, types, k)
				}
			}
		})
	}
	t.Run("webhook.test", func(t *testing.T) {
		t.Parallel()
		e := newTestEnv(t)
		sink := newWebhookSink(t)
		ep, _, err := e.srv.webhooks.Create(context.Background(), e.userID("admin@example.com"), allKinds(sink.URL))
		if err != nil {
			t.Fatal(err)
		}
		if r, err := e.srv.webhooks.SendTest(context.Background(), ep.ID); err != nil || !r.OK {
			t.Fatalf("%+v %v", r, err)
		}
		got := sink.deliveries()
		if len(got) != 1 || checkAgainstDocument(t, doc, got[0]) != webhooks.TestType {
			t.Errorf("%d deliveries", len(got))
		}
	})
}

// The document rejects what a receiver must not be promised: a payload
// missing a required field, or of another version.
func TestWebhookSchemasRefuseWrongPayloads(t *testing.T) {
	t.Parallel()
	doc := apidoc.Document()
	schema := doc.Webhooks["lead.won"].Post.RequestBody.Value.Content.Get("application/json").Schema.Value
	good := map[string]any{"type": "lead.won", "timestamp": "2026-11-16T09:00:00Z", "version": float64(1),
		"data": map[string]any{"id": float64(1), "company": "Acme", "contact": "Ann", "stage": "won", "owner_id": nil, "url": "https://t.example/leads/1"}}
	if err := schema.VisitJSON(good, openapi3.EnableJSONSchema2020()); err != nil {
		t.Fatalf("a good payload is refused: %v", err)
	}
	for name, change := range map[string]func(map[string]any){
		"version 2":     func(m map[string]any) { m["version"] = float64(2) },
		"no data id":    func(m map[string]any) { delete(m["data"].(map[string]any), "id") },
		"unknown stage": func(m map[string]any) { m["data"].(map[string]any)["stage"] = "eaten" },
		"wrong family":  func(m map[string]any) { m["type"] = "campaign.announced" },
	} {
		bad := map[string]any{}
		for k, v := range good {
			bad[k] = v
		}
		data := map[string]any{}
		for k, v := range good["data"].(map[string]any) {
			data[k] = v
		}
		bad["data"] = data
		change(bad)
		if err := schema.VisitJSON(bad, openapi3.EnableJSONSchema2020()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
