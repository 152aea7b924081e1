package server

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strconv"

	"tandem/internal/leads"
	leadpages "tandem/web/pages/leads"
)

// previewRows is how many rows the mapping step shows.
const previewRows = 10

// shownBadRows caps the skipped rows listed on the result page; the CSV
// download has them all.
const shownBadRows = 500

func (s *Server) leadImportForm(w http.ResponseWriter, r *http.Request) error {
	v := leadpages.Upload{Page: s.page(w, r, "Import leads", "leads"), MaxMB: leads.MaxImportBytes >> 20}
	return s.render(w, r, http.StatusOK, leadpages.UploadPage(v))
}

func (s *Server) uploadError(w http.ResponseWriter, r *http.Request, msg string) error {
	v := leadpages.Upload{Page: s.page(w, r, "Import leads", "leads"), MaxMB: leads.MaxImportBytes >> 20, Error: msg}
	return s.render(w, r, http.StatusUnprocessableEntity, leadpages.UploadPage(v))
}

// leadImportUpload stores the file and shows the mapping step.
func (s *Server) leadImportUpload(w http.ResponseWriter, r *http.Request) error {
	file, header, err := r.FormFile("file")
	if err != nil {
		return s.uploadError(w, r, "Choose a CSV file to upload.")
	}
	defer file.Close()
	if header.Size > leads.MaxImportBytes {
		return s.uploadError(w, r, "The file is larger than 20 MB. Split it and import the parts one by one.")
	}
	// Read into a buffer of the file's size: growing one while reading
	// would allocate about twice the file.
	content := make([]byte, header.Size)
	if _, err := io.ReadFull(file, content); err != nil {
		return err
	}
	// The preview keeps the first rows only; the whole table is parsed
	// when the import runs.
	_, err = leads.PreviewCSV(content, previewRows)
	var notCSV *leads.ErrNotCSV
	if errors.As(err, &notCSV) {
		return s.uploadError(w, r, notCSV.Reason)
	}
	if err != nil {
		return err
	}
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	id, err := s.leads.SaveUpload(ctx, *currentUser(r), filepath.Base(header.Filename), content)
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if err != nil {
		return err
	}
	return redirect(w, r, importPath(id))
}

func importPath(id int64) string { return "/leads/import/" + strconv.FormatInt(id, 10) }

// leadImportStep shows an upload's next step: the column mapping until it
// is imported, then the import's result with its skipped rows.
func (s *Server) leadImportStep(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	me := currentUser(r)
	up, err := s.leads.GetUpload(r.Context(), *me, id)
	if err != nil {
		return err
	}
	if up.ImportedAt != nil {
		bad, err := s.leads.RejectedRows(r.Context(), *me, id, shownBadRows)
		if err != nil {
			return err
		}
		return s.renderImportResult(w, r, up, bad)
	}
	p, err := leads.PreviewCSV(up.Content, previewRows)
	var notCSV *leads.ErrNotCSV
	if errors.As(err, &notCSV) {
		return s.uploadError(w, r, notCSV.Reason)
	}
	if err != nil {
		return err
	}
	return s.renderPreview(w, r, http.StatusOK, id, up.Filename, p, leads.GuessMapping(p.Header), nil)
}

func (s *Server) renderPreview(w http.ResponseWriter, r *http.Request, status int, id int64, name string, p leads.Preview, m leads.Mapping, errs map[string]string) error {
	v := leadpages.PreviewOf(s.page(w, r, "Import leads", "leads"), id, name, p, m, errs, previewRows)
	return s.render(w, r, status, leadpages.PreviewPage(v))
}

// leadImportCommit validates every row with the chosen mapping and imports
// the good ones in one transaction.
func (s *Server) leadImportCommit(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	me := currentUser(r)
	up, err := s.leads.GetUpload(r.Context(), *me, id)
	if err != nil {
		return err
	}
	if up.ImportedAt != nil {
		s.flash(w, r, "info", "This file was imported already; here is the result.")
		return redirect(w, r, importPath(id))
	}
	t, err := leads.ParseCSV(up.Content)
	var notCSV *leads.ErrNotCSV
	if errors.As(err, &notCSV) {
		// It parsed at upload time, unless it was stored before a limit
		// of the reader existed.
		return s.uploadError(w, r, notCSV.Reason)
	}
	if err != nil {
		return err
	}
	m := postedMapping(r)
	if errs := m.Check(len(t.Header)); errs != nil {
		p := leads.Preview{Header: t.Header, Sample: t.Rows[:min(previewRows, len(t.Rows))], Rows: len(t.Rows)}
		return s.renderPreview(w, r, http.StatusUnprocessableEntity, id, up.Filename, p, m, errs)
	}
	v, err := s.leads.Validate(r.Context(), t, m)
	if err != nil {
		return err
	}
	err = s.leads.Import(r.Context(), *me, id, v, t.Header)
	switch {
	case errors.As(err, &notCSV):
		return s.uploadError(w, r, notCSV.Reason)
	case errors.Is(err, leads.ErrAlreadyImported):
		s.flash(w, r, "info", "This was already submitted; here it is.")
		return redirect(w, r, importPath(id))
	case err != nil:
		return err
	}
	s.flash(w, r, "success", "Import finished.")
	return redirect(w, r, importPath(id))
}

// postedMapping is the column chosen for each lead field (-1: not in the
// file, also for a choice that is not a number).
func postedMapping(r *http.Request) leads.Mapping {
	m := leads.Mapping{}
	for _, f := range leads.ImportFields {
		i, err := strconv.Atoi(r.PostFormValue("map_" + f))
		if err != nil {
			i = -1
		}
		m[f] = i
	}
	return m
}

func (s *Server) renderImportResult(w http.ResponseWriter, r *http.Request, up leads.Upload, bad []leads.BadRow) error {
	v := leadpages.Result{Page: s.page(w, r, "Import leads", "leads"), UploadID: up.ID, Filename: up.Filename,
		Imported: up.Imported}
	v.Bad, v.More = bad, max(0, up.Rejected-len(bad))
	return s.render(w, r, http.StatusOK, leadpages.ResultPage(v))
}

func (s *Server) leadImportRejected(w http.ResponseWriter, r *http.Request) error {
	id, err := s.leadFromPath(r)
	if err != nil {
		return err
	}
	b, err := s.leads.RejectedCSV(r.Context(), *currentUser(r), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="skipped-rows-`+strconv.FormatInt(id, 10)+`.csv"`)
	_, err = w.Write(b)
	return err
}
