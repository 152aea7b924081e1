package leads

import (
	"strconv"

	"tandem/internal/leads"
	"tandem/web/components"
)

// columnLabelChars bounds a column name in the mapping choices, which
// repeat for every field; the sample table shows the names whole.
const columnLabelChars = 40

// PreviewOf is the mapping step of upload id (file name): the file's
// header and first sampleRows rows, and mapping m chosen so far with errs
// saying what is wrong with it.
func PreviewOf(p components.Page, id int64, name string, pv leads.Preview, m leads.Mapping, errs map[string]string, sampleRows int) Preview {
	v := Preview{Page: p, UploadID: id, Filename: name, Header: pv.Header, Rows: pv.Rows, Mapping: map[string]string{}, Errors: errs,
		Columns: []components.Option{{Value: "-1", Label: "— not in the file —"}}}
	v.Sample = pv.Sample[:min(sampleRows, len(pv.Sample))]
	for i, h := range pv.Header {
		label := h
		if label == "" {
			label = "column " + strconv.Itoa(i+1)
		} else if r := []rune(label); len(r) > columnLabelChars {
			label = string(r[:columnLabelChars-1]) + "…"
		}
		v.Columns = append(v.Columns, components.Option{Value: strconv.Itoa(i), Label: label})
	}
	for f, i := range m {
		v.Mapping[f] = strconv.Itoa(i)
	}
	return v
}
