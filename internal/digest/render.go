package digest

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"tandem/internal/format"
	"tandem/internal/kpi"
)

//go:embed templates/digest.txt templates/digest.html
var templateFS embed.FS

// View is a digest as one reader gets it.
type View struct {
	Digest
	BaseURL        string // absolute links
	Recipient      string // greeting name; "" for none
	UnsubscribeURL string // "" leaves out the mail footer (the web's plain-text view)
	Test           bool   // a manager's test send
}

// funcs are the template helpers; they are bound to the view (link needs
// its base URL), so each render installs its own.
func funcs(v View) map[string]any {
	return map[string]any{
		"money":  v.Money,
		"plural": format.Count,
		"deref":  func(f *float64) float64 { return *f },
		"sub":    func(a, b int) int { return a - b },
		"value":  func(u kpi.Unit, f *float64) string { return FormatValue(u, f) },
		"pct":    func(f *float64) string { return FormatValue(kpi.Percent, f) },
		// link makes an absolute URL of a path and an optional id or label
		// ("" for none): link "/leads/" 12, link "/account" "".
		"link": func(path string, id any) string {
			if s, ok := id.(string); ok && s == "" {
				return v.BaseURL + path
			}
			return v.BaseURL + path + fmt.Sprint(id)
		},
		"indent": func(s, prefix string) string {
			lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
			for i, l := range lines {
				lines[i] = strings.TrimRight(prefix+l, " ")
			}
			return strings.Join(lines, "\n")
		},
		"statusColor": func(class string) htmltemplate.CSS {
			switch class {
			case "met":
				return "#1a7f37"
			case "close":
				return "#9a6700"
			case "behind":
				return "#b42318"
			}
			return "#5b6675"
		},
	}
}

var (
	textTmpl = texttemplate.Must(texttemplate.New("digest.txt").Funcs(funcs(View{})).
			ParseFS(templateFS, "templates/digest.txt"))
	htmlTmpl = htmltemplate.Must(htmltemplate.New("digest.html").Funcs(funcs(View{})).
			ParseFS(templateFS, "templates/digest.html"))
)

// Text renders the plain-text digest.
func Text(v View) (string, error) {
	t, err := textTmpl.Clone()
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.Funcs(funcs(v)).Execute(&b, v); err != nil {
		return "", fmt.Errorf("render digest text: %w", err)
	}
	return strings.TrimSpace(b.String()) + "\n", nil
}

// HTML renders the digest as an HTML mail body.
func HTML(v View) (string, error) {
	t, err := htmlTmpl.Clone()
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.Funcs(funcs(v)).Execute(&b, v); err != nil {
		return "", fmt.Errorf("render digest html: %w", err)
	}
	return b.String(), nil
}
