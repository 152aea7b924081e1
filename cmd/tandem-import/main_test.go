package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadRowsAndKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.csv")
	csv := "\ufeffCompany,Contact_Name,Email,Score,Extra\nAcme,Ann,ann@acme.example,70,x\nBeta,Bo,  ANN@acme.example ,,\n"
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	rows, err := readRows(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].line != 2 || rows[0].body["score"] != 70 || rows[0].body["company"] != "Acme" {
		t.Fatalf("rows %+v", rows)
	}
	if _, ok := rows[0].body["Extra"]; ok {
		t.Error("an unknown column was sent")
	}
	if _, ok := rows[1].body["score"]; ok {
		t.Error("an empty score was sent")
	}
	// The key depends on the email only (case and spaces aside), so a re-run
	// sends the same key and a second row with the same email cannot
	// create a second lead.
	if rows[0].key() != rows[1].key() || len(rows[0].key()) > 200 {
		t.Errorf("keys %q and %q", rows[0].key(), rows[1].key())
	}
	for name, bad := range map[string]string{
		"no email column": "company,contact_name\nA,B\n",
		"bad score":       "company,contact_name,email,score\nA,B,c@d.example,high\n",
	} {
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := readRows(path); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
