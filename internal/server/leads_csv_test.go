package server

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The skipped-rows CSV of an import defuses spreadsheet formulas like the
// lead export does; it wrote =HYPERLINK(…) as uploaded.
func TestImportSkippedRowsCSVDefusesFormulas(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	c.get("/leads/import")
	file := "company,contact,email\n" +
		`"=HYPERLINK(""http://evil.example"",""Click"")",@Mallory,not-an-email` + "\n" +
		"Fine Co,+cmd|' /C calc'!A0,also-not-an-email\n" +
		"Good Co,Gil,gil@good.example\n"
	res := c.upload("/leads/import", "leads.csv", []byte(file))
	res = c.follow(t, res)
	action := regexp.MustCompile(`action="(/leads/import/\d+)"`).FindStringSubmatch(res.Body)
	if action == nil {
		t.Fatalf("preview:\n%s", res.Body)
	}
	c.follow(t, c.post(action[1], url.Values{"map_company": {"0"}, "map_contact_name": {"1"}, "map_email": {"2"}}))
	res = c.get(action[1] + "/rejected.csv")
	wantStatus(t, res, http.StatusOK)
	recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("skipped rows CSV has %d records, want a header and 2 rows:\n%s", len(recs), res.Body)
	}
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=@+-\t\r", rune(cell[0])) {
				t.Errorf("cell %q is not defused", cell)
			}
		}
	}
	if recs[1][2] != `'=HYPERLINK("http://evil.example","Click")` || recs[1][3] != "'@Mallory" {
		t.Errorf("first skipped row %q", recs[1])
	}
}
