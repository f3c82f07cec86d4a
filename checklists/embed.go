// Package checklists ships the checklists users copy; default.yaml is embedded in the binary and
// is what `launchgate run` uses when there is no launchgate.yaml.
package checklists

import "embed"

// FS holds every shipped checklist.
//
//go:embed *.yaml
var FS embed.FS

// DefaultName is how the embedded default checklist is named in messages.
const DefaultName = "embedded default.yaml"

// Default returns the embedded default checklist.
func Default() []byte {
	b, err := FS.ReadFile("default.yaml")
	if err != nil {
		panic("checklists: default.yaml is not embedded: " + err.Error())
	}
	return b
}
