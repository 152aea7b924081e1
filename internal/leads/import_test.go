package leads_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strconv"
	"strings"
	"testing"

	"tandem/internal/leads"
)

// A file of mixed rows: lines are numbered as in the file (header = 1).
const mixedCSV = `Company;Contact name;E-mail;Phone;Score
Acme;Ann Lee;ann@acme.example;+49 1;80
;No Company;nocompany@x.example;;
Beta;Bob;not-an-email;;
Gamma;Gail;gail@gamma.example;;abc
Delta;Dan;ann@acme.example;;
Epsilon;Eve;existing@lead.example;;
Zeta;Zoe;ZOE@zeta.example;;100

Eta;Ed;ed@eta.example;;7
`

func TestImportMixedFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.store.Create(ctx, f.marketer, leads.NewLead{Company: "Old", ContactName: "O", Email: "existing@lead.example"}); err != nil {
		t.Fatal(err)
	}
	table, err := leads.ParseCSV([]byte("\xef\xbb\xbf" + mixedCSV))
	if err != nil {
		t.Fatal(err)
	}
	m := leads.GuessMapping(table.Header)
	if m["company"] != 0 || m["contact_name"] != 1 || m["email"] != 2 || m["phone"] != 3 || m["score"] != 4 || m["title"] != -1 {
		t.Fatalf("guessed mapping %v", m)
	}
	if errs := m.Check(len(table.Header)); errs != nil {
		t.Fatal(errs)
	}
	v, err := f.store.Validate(ctx, table, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Good) != 3 || len(v.Bad) != 5 {
		t.Fatalf("%d good, %d bad: %+v", len(v.Good), len(v.Bad), v.Bad)
	}
	wantBad := map[int]string{3: "company", 4: "email", 5: "score", 6: "duplicate of line 2", 7: "exists already"}
	for _, b := range v.Bad {
		if !strings.Contains(b.Reason, wantBad[b.Line]) {
			t.Errorf("line %d: %q, want it to mention %q", b.Line, b.Reason, wantBad[b.Line])
		}
	}
	if v.Lines[2] != 10 {
		t.Errorf("the row after the blank line is line %d, want 10", v.Lines[2])
	}
	up, err := f.store.SaveUpload(ctx, f.marketer, "mixed.csv", []byte(mixedCSV))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.Import(ctx, f.marketer, up, v, table.Header); err != nil {
		t.Fatal(err)
	}
	var imported, events int
	_ = f.pool.QueryRow(ctx, `SELECT count(*) FROM leads WHERE import_id = $1`, up).Scan(&imported)
	_ = f.pool.QueryRow(ctx, `SELECT count(*) FROM lead_events e JOIN leads l ON l.id = e.lead_id WHERE l.import_id = $1`, up).Scan(&events)
	if imported != 3 || events != 3 {
		t.Errorf("imported %d leads with %d events, want 3 and 3", imported, events)
	}
	if err := f.store.Import(ctx, f.marketer, up, v, table.Header); !errors.Is(err, leads.ErrAlreadyImported) {
		t.Errorf("second import of the same upload: %v", err)
	}
	report, err := f.store.RejectedCSV(ctx, f.marketer, up)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(report)).ReadAll()
	if err != nil || len(recs) != 6 || recs[0][0] != "line" || recs[1][0] != "3" {
		t.Errorf("rejected report %v (%v)", recs, err)
	}
	// Another marketer's upload is not theirs to see.
	if _, err := f.store.GetUpload(ctx, f.rep, up); err == nil {
		t.Error("someone else's upload was readable")
	}
}

// A failure during the write leaves nothing of the file behind.
func TestImportIsAllOrNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	table, err := leads.ParseCSV([]byte("company,contact,email\nA,Ann,a@a.example\nB,Bob,b@b.example\nC,Cy,c@c.example\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := leads.GuessMapping(table.Header)
	v, err := f.store.Validate(ctx, table, m)
	if err != nil || len(v.Good) != 3 {
		t.Fatalf("validate: %v %+v", err, v)
	}
	// Between validation and import, someone adds one of the emails.
	if _, err := f.store.Create(ctx, f.marketer, leads.NewLead{Company: "X", ContactName: "X", Email: "c@c.example"}); err != nil {
		t.Fatal(err)
	}
	up, _ := f.store.SaveUpload(ctx, f.marketer, "race.csv", []byte("x"))
	err = f.store.Import(ctx, f.marketer, up, v, table.Header)
	var notCSV *leads.ErrNotCSV
	if !errors.As(err, &notCSV) {
		t.Fatalf("import over a duplicate: %v", err)
	}
	var n int
	_ = f.pool.QueryRow(ctx, `SELECT count(*) FROM leads`).Scan(&n)
	if n != 1 {
		t.Errorf("%d leads after the failed import, want only the 1 added by hand", n)
	}
	var done bool
	_ = f.pool.QueryRow(ctx, `SELECT imported_at IS NOT NULL FROM lead_imports WHERE id = $1`, up).Scan(&done)
	if done {
		t.Error("the failed import was marked done")
	}
}

func TestParseCSVRefusals(t *testing.T) {
	t.Parallel()
	for name, content := range map[string]string{
		"empty":     "",
		"no rows":   "company,contact,email\n",
		"not utf-8": "company\n\xff\xfe\n",
		"bad quote": "company,contact\n\"Acme,Ann\n",
	} {
		_, err := leads.ParseCSV([]byte(content))
		var notCSV *leads.ErrNotCSV
		if !errors.As(err, &notCSV) || notCSV.Reason == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
	m := leads.Mapping{"company": 0, "contact_name": 0, "email": -1}
	errs := m.Check(3)
	if errs["email"] == "" || errs["contact_name"] == "" {
		t.Errorf("mapping check: %v", errs)
	}
}

// The error summary lists the mapping's messages without their fields, so
// each message names the field it is about.
func TestMappingRefusalsNameTheirField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		m     leads.Mapping
		field string
		want  string
	}{
		{"company missing", leads.Mapping{"company": -1, "contact_name": 1, "email": 2}, "company", "Choose the column that holds the company."},
		{"email missing", leads.Mapping{"company": 0, "contact_name": 1, "email": -1}, "email", "Choose the column that holds the email."},
		{"column used twice", leads.Mapping{"company": 0, "contact_name": 0, "email": 2}, "contact_name",
			"This column is already mapped to company; choose another for contact name."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Check(3)[tc.field]; got != tc.want {
				t.Errorf("%s: %q, want %q", tc.field, got, tc.want)
			}
		})
	}
}

// The source campaign column matches a campaign by id or by name (case
// and spaces ignored); a cell that matches none, or several, is reported
// on its line.
func TestImportSourceCampaignByNameOrID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	webinar := f.campaign(t, "Spring Webinar", "2026-03-10")
	fair := f.campaign(t, "Trade fair", "2026-05-01")
	f.campaign(t, "Twice", "2025-01-01")
	f.campaign(t, "twice ", "2026-01-01")
	content := "company,contact,email,campaign,score\n" +
		"A,Ann,a@a.example,  spring webinar ,10\n" + // line 2: by name
		"B,Bob,b@b.example," + strconv.FormatInt(fair, 10) + ",\n" + // line 3: by id
		"C,Cy,c@c.example,,\n" + // line 4: none
		"D,Di,d@d.example,Autumn gala,\n" + // line 5: unknown name
		"E,Ed,e@e.example,999999,\n" + // line 6: unknown id
		"F,Fa,f@f.example,Twice,\n" + // line 7: ambiguous
		"G,Gi,g@g.example,,NaN\n" + // line 8: bad score
		"H,Hu,h@h.example,,55.5\n" // line 9: bad score
	table, err := leads.ParseCSV([]byte(content))
	if err != nil {
		t.Fatal(err)
	}
	m := leads.GuessMapping(table.Header)
	if m["source_campaign"] != 3 {
		t.Fatalf("guessed mapping %v", m)
	}
	v, err := f.store.Validate(ctx, table, m)
	if err != nil {
		t.Fatal(err)
	}
	wantBad := map[int]string{5: `source campaign: no campaign has the name or id "Autumn gala"`,
		6: `source campaign: no campaign has the name or id "999999"`, 7: "2 campaigns are named", 8: "score: ", 9: "score: "}
	if len(v.Bad) != len(wantBad) {
		t.Errorf("bad rows %+v", v.Bad)
	}
	for _, b := range v.Bad {
		if want, ok := wantBad[b.Line]; !ok || !strings.Contains(b.Reason, want) {
			t.Errorf("line %d: %q, want %q", b.Line, b.Reason, want)
		}
	}
	up, _ := f.store.SaveUpload(ctx, f.marketer, "campaigns.csv", []byte(content))
	if err := f.store.Import(ctx, f.marketer, up, v, table.Header); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	rows, _ := f.pool.Query(ctx, `SELECT email, coalesce(source_campaign_id, 0) FROM leads WHERE import_id = $1`, up)
	for rows.Next() {
		var email string
		var id int64
		_ = rows.Scan(&email, &id)
		got[email] = id
	}
	rows.Close()
	if len(got) != 3 || got["a@a.example"] != webinar || got["b@b.example"] != fair || got["c@c.example"] != 0 {
		t.Errorf("imported campaigns %v (webinar %d, fair %d)", got, webinar, fair)
	}
}
