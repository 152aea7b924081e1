package leads_test

import (
	"errors"
	"strings"
	"testing"

	"tandem/internal/leads"
)

// A file the reader refuses names the limit it broke, so the user knows
// what to change.
func TestParseCSVLimits(t *testing.T) {
	t.Parallel()
	header := "company,contact,email\n"
	for name, tc := range map[string]struct {
		content, want string
	}{
		"wide header": {strings.Repeat("c,", leads.MaxImportColumns) + "c\nx\n", "up to 200"},
		"wide row":    {header + strings.Repeat("x,", leads.MaxImportColumns) + "x\n", "Line 2 has 201 columns"},
		"long name":   {"company," + strings.Repeat("n", leads.MaxImportHeaderChars+1) + "\nx,y\n", "names up to 200"},
		"long cell":   {header + "A,Ann," + strings.Repeat("é", leads.MaxImportCellChars+1) + "\n", "Line 2, column 3 holds 2001 characters"},
		// A quoted cell spanning many lines is one row: the row limit
		// catches it before encoding/csv buffers it whole.
		"huge row":  {header + "A,Ann,a@a.example\n\"" + strings.Repeat("x\n", 100<<10) + "\"\n", "Line 3 is longer than 128 KB"},
		"huge line": {strings.Repeat("a", 200<<10) + "\nx\n", "Line 1 is longer than 128 KB"},
	} {
		_, err := leads.ParseCSV([]byte(tc.content))
		var notCSV *leads.ErrNotCSV
		if !errors.As(err, &notCSV) || !strings.Contains(notCSV.Reason, tc.want) {
			t.Errorf("%s: got %v, want a refusal saying %q", name, err, tc.want)
		}
		if _, perr := leads.PreviewCSV([]byte(tc.content), 10); perr == nil || perr.Error() != err.Error() {
			t.Errorf("%s: the preview says %v, the import %v", name, perr, err)
		}
	}
	// At the limits the file is read.
	ok := strings.Repeat("c,", leads.MaxImportColumns-1) + strings.Repeat("n", leads.MaxImportHeaderChars) + "\n" +
		strings.Repeat("x,", leads.MaxImportColumns-1) + strings.Repeat("é", leads.MaxImportCellChars) + "\n"
	if _, err := leads.ParseCSV([]byte(ok)); err != nil {
		t.Errorf("a file at the limits: %v", err)
	}
}

func TestPreviewCSVKeepsFirstRows(t *testing.T) {
	t.Parallel()
	content := "company,contact,email\n" + strings.Repeat("A,Ann,a@a.example\n\n", 25)
	p, err := leads.PreviewCSV([]byte(content), 10)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 25 || len(p.Sample) != 10 || len(p.Header) != 3 || p.Sample[9][0] != "A" {
		t.Errorf("preview: %d rows, %d sampled, header %v", p.Rows, len(p.Sample), p.Header)
	}
}
