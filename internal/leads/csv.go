package leads

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits of the CSV reader. Every parsed cell costs a string header on top
// of its bytes and every column is shown on the mapping page, so a file of
// tiny cells or a header of a million columns would multiply an upload many
// times in memory; the reader refuses such files before building anything.
const (
	MaxImportColumns     = 200
	MaxImportHeaderChars = 200  // one column name
	MaxImportCellChars   = 2000 // one cell
	// One row as read. encoding/csv splits even the part of a row it read
	// before a failing read into cells, at about 40 bytes per cell, so
	// this bound is what keeps a hostile row cheap.
	maxImportRecordBytes = 128 << 10
)

// ParseCSV reads a header row and data rows, accepting comma or semicolon
// separators and a UTF-8 byte-order mark.
func ParseCSV(content []byte) (Table, error) {
	var t Table
	header, err := scanCSV(content, func(rec []string, line int) {
		t.Rows = append(t.Rows, rec)
		t.Lines = append(t.Lines, line)
	})
	t.Header = header
	return t, err
}

// Preview is what the mapping step needs of a file: its header, its first
// rows and how many rows it has, without holding every row in memory.
type Preview struct {
	Header []string
	Sample [][]string
	Rows   int
}

// PreviewCSV checks a file as ParseCSV does and keeps only the first
// sampleRows rows.
func PreviewCSV(content []byte, sampleRows int) (Preview, error) {
	var p Preview
	header, err := scanCSV(content, func(rec []string, _ int) {
		if len(p.Sample) < sampleRows {
			p.Sample = append(p.Sample, rec)
		}
		p.Rows++
	})
	p.Header = header
	return p, err
}

// errRecordTooLong stops the CSV reader inside a row longer than
// maxImportRecordBytes.
var errRecordTooLong = errors.New("record too long")

// recordLimiter fails a read once the current row has taken more than max
// bytes, so encoding/csv never buffers a hostile row whole. The CSV reader
// reads ahead by one buffer (4 KB), which the limit absorbs.
type recordLimiter struct {
	r   io.Reader
	n   int
	max int
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.n > l.max {
		return 0, errRecordTooLong
	}
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}

// scanCSV reads the header, checks every limit, and hands each data row to
// row (blank lines skipped).
func scanCSV(content []byte, row func(rec []string, line int)) ([]string, error) {
	content = bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(content) {
		return nil, &ErrNotCSV{"The file is not UTF-8 text. Save it as \"CSV UTF-8\" and upload it again."}
	}
	if i := bytes.IndexByte(content, 0); i >= 0 {
		// PostgreSQL text cannot hold a NUL byte; the import would fail on it.
		line := bytes.Count(content[:i], []byte("\n")) + 1
		return nil, &ErrNotCSV{fmt.Sprintf("Line %d contains a NUL byte, which is not text. Save the file as \"CSV UTF-8\" and upload it again.", line)}
	}
	firstLine, _, _ := bytes.Cut(content, []byte("\n"))
	limiter := &recordLimiter{r: bytes.NewReader(content), max: maxImportRecordBytes}
	r := csv.NewReader(limiter)
	if bytes.Count(firstLine, []byte(";")) > bytes.Count(firstLine, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	var header []string
	lastLine := 0 // the line the previous row ended on
	rows := 0
	for {
		limiter.n = 0
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errRecordTooLong) {
			return nil, &ErrNotCSV{fmt.Sprintf("Line %d is longer than %d KB; Tandem reads rows up to that size. Check the file is a CSV of leads.",
				lastLine+1, maxImportRecordBytes>>10)}
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ErrNotCSV{fmt.Sprintf("Line %d is not valid CSV: %v.", pe.Line, pe.Err)}
			}
			return nil, err
		}
		line, _ := r.FieldPos(0)
		lastLine, _ = r.FieldPos(len(rec) - 1)
		lastLine += strings.Count(rec[len(rec)-1], "\n")
		if len(rec) > MaxImportColumns {
			what := "row"
			if header == nil {
				what = "header"
			}
			return nil, &ErrNotCSV{fmt.Sprintf("Line %d has %d columns; Tandem reads up to %d. Remove the columns you do not need from the %s and upload the file again.",
				line, len(rec), MaxImportColumns, what)}
		}
		if header == nil {
			for i := range rec {
				rec[i] = strings.TrimSpace(rec[i])
				if n := utf8.RuneCountInString(rec[i]); n > MaxImportHeaderChars {
					return nil, &ErrNotCSV{fmt.Sprintf("Column %d of the header is a name of %d characters; Tandem reads names up to %d. Check the first line is the header.",
						i+1, n, MaxImportHeaderChars)}
				}
			}
			header = rec
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		for i, c := range rec {
			if len(c) > MaxImportCellChars { // bytes ≥ characters: count only when it could matter
				if n := utf8.RuneCountInString(c); n > MaxImportCellChars {
					return nil, &ErrNotCSV{fmt.Sprintf("Line %d, column %d holds %d characters; Tandem reads cells up to %d.",
						line, i+1, n, MaxImportCellChars)}
				}
			}
		}
		rows++
		row(rec, line)
	}
	if header == nil {
		return nil, &ErrNotCSV{"The file is empty."}
	}
	if rows == 0 {
		return header, &ErrNotCSV{"The file has a header but no rows."}
	}
	return header, nil
}
