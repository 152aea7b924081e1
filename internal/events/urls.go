package events

import (
	"encoding/json"
	"fmt"
	"strings"
)

// AbsoluteURLs turns the payload's link paths ("/leads/7": the fields whose
// names end in "url") into links a message outside Tandem can carry, on
// base (e.g. "https://tandem.example.com"); links absolute already stay.
func AbsoluteURLs(data json.RawMessage, base string) (json.RawMessage, error) {
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("payload is not a JSON object: %w", err)
	}
	changed := false
	base = strings.TrimRight(base, "/")
	for k, v := range fields {
		if s, ok := v.(string); ok && strings.HasSuffix(k, "url") && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
			fields[k], changed = base+s, true
		}
	}
	if !changed {
		return data, nil
	}
	return json.Marshal(fields)
}
