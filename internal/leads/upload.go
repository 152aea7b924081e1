package leads

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/refusal"
	"tandem/internal/safecsv"
	"tandem/internal/users"
)

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
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO lead_imports (user_id, filename, content) VALUES ($1, $2, $3) RETURNING id`,
			by.ID, filename, content).Scan(&id)
		if err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "lead_import", id)
	})
	return id, err
}

// GetUpload returns an upload of the user's (another user's is not found).
func (s *Store) GetUpload(ctx context.Context, by users.User, id int64) (Upload, error) {
	return db.QueryOne[Upload](ctx, s.pool, `SELECT id, user_id, filename, content, created_at, imported_at, imported, rejected
		FROM lead_imports WHERE id = $1 AND (user_id = $2 OR $3)`, id, by.ID, by.IsAdmin())
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

// RejectedRows returns up to limit refused rows of an import from its
// stored report, with the total refused, for the result page.
func (s *Store) RejectedRows(ctx context.Context, by users.User, id int64, limit int) ([]BadRow, error) {
	b, err := s.RejectedCSV(ctx, by, id)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	var rows []BadRow
	for first := true; len(rows) < limit; first = false {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if first || len(rec) < 2 {
			continue // the header
		}
		line, _ := strconv.Atoi(rec[0])
		rows = append(rows, BadRow{Line: line, Reason: rec[1], Fields: rec[2:]})
	}
	return rows, nil
}
