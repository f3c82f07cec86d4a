package mysqlcheck

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
)

// DSNList is a list of DSNs, written in a checklist either as a YAML list or as one string of
// comma-separated DSNs, which is how an environment variable such as MYSQL_REPLICA_URLS carries
// several:
//
//	replica_dsns: ${MYSQL_REPLICA_URLS}
//	replica_dsns: [mysql://mon@replica-a/app, mysql://mon@replica-b/app]
//
// A comma only separates DSNs when both sides look like the start of one (a mysql:// URL, or
// user@tcp(…) / user@unix(…)), so driver parameters such as charset=utf8mb4,utf8 stay whole.
type DSNList []string

var (
	dsnStart = regexp.MustCompile(`^\s*((mysql|mariadb|mysqlx)://|[^,@/()\s]*@(tcp|tcp6|tcp4|unix)\()`)
	// dsnWhole says that what came before the comma already has its host part.
	dsnWhole = regexp.MustCompile(`(://.|@(tcp|tcp6|tcp4|unix)\()`)
)

// SplitDSNs splits a comma-separated string of DSNs and drops empty entries.
func SplitDSNs(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if n := len(out); n > 0 && !(dsnStart.MatchString(part) && dsnWhole.MatchString(out[n-1])) && strings.TrimSpace(part) != "" {
			out[n-1] += "," + part
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
