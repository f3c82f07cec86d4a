package postgrescheck

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
)

// DSNList is a list of DSNs, written in a checklist either as a YAML list or as one string of
// comma-separated DSNs, which is how an environment variable such as DATABASE_REPLICA_URLS
// carries several:
//
//	replica_dsns: ${DATABASE_REPLICA_URLS}
//	replica_dsns: [postgres://ro@replica-a/app, postgres://ro@replica-b/app]
//
// A comma only separates DSNs when what follows it starts a new one (a postgres:// URL or a
// key=value pair), so multi-host DSNs such as postgres://u@h1,h2/db stay whole.
type DSNList []string

// dsnStart matches the beginning of a DSN: a URL scheme or a libpq keyword.
var dsnStart = regexp.MustCompile(`^\s*(postgres(ql)?://|[A-Za-z_]+\s*=)`)

// SplitDSNs splits a comma-separated string of DSNs, keeping multi-host DSNs whole and dropping
// empty entries.
func SplitDSNs(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if len(out) > 0 && !dsnStart.MatchString(part) && strings.TrimSpace(part) != "" {
			out[len(out)-1] += "," + part
			continue
		}
		out = append(out, part)
	}
	return kind.NonEmpty(out)
}

// UnmarshalYAML accepts a sequence of strings or a comma-separated scalar.
func (l *DSNList) UnmarshalYAML(n *yaml.Node) error {
	list, err := kind.DecodeList(n, SplitDSNs, "DSN")
	*l = list
	return err
}

// JSONSchema describes the accepted forms for the checklist schema.
func (DSNList) JSONSchema() map[string]any { return kind.ListSchema("DSN") }
