package apidoc

import (
	"encoding/json"
	"testing"
)

func TestTheDocumentIsValidOpenAPI31(t *testing.T) {
	doc, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi %q, want 3.1", doc.OpenAPI)
	}
	var back map[string]any
	if err := json.Unmarshal(JSON(), &back); err != nil || back["openapi"] != "3.1.0" {
		t.Errorf("served JSON: %v %v", err, back["openapi"])
	}
}
