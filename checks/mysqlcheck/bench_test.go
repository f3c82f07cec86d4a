package mysqlcheck

import (
	"context"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

func BenchmarkParseDSN(b *testing.B) {
	for b.Loop() {
		if _, err := parseDSN("mysql://app:p%40ss@db.internal:3306/shop?ssl-mode=REQUIRED"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConnectionsJudge(b *testing.B) {
	c := &Connections{MaxUsedPercent: 80, WarnUsedPercent: 70, PeakWarnPercent: 90}
	s := connStats{threadsConnected: 75, maxUsed: 140, refused: 3, maxConnections: 151, account: "app@%", userLimit: 50, userLimitFrom: "x", userConnections: 40}
	for b.Loop() {
		c.judge(s)
	}
}

// BenchmarkConnectionsRun is one whole check against the shared MariaDB on 127.0.0.1:3306:
// connect, three status queries, close. It only reads.
func BenchmarkConnectionsRun(b *testing.B) {
	c := &Connections{DSN: "root@tcp(127.0.0.1:3306)/", MaxUsedPercent: 80, WarnUsedPercent: 70, PeakWarnPercent: 90}
	if err := c.Validate(); err != nil {
		b.Fatal(err)
	}
	env := kind.DefaultEnv("bench")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if r := c.Run(ctx, env); r.Status == kind.Error {
		testsvc.Unavailable(b, "MariaDB on 127.0.0.1:3306", "bash .ci/services/00-base.sh", nil)
	}
	for b.Loop() {
		c.Run(ctx, env)
	}
}
