package leads

import (
	"context"
	"io"
	"strconv"
	"time"

	"tandem/internal/safecsv"
)

// exportHeader is the first line of the lead export.
var exportHeader = []string{"id", "company", "contact_name", "email", "phone", "title", "country", "stage", "owner",
	"source_campaign_id", "quality_rating", "rejection_reason", "deal_value", "created_at", "handed_off_at", "first_touch_at"}

// ExportCSV writes every lead matching f to w as CSV (cells made safe for
// spreadsheets), times in loc, flushing every 1000 rows so a large export
// streams. It returns how many leads it wrote; on an error the file is
// cut short.
func (s *Store) ExportCSV(ctx context.Context, w io.Writer, f Filter, loc *time.Location) (int, error) {
	cw := safecsv.NewWriter(w)
	if err := cw.Write(exportHeader); err != nil {
		return 0, err
	}
	n := 0
	err := s.Export(ctx, f, func(l Lead) error {
		if n++; n%1000 == 0 {
			cw.Flush()
		}
		return cw.Write(exportRecord(l, loc))
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return n, err
}

// exportRecord is one lead's line of the export.
func exportRecord(l Lead, loc *time.Location) []string {
	opt := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	rec := []string{strconv.FormatInt(l.ID, 10), l.Company, l.ContactName, l.Email, l.Phone, l.Title, l.Country,
		string(l.Stage), l.OwnerName, "", "", "", "", l.CreatedAt.In(loc).Format(time.RFC3339), opt(l.HandedOffAt), opt(l.FirstTouchAt)}
	if l.SourceCampaignID != nil {
		rec[9] = strconv.FormatInt(*l.SourceCampaignID, 10)
	}
	if l.QualityRating != nil {
		rec[10] = strconv.Itoa(*l.QualityRating)
	}
	if l.RejectionReason != nil {
		rec[11] = string(*l.RejectionReason)
	}
	if l.DealValue != nil {
		rec[12] = strconv.FormatFloat(*l.DealValue, 'f', 2, 64)
	}
	return rec
}
