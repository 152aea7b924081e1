package leads

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/refusal"
	"tandem/internal/safecsv"
	"tandem/internal/users"
)

// MaxImportBytes bounds an uploaded CSV file.
const MaxImportBytes = 20 << 20

// ImportFields are the lead fields a CSV column can map to, in form order.
var ImportFields = []string{"company", "contact_name", "email", "phone", "title", "country", "fit", "score", "source_campaign"}

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

// Limits of the CSV reader. Every parsed cell costs a string header on top
// of its bytes and every column is shown on the mapping page, so a file of
// tiny cells or a header of a million columns would multiply an upload many
// times in memory; the reader refuses such files before building anything.
const (
	MaxImportColumns     = 200
	MaxImportHeaderChars = 200  // one column name
	MaxImportCellChars   = 2000 // one cell
	// One row as read. encoding/csv splits even the part of a row it read
	// before a failing read into cells, at about 40 bytes per cell, so
	// this bound is what keeps a hostile row cheap.
	maxImportRecordBytes = 128 << 10
)

// ParseCSV reads a header row and data rows, accepting comma or semicolon
// separators and a UTF-8 byte-order mark.
func ParseCSV(content []byte) (Table, error) {
	var t Table
	header, err := scanCSV(content, func(rec []string, line int) {
		t.Rows = append(t.Rows, rec)
		t.Lines = append(t.Lines, line)
	})
	t.Header = header
	return t, err
}

// Preview is what the mapping step needs of a file: its header, its first
// rows and how many rows it has, without holding every row in memory.
type Preview struct {
	Header []string
	Sample [][]string
	Rows   int
}

// PreviewCSV checks a file as ParseCSV does and keeps only the first
// sampleRows rows.
func PreviewCSV(content []byte, sampleRows int) (Preview, error) {
	var p Preview
	header, err := scanCSV(content, func(rec []string, _ int) {
		if len(p.Sample) < sampleRows {
			p.Sample = append(p.Sample, rec)
		}
		p.Rows++
	})
	p.Header = header
	return p, err
}

// errRecordTooLong stops the CSV reader inside a row longer than
// maxImportRecordBytes.
var errRecordTooLong = errors.New("record too long")

// recordLimiter fails a read once the current row has taken more than max
// bytes, so encoding/csv never buffers a hostile row whole. The CSV reader
// reads ahead by one buffer (4 KB), which the limit absorbs.
type recordLimiter struct {
	r   io.Reader
	n   int
	max int
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.n > l.max {
		return 0, errRecordTooLong
	}
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}

// scanCSV reads the header, checks every limit, and hands each data row to
// row (blank lines skipped).
func scanCSV(content []byte, row func(rec []string, line int)) ([]string, error) {
	content = bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(content) {
		return nil, &ErrNotCSV{"The file is not UTF-8 text. Save it as \"CSV UTF-8\" and upload it again."}
	}
	if i := bytes.IndexByte(content, 0); i >= 0 {
		// PostgreSQL text cannot hold a NUL byte; the import would fail on it.
		line := bytes.Count(content[:i], []byte("\n")) + 1
		return nil, &ErrNotCSV{fmt.Sprintf("Line %d contains a NUL byte, which is not text. Save the file as \"CSV UTF-8\" and upload it again.", line)}
	}
	firstLine, _, _ := bytes.Cut(content, []byte("\n"))
	limiter := &recordLimiter{r: bytes.NewReader(content), max: maxImportRecordBytes}
	r := csv.NewReader(limiter)
	if bytes.Count(firstLine, []byte(";")) > bytes.Count(firstLine, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	var header []string
	lastLine := 0 // the line the previous row ended on
	rows := 0
	for {
		limiter.n = 0
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errRecordTooLong) {
			return nil, &ErrNotCSV{fmt.Sprintf("Line %d is longer than %d KB; Tandem reads rows up to that size. Check the file is a CSV of leads.",
				lastLine+1, maxImportRecordBytes>>10)}
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ErrNotCSV{fmt.Sprintf("Line %d is not valid CSV: %v.", pe.Line, pe.Err)}
			}
			return nil, err
		}
		line, _ := r.FieldPos(0)
		lastLine, _ = r.FieldPos(len(rec) - 1)
		lastLine += strings.Count(rec[len(rec)-1], "\n")
		if len(rec) > MaxImportColumns {
			what := "row"
			if header == nil {
				what = "header"
			}
			return nil, &ErrNotCSV{fmt.Sprintf("Line %d has %d columns; Tandem reads up to %d. Remove the columns you do not need from the %s and upload the file again.",
				line, len(rec), MaxImportColumns, what)}
		}
		if header == nil {
			for i := range rec {
				rec[i] = strings.TrimSpace(rec[i])
				if n := utf8.RuneCountInString(rec[i]); n > MaxImportHeaderChars {
					return nil, &ErrNotCSV{fmt.Sprintf("Column %d of the header is a name of %d characters; Tandem reads names up to %d. Check the first line is the header.",
						i+1, n, MaxImportHeaderChars)}
				}
			}
			header = rec
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		for i, c := range rec {
			if len(c) > MaxImportCellChars { // bytes ≥ characters: count only when it could matter
				if n := utf8.RuneCountInString(c); n > MaxImportCellChars {
					return nil, &ErrNotCSV{fmt.Sprintf("Line %d, column %d holds %d characters; Tandem reads cells up to %d.",
						line, i+1, n, MaxImportCellChars)}
				}
			}
		}
		rows++
		row(rec, line)
	}
	if header == nil {
		return nil, &ErrNotCSV{"The file is empty."}
	}
	if rows == 0 {
		return header, &ErrNotCSV{"The file has a header but no rows."}
	}
	return header, nil
}

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
			errs[f] = "Choose the column that holds this field."
		}
	}
	used := map[int]string{}
	for _, f := range ImportFields {
		i := m[f]
		if i >= columns {
			errs[f] = "That column does not exist."
		} else if i >= 0 {
			if other, dup := used[i]; dup {
				errs[f] = "This column is already mapped to " + other + "."
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

// Upload is a stored CSV file awaiting or past its import.
type Upload struct {
	ID         int64      `db:"id"`
	UserID     int64      `db:"user_id"`
	Filename   string     `db:"filename"`
	Content    []byte     `db:"content"`
	CreatedAt  time.Time  `db:"created_at"`
	ImportedAt *time.Time `db:"imported_at"`
	Imported   int        `db:"imported"`
	Rejected   int        `db:"rejected"`
}

// SaveUpload stores an uploaded file for the preview → import steps.
func (s *Store) SaveUpload(ctx context.Context, by users.User, filename string, content []byte) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO lead_imports (user_id, filename, content) VALUES ($1, $2, $3) RETURNING id`,
		by.ID, filename, content).Scan(&id)
	return id, err
}

// GetUpload returns an upload of the user's (another user's is not found).
func (s *Store) GetUpload(ctx context.Context, by users.User, id int64) (Upload, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, user_id, filename, content, created_at, imported_at, imported, rejected
		FROM lead_imports WHERE id = $1 AND (user_id = $2 OR $3)`, id, by.ID, by.IsAdmin())
	if err != nil {
		return Upload{}, err
	}
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Upload])
	if errors.Is(err, pgx.ErrNoRows) {
		return Upload{}, db.ErrNotFound
	}
	return u, err
}

// RejectedCSV returns the refused rows of an import as CSV, every cell
// defused for spreadsheets.
func (s *Store) RejectedCSV(ctx context.Context, by users.User, id int64) ([]byte, error) {
	var b []byte
	err := s.pool.QueryRow(ctx, `SELECT coalesce(rejected_csv, '') FROM lead_imports
		WHERE id = $1 AND (user_id = $2 OR $3) AND imported_at IS NOT NULL`, id, by.ID, by.IsAdmin()).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, db.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return defuseCSV(b)
}

// defuseCSV rewrites a stored report with every cell defused. Reports are
// written defused, but those stored before that was so were not; defusing
// is idempotent, so doing it again on the way out is harmless.
func defuseCSV(b []byte) ([]byte, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	var out bytes.Buffer
	w := safecsv.NewWriter(&out)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return out.Bytes(), w.Error()
}

// ErrAlreadyImported refuses importing the same upload twice.
var ErrAlreadyImported = refusal.Conflicts("This file was imported already.")

// Import writes the valid rows with COPY and the refused rows' report, in
// one transaction: a failure anywhere leaves no lead of the file behind.
func (s *Store) Import(ctx context.Context, by users.User, uploadID int64, v Validated, header []string) error {
	report, err := rejectedReport(header, v.Bad)
	if err != nil {
		return err
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE lead_imports SET imported_at = now(), imported = $2, rejected = $3, rejected_csv = $4
			WHERE id = $1 AND imported_at IS NULL`, uploadID, len(v.Good), len(v.Bad), report)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return ErrAlreadyImported
		}
		src := pgx.CopyFromSlice(len(v.Good), func(i int) ([]any, error) {
			n := v.Good[i]
			return []any{n.Company, n.ContactName, n.Email, n.Phone, n.Title, n.Country, n.Fit, n.Score,
				campaignArg(n.SourceCampaignID), uploadID}, nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"leads"},
			[]string{"company", "contact_name", "email", "phone", "title", "country", "fit", "score", "source_campaign_id",
				"import_id"}, src); err != nil {
			if db.IsUniqueViolation(err, "leads_email_key") {
				return &ErrNotCSV{"Another import or edit added some of these emails a moment ago; nothing was imported. Upload the file again."}
			}
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO lead_events (lead_id, actor_id, kind, to_stage, note)
			SELECT id, $2, 'created', 'new', 'imported from ' || $3 FROM leads WHERE import_id = $1`,
			uploadID, by.ID, "CSV")
		return err
	})
}

func rejectedReport(header []string, bad []BadRow) ([]byte, error) {
	var buf bytes.Buffer
	w := safecsv.NewWriter(&buf)
	if err := w.Write(append([]string{"line", "reason"}, header...)); err != nil {
		return nil, err
	}
	for _, b := range bad {
		if err := w.Write(append([]string{strconv.Itoa(b.Line), b.Reason}, b.Fields...)); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
