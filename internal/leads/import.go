package leads

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// MaxImportBytes bounds an uploaded CSV file.
const MaxImportBytes = 20 << 20

// ImportFields are the lead fields a CSV column can map to, in form order.
var ImportFields = []string{"company", "contact_name", "email", "phone", "title", "country", "fit", "score", "source_campaign"}

// ImportFieldLabels name the import fields as the mapping form does.
var ImportFieldLabels = map[string]string{"company": "Company", "contact_name": "Contact name", "email": "Email",
	"phone": "Phone", "title": "Job title", "country": "Country", "fit": "Fit", "score": "Score",
	"source_campaign": "Source campaign (name or id)"}

// requiredFields must be mapped to a column.
var requiredFields = []string{"company", "contact_name", "email"}

// Table is a parsed CSV file.
type Table struct {
	Header []string
	Rows   [][]string
	// Lines holds each row's line number in the file (header is line 1).
	Lines []int
}

// ErrNotCSV explains why a file could not be read as CSV.
type ErrNotCSV struct{ Reason string }

func (e *ErrNotCSV) Error() string { return e.Reason }

// Mapping maps a lead field to a column index (-1: not imported).
type Mapping map[string]int

// GuessMapping matches header names to fields ("Company", "Contact name",
// "E-mail", …); unknown fields map to -1.
func GuessMapping(header []string) Mapping {
	aliases := map[string][]string{
		"company":      {"company", "company name", "organization", "organisation", "account"},
		"contact_name": {"contact", "contact name", "name", "full name", "contact_name"},
		"email":        {"email", "e-mail", "email address", "mail"},
		"phone":        {"phone", "telephone", "phone number", "mobile"},
		"title":        {"title", "job title", "position", "role"},
		"country":      {"country", "country code"},
		"fit":          {"fit"},
		"score":        {"score", "lead score"},
		"source_campaign": {"source campaign", "source_campaign", "campaign", "campaign name", "campaign id",
			"source_campaign_id", "source campaign id"},
	}
	m := Mapping{}
	for _, f := range ImportFields {
		m[f] = -1
		for i, h := range header {
			for _, a := range aliases[f] {
				if strings.EqualFold(strings.TrimSpace(h), a) && m[f] == -1 {
					m[f] = i
				}
			}
		}
	}
	return m
}

// Check reports mapping problems for the user.
func (m Mapping) Check(columns int) FieldErrors {
	errs := FieldErrors{}
	for _, f := range requiredFields {
		if m[f] < 0 {
			// Named, because the error summary lists every field's message.
			errs[f] = "Choose the column that holds the " + strings.ToLower(ImportFieldLabels[f]) + "."
		}
	}
	used := map[int]string{}
	for _, f := range ImportFields {
		i := m[f]
		if i >= columns {
			errs[f] = "That column does not exist."
		} else if i >= 0 {
			if other, dup := used[i]; dup {
				errs[f] = "This column is already mapped to " + strings.ToLower(ImportFieldLabels[other]) + "; choose another for " +
					strings.ToLower(ImportFieldLabels[f]) + "."
			}
			used[i] = f
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// BadRow is a row refused by validation, with why.
type BadRow struct {
	Line   int
	Reason string
	Fields []string
}

// Validated splits a table into leads to import and refused rows.
type Validated struct {
	Good  []NewLead
	Lines []int // line of each good row
	rows  []int // index of each good row in the table
	Bad   []BadRow
}

// Validate checks every row: required fields, email format, and duplicates
// within the file and against existing leads (by email).
func (s *Store) Validate(ctx context.Context, t Table, m Mapping) (Validated, error) {
	var v Validated
	// A field missing from the mapping is not imported (rather than
	// read from column 0, the zero value).
	mapped := func(f string) bool { i, ok := m[f]; return ok && i >= 0 }
	cell := func(row []string, f string) string {
		if i := m[f]; mapped(f) && i < len(row) {
			return row[i]
		}
		return ""
	}
	var campaigns campaignIndex
	if mapped("source_campaign") {
		var err error
		if campaigns, err = s.campaignIndex(ctx); err != nil {
			return v, err
		}
	}
	seen := map[string]int{}
	for i, row := range t.Rows {
		n := NewLead{Company: cell(row, "company"), ContactName: cell(row, "contact_name"), Email: cell(row, "email"),
			Phone: cell(row, "phone"), Title: cell(row, "title"), Country: cell(row, "country"), Fit: cell(row, "fit")}
		var reasons []string
		score, msg := ParseScore(cell(row, "score"))
		if msg != "" {
			reasons = append(reasons, "score: "+msg)
		}
		n.Score = score
		if id, msg := campaigns.match(cell(row, "source_campaign")); msg != "" {
			reasons = append(reasons, "source campaign: "+msg)
		} else {
			n.SourceCampaignID = id
		}
		n.Normalize()
		if errs := n.Validate(); errs != nil {
			for _, f := range ImportFields {
				if msg, ok := errs[f]; ok {
					reasons = append(reasons, f+": "+msg)
				}
			}
		}
		if first, dup := seen[n.Email]; dup && n.Email != "" {
			reasons = append(reasons, fmt.Sprintf("email: duplicate of line %d in this file", first))
		}
		if len(reasons) > 0 {
			v.Bad = append(v.Bad, BadRow{Line: t.Lines[i], Reason: strings.Join(reasons, "; "), Fields: row})
			continue
		}
		seen[n.Email] = t.Lines[i]
		v.Good = append(v.Good, n)
		v.Lines = append(v.Lines, t.Lines[i])
		v.rows = append(v.rows, i)
	}
	if len(v.Good) == 0 {
		return v, nil
	}
	emails := make([]string, len(v.Good))
	for i, n := range v.Good {
		emails[i] = n.Email
	}
	rows, err := s.pool.Query(ctx, `SELECT lower(email) FROM leads WHERE lower(email) = ANY($1)`, emails)
	if err != nil {
		return v, err
	}
	existing, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return v, err
	}
	if len(existing) == 0 {
		return v, nil
	}
	taken := map[string]bool{}
	for _, e := range existing {
		taken[e] = true
	}
	kept := Validated{Bad: v.Bad}
	for i, n := range v.Good {
		if taken[n.Email] {
			kept.Bad = append(kept.Bad, BadRow{Line: v.Lines[i], Reason: "email: a lead with this email exists already", Fields: t.Rows[v.rows[i]]})
			continue
		}
		kept.Good = append(kept.Good, n)
		kept.Lines = append(kept.Lines, v.Lines[i])
		kept.rows = append(kept.rows, v.rows[i])
	}
	sort.Slice(kept.Bad, func(i, j int) bool { return kept.Bad[i].Line < kept.Bad[j].Line })
	return kept, nil
}

// campaignIndex finds a campaign by id or by name for import rows.
type campaignIndex struct {
	ids    map[int64]bool
	byName map[string][]int64 // lower-cased, trimmed name → ids
}

func (s *Store) campaignIndex(ctx context.Context) (campaignIndex, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name FROM campaigns`)
	if err != nil {
		return campaignIndex{}, err
	}
	type campaign struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[campaign])
	if err != nil {
		return campaignIndex{}, err
	}
	ix := campaignIndex{ids: map[int64]bool{}, byName: map[string][]int64{}}
	for _, c := range list {
		ix.ids[c.ID] = true
		key := strings.ToLower(strings.TrimSpace(c.Name))
		ix.byName[key] = append(ix.byName[key], c.ID)
	}
	return ix, nil
}

// match reads a cell naming a campaign: its id, or its name (case and
// surrounding spaces ignored). A blank cell is no campaign. msg says why a
// cell matches no campaign, or more than one.
func (ix campaignIndex) match(raw string) (id int64, msg string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return 0, ""
	}
	// A name that is all digits would be unusual; an id is the likelier
	// meaning, and a name still matches when no campaign has that id.
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil && ix.ids[n] {
		return n, ""
	}
	switch ids := ix.byName[strings.ToLower(raw)]; len(ids) {
	case 0:
		return 0, fmt.Sprintf("no campaign has the name or id %q", raw)
	case 1:
		return ids[0], ""
	default:
		return 0, fmt.Sprintf("%d campaigns are named %q; use the campaign's id instead", len(ids), raw)
	}
}
