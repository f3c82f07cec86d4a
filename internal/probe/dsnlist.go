package probe

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
)

// DSNList is a parameter holding several DSNs, written in a checklist either as a YAML list or
// as one string of comma-separated DSNs, which is how an environment variable such as
// DATABASE_REPLICA_URLS carries several:
//
//	replica_dsns: ${DATABASE_REPLICA_URLS}
//	replica_dsns: [postgres://ro@replica-a/app, postgres://ro@replica-b/app]
//
// S is the family's DSN syntax: which commas separate two DSNs and which belong to one (a
// multi-host URL, a driver parameter's list of values).
type DSNList[S DSNSyntax] []string

// DSNSyntax tells where a family's DSNs begin in a comma-separated string.
type DSNSyntax interface {
	// Separates reports whether the comma between before (the DSN read so far) and after
	// (the text up to the next comma) ends one DSN and begins another.
	Separates(before, after string) bool
}

// SplitDSNs splits a comma-separated string of DSNs at the commas S says separate two, and
// drops empty entries.
func SplitDSNs[S DSNSyntax](s string) []string {
	var syntax S
	var out []string
	for _, part := range strings.Split(s, ",") {
		if n := len(out); n > 0 && strings.TrimSpace(part) != "" && !syntax.Separates(out[n-1], part) {
			out[n-1] += "," + part
			continue
		}
		out = append(out, part)
	}
	return kind.NonEmpty(out)
}

// UnmarshalYAML accepts a sequence of strings or a comma-separated scalar.
func (l *DSNList[S]) UnmarshalYAML(n *yaml.Node) error {
	list, err := kind.DecodeList(n, SplitDSNs[S], "DSN")
	*l = list
	return err
}

// JSONSchema describes the accepted forms for the checklist schema.
func (DSNList[S]) JSONSchema() map[string]any { return kind.ListSchema("DSN") }
