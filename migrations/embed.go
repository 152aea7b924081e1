// Package migrations embeds the SQL migrations so the binary carries its
// own schema.
package migrations

import "embed"

// FS holds the NNNNNN_name.up.sql / .down.sql files.
//
//go:embed *.sql
var FS embed.FS
