package postgrescheck

import (
	"regexp"

	"github.com/launchgate/launchgate/internal/probe"
)

// DSNList is a list of PostgreSQL DSNs: a YAML list, or one string of comma-separated DSNs such
// as ${DATABASE_REPLICA_URLS}.
type DSNList = probe.DSNList[pgDSNs]

// pgDSNs separates PostgreSQL DSNs only where what follows the comma starts a new one (a
// postgres:// URL or a key=value pair), so multi-host DSNs such as postgres://u@h1,h2/db stay
// whole.
type pgDSNs struct{}

// dsnStart matches the beginning of a DSN: a URL scheme or a libpq keyword.
var dsnStart = regexp.MustCompile(`^\s*(postgres(ql)?://|[A-Za-z_]+\s*=)`)

func (pgDSNs) Separates(_, after string) bool { return dsnStart.MatchString(after) }
