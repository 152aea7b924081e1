package campaigns

import (
	"bytes"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown renders talking points and alert texts. Raw HTML stays off
// (goldmark's default: it is replaced by a comment), and goldmark's renderer
// drops javascript:, vbscript:, file: and non-image data: URLs because
// Unsafe is not set. The transformer below adds rel="noopener noreferrer"
// to every link and moves headings below the page's own.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(linkTransformer{}, 1000))),
)

type linkTransformer struct{}

var relValue = []byte("noopener noreferrer")

func (linkTransformer) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link, *ast.AutoLink:
			n.SetAttributeString("rel", relValue)
		case *ast.Heading:
			// The page has its h1 and the section its h2.
			n.Level = min(n.Level+2, 6)
		}
		return ast.WalkContinue, nil
	})
}

// RenderMarkdown turns Markdown into HTML that is safe to embed in a page.
func RenderMarkdown(src string) string {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		// Convert fails only when the writer does; a bytes.Buffer does not.
		return ""
	}
	return buf.String()
}
