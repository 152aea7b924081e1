package safecsv

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestCellDefusesFormulasAndKeepsNumbers(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                       "",
		"Acme":                   "Acme",
		`=HYPERLINK("http://x")`: `'=HYPERLINK("http://x")`,
		"@SUM(A1)":               "'@SUM(A1)",
		"\tx":                    "'\tx",
		"\rx":                    "'\rx",
		"+":                      "'+",
		"-":                      "'-",
		"+cmd":                   "'+cmd",
		"-1+cmd|' /C calc'!A0":   "'-1+cmd|' /C calc'!A0",
		"+1+1":                   "'+1+1",
		// The two the attack run found kept by the export.
		"-1+1+cmd|' /C calc'!A0":                     "'-1+1+cmd|' /C calc'!A0",
		`+1+HYPERLINK("http://evil.example","open")`: `'+1+HYPERLINK("http://evil.example","open")`,
		"+49 30 1234":                                "+49 30 1234",
		"+1 (555) 123-4567":                          "+1 (555) 123-4567",
		"-12.50":                                     "-12.50",
		"'=already defused":                          "'=already defused",
		"a=b":                                        "a=b",
	} {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
		if Cell(Cell(in)) != Cell(in) {
			t.Errorf("defusing %q twice changes it", in)
		}
	}
}

func TestWriterDefusesEveryCell(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	rec := []string{"=1+1", "ok", "@x"}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&buf).Read()
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != "'=1+1" || got[1] != "ok" || got[2] != "'@x" || rec[0] != "=1+1" {
		t.Errorf("wrote %q (record now %q)", got, rec)
	}
}
