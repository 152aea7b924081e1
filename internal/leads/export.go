package leads

import (
	"context"
	"io"
	"strconv"
	"time"

	"tandem/internal/safecsv"
)

// exportHeader is the first line of the lead export: readable values (the
// stage's and reason's labels, the campaign's name) with the codes and
// ids in their own columns for whoever joins the file to other data.
var exportHeader = []string{"id", "company", "contact_name", "email", "phone", "title", "country", "stage", "stage_code", "owner",
	"source_campaign", "source_campaign_id", "quality_rating", "rejection_reason", "rejection_reason_code", "deal_value", "currency",
	"created_at", "handed_off_at", "first_touch_at"}

// ExportCSV writes every lead matching f to w as CSV (cells made safe for
// spreadsheets), times in loc, flushing every 1000 rows so a large export
// streams; deal values are plain numbers in currency (an ISO 4217 code,
// its own column). It returns how many leads it wrote; on an error the
// file is cut short.
func (s *Store) ExportCSV(ctx context.Context, w io.Writer, f Filter, loc *time.Location, currency string) (int, error) {
	cw := safecsv.NewWriter(w)
	if err := cw.Write(exportHeader); err != nil {
		return 0, err
	}
	n := 0
	err := s.Export(ctx, f, func(l Lead) error {
		if n++; n%1000 == 0 {
			cw.Flush()
		}
		return cw.Write(exportRecord(l, loc, currency))
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return n, err
}

// exportRecord is one lead's line of the export.
func exportRecord(l Lead, loc *time.Location, currency string) []string {
	opt := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	rec := []string{strconv.FormatInt(l.ID, 10), l.Company, l.ContactName, l.Email, l.Phone, l.Title, l.Country,
		l.Stage.Label(), string(l.Stage), l.OwnerName, "", "", "", "", "", "", "",
		l.CreatedAt.In(loc).Format(time.RFC3339), opt(l.HandedOffAt), opt(l.FirstTouchAt)}
	if l.SourceCampaignID != nil {
		rec[10], rec[11] = l.SourceCampaign, strconv.FormatInt(*l.SourceCampaignID, 10)
	}
	if l.QualityRating != nil {
		rec[12] = strconv.Itoa(*l.QualityRating)
	}
	if l.RejectionReason != nil {
		rec[13], rec[14] = l.RejectionReason.Label(), string(*l.RejectionReason)
	}
	if l.DealValue != nil {
		rec[15], rec[16] = strconv.FormatFloat(*l.DealValue, 'f', 2, 64), currency
	}
	return rec
}
