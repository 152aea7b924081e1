package server

import (
	"net/http"
	"strings"
	"testing"
)

// A CSV with a NUL byte or invalid UTF-8 in a cell is refused at upload
// with a message: PostgreSQL cannot store either, and the import step used
// to fail on it with a 500.
func TestImportRefusesUnstorableText(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	before := e.count(`SELECT count(*) FROM lead_imports`)
	for _, file := range []string{"company,contact,email\nNul\x00Co,Nia,nia@nul.example\n",
		"company,contact,email\nBad \xff Co,Nia,nia@bad.example\n"} {
		c.get("/leads/import")
		res := c.upload("/leads/import", "leads.csv", []byte(file))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, "NUL") && !strings.Contains(res.Body, "UTF-8") {
			t.Errorf("the refusal does not say what is wrong:\n%s", res.Body)
		}
	}
	if after := e.count(`SELECT count(*) FROM lead_imports`); after != before {
		t.Errorf("%d uploads stored", after-before)
	}
}
