package feedback

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
)

// Theme is one entry of the managed theme list.
type Theme struct {
	ID          int64  `db:"id"`
	Name        string `db:"name"`
	Description string `db:"description"`
	Active      bool   `db:"active"`
	Version     int    `db:"version"`
	Items       int    `db:"items"` // items filed under it, merged ones excluded
}

// themeReturning is what a write of a theme reads back: a theme without
// its item count.
const themeReturning = ` RETURNING id, name, description, active, version`

// savedTheme reads the row a theme write returned.
func savedTheme(rows pgx.Rows) (Theme, error) {
	type row struct {
		ID          int64  `db:"id"`
		Name        string `db:"name"`
		Description string `db:"description"`
		Active      bool   `db:"active"`
		Version     int    `db:"version"`
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[row])
	if err != nil {
		return Theme{}, err
	}
	return Theme{ID: r.ID, Name: r.Name, Description: r.Description, Active: r.Active, Version: r.Version}, nil
}

// ThemeInput is a theme as typed into the admin form.
type ThemeInput struct {
	Name        string
	Description string
	Active      bool
}

func (in *ThemeInput) normalize() {
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	in.Description = strings.TrimSpace(in.Description)
}

func (in ThemeInput) validate() FieldErrors {
	errs := FieldErrors{}
	switch {
	case in.Name == "":
		errs["name"] = "Enter the theme's name."
	case tooLong(in.Name, MaxTheme):
		errs["name"] = fmt.Sprintf("Keep the name under %d characters.", MaxTheme)
	}
	if tooLong(in.Description, MaxThemeDoc) {
		errs["description"] = fmt.Sprintf("Keep the description under %d characters.", MaxThemeDoc)
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Themes returns every theme, active ones first; with counts, each with
// its number of items (a scan of the history: for the admin page, not for
// every form and filter).
func (s *Store) Themes(ctx context.Context, counts bool) ([]Theme, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT t.id, t.name, t.description, t.active, t.version,
		       CASE WHEN $1 THEN (SELECT count(*) FROM feedback_items f WHERE f.theme_id = t.id AND f.merged_into IS NULL)
		            ELSE 0 END::int AS items
		FROM feedback_themes t ORDER BY NOT t.active, lower(t.name)`, counts)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Theme])
}

func themeFieldErrors(err error) error {
	if db.IsUniqueViolation(err, "feedback_themes_name_key") {
		return FieldErrors{"name": "A theme with this name exists already."}
	}
	return err
}

// CreateTheme adds a theme to the list.
func (s *Store) CreateTheme(ctx context.Context, in ThemeInput) (Theme, error) {
	in.normalize()
	if errs := in.validate(); errs != nil {
		return Theme{}, errs
	}
	var t Theme
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO feedback_themes (name, description, active) VALUES ($1, $2, true)`+
			themeReturning, in.Name, in.Description)
		if err != nil {
			return err
		}
		if t, err = savedTheme(rows); err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "theme", t.ID)
	})
	if err != nil {
		return Theme{}, themeFieldErrors(err)
	}
	return t, nil
}

// UpdateTheme renames, redescribes, retires or reinstates a theme. At least
// one theme stays active, or nobody could log feedback.
func (s *Store) UpdateTheme(ctx context.Context, id int64, version int, in ThemeInput) (Theme, error) {
	in.normalize()
	if errs := in.validate(); errs != nil {
		return Theme{}, errs
	}
	var t Theme
	err := db.InTxRetry(ctx, s.pool, func(tx pgx.Tx) error {
		type current struct {
			Version int  `db:"version"`
			Active  bool `db:"active"`
		}
		rows, err := tx.Query(ctx, `SELECT version, active FROM feedback_themes WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		cur, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[current])
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return db.ErrNotFound
		case err != nil:
			return err
		case cur.Version != version:
			return db.ErrConflict
		}
		if cur.Active && !in.Active {
			var others int
			// Lock the other active themes so two admins cannot retire the last two at once.
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM feedback_themes
				WHERE active AND id <> $1 FOR UPDATE) x`, id).Scan(&others); err != nil {
				return err
			}
			if others == 0 {
				return FieldErrors{"active": "Keep at least one theme active, or nobody can log feedback."}
			}
		}
		rows, err = tx.Query(ctx, `UPDATE feedback_themes SET name = $2, description = $3, active = $4,
				updated_at = now(), version = version + 1
			WHERE id = $1`+themeReturning, id, in.Name, in.Description, in.Active)
		if err != nil {
			return err
		}
		t, err = savedTheme(rows)
		return themeFieldErrors(err)
	})
	return t, err
}
