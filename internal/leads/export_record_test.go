package leads

import (
	"testing"
	"time"
)

// Issue 15, item 4: the export reads as the pages do (labels, names), with
// the codes and ids in their own columns and the amount's currency.
func TestExportRecordIsReadableWithCodesBeside(t *testing.T) {
	t.Parallel()
	campaign, reason, value := int64(7), Reason("bad_contact"), 12500.5
	l := Lead{ID: 3, Company: "Acme", Stage: Stage("rejected"), SourceCampaignID: &campaign, SourceCampaign: "Winter webinar",
		RejectionReason: &reason, DealValue: &value, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	rec := exportRecord(l, time.UTC, "EUR")
	if len(rec) != len(exportHeader) {
		t.Fatalf("%d cells, %d columns", len(rec), len(exportHeader))
	}
	got := map[string]string{}
	for i, h := range exportHeader {
		got[h] = rec[i]
	}
	for col, want := range map[string]string{"stage": Stage("rejected").Label(), "stage_code": "rejected",
		"source_campaign": "Winter webinar", "source_campaign_id": "7", "rejection_reason": "Bad contact data",
		"rejection_reason_code": "bad_contact", "deal_value": "12500.50", "currency": "EUR"} {
		if got[col] != want {
			t.Errorf("%s = %q, want %q", col, got[col], want)
		}
	}
	if got["stage"] == "rejected" {
		t.Error("the stage column shows the raw code")
	}
}
