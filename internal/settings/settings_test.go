package settings_test

import (
	"context"
	"errors"
	"testing"

	"tandem/internal/settings"
	"tandem/internal/testdb"
)

func TestSettingsDefaultsUpdateAndValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := settings.NewStore(testdb.New(t))
	got, err := s.Get(ctx)
	if err != nil || got.SLAHours != 24 || got.NoticeDays != 7 || got.DigestWeekday != 1 || got.DigestTime != "08:00" || got.Weight("conversion") != 1 {
		t.Fatalf("defaults: %+v %v", got, err)
	}
	got, err = s.Update(ctx, 0, map[string]string{"sla_hours": "48", "digest_weekday": "5", "digest_time": "7:30", "weight_quality": "0"})
	if err != nil || got.SLAHours != 48 || got.DigestWeekday != 5 || got.DigestTime != "07:30" || got.Weight("quality") != 0 {
		t.Fatalf("after update: %+v %v", got, err)
	}
	_, err = s.Update(ctx, 0, map[string]string{"sla_hours": "0", "notice_days": "x", "digest_weekday": "8", "digest_time": "25:00", "weight_x": "11", "color": "red"})
	var fe settings.FieldErrors
	if !errors.As(err, &fe) || len(fe) != 6 {
		t.Fatalf("bad values: %v", err)
	}
	if again, _ := s.Get(ctx); again.SLAHours != 48 {
		t.Errorf("a refused update changed a value: %+v", again)
	}
}
