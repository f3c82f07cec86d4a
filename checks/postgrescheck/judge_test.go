package postgrescheck

import (
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/launchgate/launchgate/internal/kind"
)

// render writes a result the way a person reads it, for golden files.
func goldenResult(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, name+".golden", []byte(got))
}

func ptr[T any](v T) *T { return &v }

// TestJudgeStandbys pins the wording for the rows pg_stat_replication can hold, including the
// traps: NULL lag on an idle primary, NULL lag with bytes outstanding, a standby in catchup.
func TestJudgeStandbys(t *testing.T) {
	idle := standby{pid: 101, name: "replica_a", client: "10.0.0.7", state: ptr("streaming"), syncState: ptr("async"), bytesBehind: ptr(int64(0))}
	lagging := standby{pid: 102, name: "replica_b", client: "10.0.0.8", state: ptr("streaming"), syncState: ptr("async"),
		bytesBehind: ptr(int64(48 << 20)), writeLag: ptr(0.001), flushLag: ptr(0.002), replayLag: ptr(1.4)}
	unsampled := standby{pid: 103, name: "", client: "10.0.0.9", state: ptr("streaming"), syncState: ptr("sync"), bytesBehind: ptr(int64(4096))}
	catchup := standby{pid: 104, name: "replica_d", client: "10.0.0.10", state: ptr("catchup"), bytesBehind: ptr(int64(1 << 30))}
	tests := []struct {
		name     string
		expect   *int
		maxBytes kind.ByteSize
		rows     []standby
	}{
		{"idle_primary", nil, 0, []standby{idle}},
		{"one_lagging", ptr(2), 16 << 20, []standby{idle, lagging}},
		{"unsampled_and_catchup", ptr(3), 0, []standby{idle, unsampled, catchup}},
		{"none_expected", ptr(0), 0, nil},
		{"none_found", nil, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &ReplicaLag{MaxLag: kind.Duration(100 * time.Millisecond), MaxLagBytes: tt.maxBytes, ExpectReplicas: tt.expect}
			j := &judgement{r: kind.Result{Status: kind.Pass}}
			c.judgeStandbys(j, tt.rows)
			goldenResult(t, "standbys_"+tt.name, golden.Result(j.finish(c)))
		})
	}
}

// TestJudgeConnections pins the wording of the connections verdicts.
func TestJudgeConnections(t *testing.T) {
	tg, err := parseTarget("postgres://app:pw@db.internal:5432/shop")
	if err != nil {
		t.Fatal(err)
	}
	pg16 := serverLimits{maxConnections: 200, superuserReserved: 3, reserved: 5, version: "16.4", readAllStats: true, idleTimeout: "5min"}
	pg15 := serverLimits{maxConnections: 100, superuserReserved: 3, version: "15.8", readAllStats: true, idleTimeout: "0"}
	noMonitor := pg15
	noMonitor.readAllStats = false
	leak := idleSession{pid: 4242, user: "app", db: "shop", app: "api", client: "10.1.2.3", idleFor: 4*time.Minute + 12*time.Second, inTransaction: 5 * time.Minute}
	tests := []struct {
		name    string
		lim     serverLimits
		used    int
		roles   []limitUse
		dbs     []limitUse
		idle    []idleSession
		maxIdle time.Duration
	}{
		{"pass_pg16_reserved", pg16, 12, []limitUse{{"app", 50, 10}}, []limitUse{{"shop", 100, 12}}, nil, 0},
		{"warn", pg15, 70, nil, nil, nil, 0},
		{"fail_server_and_role", pg15, 90, []limitUse{{"app", 20, 19}}, nil, nil, 0},
		{"idle_unjudged", pg15, 5, nil, nil, []idleSession{leak}, 0},
		{"idle_over_limit", pg15, 5, nil, nil, []idleSession{leak}, 30 * time.Second},
		{"no_monitor_approximate", noMonitor, 5, nil, nil, nil, 0},
		{"no_monitor_idle_limit", noMonitor, 5, nil, nil, nil, 30 * time.Second},
		{"fail_beats_no_monitor_error", noMonitor, 90, nil, nil, nil, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConnections("postgres://app@db.internal/shop")
			c.MaxIdleInTransaction = kind.Duration(tt.maxIdle)
			goldenResult(t, "connections_"+tt.name, golden.Result(c.judge(tg, tt.lim, tt.used, tt.roles, tt.dbs, tt.idle)))
		})
	}
}
