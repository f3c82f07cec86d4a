package postgrescheck

import (
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/pgtest"
	"github.com/launchgate/launchgate/internal/probe"
)

// BenchmarkConnections is one full run: connect, five catalogue queries, close.
func BenchmarkConnections(b *testing.B) {
	pg := pgtest.Start(b, pgtest.Options{})
	benchRun(b, newConnections(pg.DSN("", "")), func(r kind.Result) bool { return r.Status == kind.Pass })
}

// BenchmarkReplicaLagIdle is one run against an idle primary and its standby, visiting the
// standby through replica_dsns: the cost of the check when nothing lags.
func BenchmarkReplicaLagIdle(b *testing.B) {
	pg := pgtest.Start(b, pgtest.Options{})
	sb := pg.Standby(b, pgtest.StandbyOptions{Name: "bench"})
	pg.WaitStreaming(b, 1)
	c := newReplicaLag(pg.DSN("", ""), time.Second, sb.DSN("", ""))
	benchRun(b, c, func(r kind.Result) bool { return r.Status == kind.Pass })
}

func BenchmarkSplitDSNs(b *testing.B) {
	s := "postgres://ro:pw@replica-a:5432/app?sslmode=require,postgres://ro:pw@h1,h2:5433/app,host=c user=ro"
	for i := 0; i < b.N; i++ {
		probe.SplitDSNs[pgDSNs](s)
	}
}
