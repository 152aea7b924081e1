// Package safecsv writes CSV files that people open in a spreadsheet. A
// spreadsheet runs a cell that starts like a formula (=HYPERLINK(…), @SUM,
// +1+cmd|…), so text that came from users or uploaded files could act on
// the reader's machine; every cell written here is defused first. Every CSV
// Tandem hands out is written with this package.
package safecsv

import (
	"encoding/csv"
	"io"
	"strings"
)

// Cell defuses spreadsheet formulas: a cell starting with =, @, a tab or a
// CR, or with + or - and anything but a plain number or phone number, gets
// a leading apostrophe, which spreadsheets read as "this is text". Phone
// numbers like "+49 30 1234" and amounts like "-12.50" stay as they are.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return "'" + s
	case '+', '-':
		if !numberLike(s[1:]) {
			return "'" + s
		}
	}
	return s
}

// numberLike reports whether s starts with a digit and holds only what a
// number or phone number is written with; "1+cmd|' /C calc'!A0" is not.
func numberLike(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && !strings.ContainsRune(" .,()/-", c) {
			return false
		}
	}
	return true
}

// Writer is a csv.Writer that defuses every cell it writes.
type Writer struct {
	w   *csv.Writer
	buf []string
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one record, each cell defused; record itself is not changed.
func (w *Writer) Write(record []string) error {
	w.buf = w.buf[:0]
	for _, c := range record {
		w.buf = append(w.buf, Cell(c))
	}
	return w.w.Write(w.buf)
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() { w.w.Flush() }

// Error reports an error from a previous Write or Flush.
func (w *Writer) Error() error { return w.w.Error() }
