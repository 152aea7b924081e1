// Package apidoc holds the API's contract: the hand-written OpenAPI 3.1
// document, embedded, loaded and checked once.
package apidoc

import (
	_ "embed"
	"encoding/json"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.yaml
var source []byte

var load = sync.OnceValues(func() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(source)
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(openapi3.NewLoader().Context)
})

// Document is the parsed document. It panics when the embedded document is
// broken: that is a build mistake the tests catch, not a runtime state.
func Document() *openapi3.T {
	doc, err := load()
	if err != nil {
		panic("apidoc: the embedded OpenAPI document is invalid: " + err.Error())
	}
	return doc
}

var asJSON = sync.OnceValue(func() []byte {
	b, err := json.Marshal(Document())
	if err != nil {
		panic("apidoc: " + err.Error())
	}
	return b
})

// JSON is the document as served at /api/v1/openapi.json.
func JSON() []byte { return asJSON() }
