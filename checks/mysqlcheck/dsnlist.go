package mysqlcheck

import (
	"regexp"

	"github.com/launchgate/launchgate/internal/probe"
)

// DSNList is a list of MySQL DSNs: a YAML list, or one string of comma-separated DSNs such as
// ${MYSQL_REPLICA_URLS}.
type DSNList = probe.DSNList[myDSNs]

// myDSNs separates MySQL DSNs only where both sides of the comma look like the start of one (a
// mysql:// URL, or user@tcp(…) / user@unix(…)), so driver parameters such as
// charset=utf8mb4,utf8 stay whole.
type myDSNs struct{}

var (
	dsnStart = regexp.MustCompile(`^\s*((mysql|mariadb|mysqlx)://|[^,@/()\s]*@(tcp|tcp6|tcp4|unix)\()`)
	// dsnWhole says that what came before the comma already has its host part.
	dsnWhole = regexp.MustCompile(`(://.|@(tcp|tcp6|tcp4|unix)\()`)
)

func (myDSNs) Separates(before, after string) bool {
	return dsnStart.MatchString(after) && dsnWhole.MatchString(before)
}
