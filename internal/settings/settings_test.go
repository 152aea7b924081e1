package settings_test

import (
	"context"
	"errors"
	"testing"

	"tandem/internal/db"
	"tandem/internal/settings"
	"tandem/internal/testdb"
	"tandem/internal/users"
)

func TestSettingsDefaultsUpdateAndValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := settings.NewStore(testdb.New(t))
	got, err := s.Get(ctx)
	if err != nil || got.SLAHours != 24 || got.NoticeDays != 7 || got.DigestWeekday != 1 || got.DigestTime != "08:00" || got.Weight("conversion") != 1 {
		t.Fatalf("defaults: %+v %v", got, err)
	}
	got, err = s.Update(ctx, users.Actor{}, "", map[string]string{"sla_hours": "48", "digest_weekday": "5", "digest_time": "7:30", "weight_quality": "0"})
	if err != nil || got.SLAHours != 48 || got.DigestWeekday != 5 || got.DigestTime != "07:30" || got.Weight("quality") != 0 {
		t.Fatalf("after update: %+v %v", got, err)
	}
	_, err = s.Update(ctx, users.Actor{}, "", map[string]string{"sla_hours": "0", "notice_days": "x", "digest_weekday": "8", "digest_time": "25:00", "weight_x": "11", "color": "red"})
	var fe settings.FieldErrors
	if !errors.As(err, &fe) || len(fe) != 6 {
		t.Fatalf("bad values: %v", err)
	}
	for _, bad := range []string{"-1", "2.5", "NaN", "1e1", ""} {
		if _, err := s.Update(ctx, users.Actor{}, "", map[string]string{"weight_conversion": bad}); !errors.As(err, &fe) || fe["weight_conversion"] == "" {
			t.Errorf("weight %q: %v, want a field error", bad, err)
		}
	}
	if again, _ := s.Get(ctx); again.SLAHours != 48 || again.Weight("conversion") != 1 {
		t.Errorf("a refused update changed a value: %+v", again)
	}
}

// Every change is in the audit log with who, the key and old → new;
// unchanged values write nothing; a form from before another admin's
// change is a conflict, not a silent overwrite.
func TestSettingsChangesAreAuditedAndVersioned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	s := settings.NewStore(pool)
	var admin int64
	if err := pool.QueryRow(ctx, `INSERT INTO users (email, name, team, role) VALUES ('a@example.com', 'Ada Admin', 'marketing', 'admin') RETURNING id`).
		Scan(&admin); err != nil {
		t.Fatal(err)
	}
	by := users.Actor{UserID: admin, IP: "192.0.2.1"}
	v1, err := s.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, by, v1, map[string]string{"sla_hours": "36", "notice_days": "7", "weight_conversion": "3"}); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT actor_id, action, ip, detail FROM audit_events WHERE action = 'setting.changed' ORDER BY detail`)
	if err != nil {
		t.Fatal(err)
	}
	type event struct {
		actor              int64
		action, ip, detail string
	}
	var got []event
	for rows.Next() {
		var e event
		if err := rows.Scan(&e.actor, &e.action, &e.ip, &e.detail); err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	want := []event{{admin, "setting.changed", "192.0.2.1", "sla_hours: 24 → 36"}, {admin, "setting.changed", "192.0.2.1", "weight_conversion: 1 → 3"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("audit events %+v, want %+v (notice_days did not change)", got, want)
	}

	// The first form is stale now.
	if _, err := s.Update(ctx, by, v1, map[string]string{"sla_hours": "12"}); !errors.Is(err, db.ErrConflict) {
		t.Errorf("stale form: %v, want ErrConflict", err)
	}
	if cur, _ := s.Get(ctx); cur.SLAHours != 36 {
		t.Errorf("a stale form changed the SLA to %d", cur.SLAHours)
	}
}

// The currency is an ISO 4217 code: lower case is taken up, anything not
// on the list is refused, and pages read it on its own.
func TestCurrencySetting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := settings.NewStore(testdb.New(t))
	if got, err := s.Currency(ctx); err != nil || got != "USD" {
		t.Fatalf("default currency %q %v, want USD", got, err)
	}
	var fe settings.FieldErrors
	for _, bad := range []string{"", "US", "XXX", "dollar", "EURO"} {
		if _, err := s.Update(ctx, users.Actor{}, "", map[string]string{"currency": bad}); !errors.As(err, &fe) || fe["currency"] == "" {
			t.Errorf("currency %q: %v, want a field error", bad, err)
		}
	}
	got, err := s.Update(ctx, users.Actor{}, "", map[string]string{"currency": " eur "})
	if err != nil || got.Currency != "EUR" {
		t.Fatalf("currency update: %+v %v", got, err)
	}
	if code, err := s.Currency(ctx); err != nil || code != "EUR" {
		t.Errorf("Currency() = %q %v, want EUR", code, err)
	}
}
