package leads

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The lead form's numbers and fields: a value is either refused with a
// message or within range, and a new lead that passes Validate has what the
// database requires.
func FuzzLeadFormInput(f *testing.F) {
	for _, s := range []string{"12500", "12,500.50", "NaN", "1e20", "0.001", "75", "-1", "7.5", "", " a@b.example ", "x@y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if v, msg := ParseDealValue(raw); msg == "" && (v < MinDealValue || v > MaxDealValue) {
			t.Fatalf("ParseDealValue(%q) = %v", raw, v)
		}
		if n, msg := ParseScore(raw); msg == "" && (n < 0 || n > 100) {
			t.Fatalf("ParseScore(%q) = %d", raw, n)
		}
		in := NewLead{Company: raw, ContactName: raw, Email: raw, Phone: raw, Title: raw, Country: raw, Fit: raw}
		in.Normalize()
		if in.Validate() == nil && (in.Company == "" || in.ContactName == "" || !strings.Contains(in.Email, "@")) {
			t.Fatalf("a lead without company, contact or email passed from %q", raw)
		}
	})
}

// Whatever file is uploaded, the CSV reader refuses it or returns a table
// within the limits, with no NUL byte and no invalid UTF-8 in any cell
// (what PostgreSQL cannot store), and the guessed mapping points at real
// columns.
func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{"company,contact,email\nA,B,a@b.example\n", "\xef\xbb\xbfcompany;contact;email\nA;B;c@d.example\n",
		"a,b\n\"unterminated\n", "company\n\x00\n", "x\n\xff\n", ",,,,\n,,,,\n", "=HYPERLINK(1),@x\n+1,-1\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		table, err := ParseCSV(content)
		if err != nil {
			return
		}
		if len(table.Header) > MaxImportColumns || len(table.Rows) != len(table.Lines) {
			t.Fatalf("%d columns, %d rows, %d line numbers", len(table.Header), len(table.Rows), len(table.Lines))
		}
		for _, row := range append([][]string{table.Header}, table.Rows...) {
			for _, cell := range row {
				if strings.ContainsRune(cell, 0) || !utf8.ValidString(cell) {
					t.Fatalf("cell %q cannot be stored", cell)
				}
			}
		}
		m := GuessMapping(table.Header)
		_ = m.Check(len(table.Header))
	})
}
