package rules

import (
	"bytes"
	_ "embed"
)

//go:embed schema.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) of a version 1 rules file,
// for editors (yaml-language-server's `# yaml-language-server: $schema=`)
// and `modelgate schema`. It catches wrong keys, types, enums and ranges;
// checks across values (min <= max, unique ids, report names used as metric
// families, waiver dates that exist) are Parse's alone.
func Schema() []byte { return bytes.Clone(schemaJSON) }
