package mysqlcheck

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// waitFor polls the query on db until it returns want, or fails the test after
// testsvc.WaitLimit.
func waitFor(t *testing.T, db *sql.DB, query, want string) {
	t.Helper()
	deadline := time.Now().Add(testsvc.WaitLimit)
	var got string
	for time.Now().Before(deadline) {
		err := db.QueryRow(query).Scan(&got)
		if err == nil && got == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: still %q, want %q", query, got, want)
}

func replicaField(t *testing.T, db *sql.DB, field string) string {
	t.Helper()
	rows, err := db.Query("SHOW SLAVE STATUS")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		return ""
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	for i, c := range cols {
		if c == field {
			return vals[i].String
		}
	}
	t.Fatalf("no column %s", field)
	return ""
}

func waitReplicaField(t *testing.T, db *sql.DB, field, want string) {
	t.Helper()
	deadline := time.Now().Add(testsvc.WaitLimit)
	got := ""
	for time.Now().Before(deadline) {
		if got = replicaField(t, db, field); got == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s is still %q, want %q", field, got, want)
}

// TestReplicaLagRealReplication runs a real primary and replica: a healthy replica passes, a
// stopped SQL thread and a replication error (NULL lag) fail with the server's error shown, a
// primary is "not a replica", and a missing privilege is an error.
func TestReplicaLagRealReplication(t *testing.T) {
	t.Parallel() // its own servers: nothing shared with the other tests
	servers := startMariaDBs(t, []string{"--server-id=1", "--log-bin=bin", "--binlog-format=ROW"}, []string{"--server-id=2", "--relay-log=relay"})
	primary, replica := servers[0], servers[1]
	pdb, rdb := primary.admin(t), replica.admin(t)
	replica.exec(t, rdb,
		fmt.Sprintf("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, MASTER_USER='root', MASTER_PASSWORD='', MASTER_CONNECT_RETRY=1", primary.Port),
		"START SLAVE",
		"CREATE USER 'nopriv'@'%' IDENTIFIED BY '"+appPassword+"'")
	// The monitoring user is created on the primary and reaches the replica by replication.
	primary.exec(t, pdb,
		"CREATE USER 'mon'@'%' IDENTIFIED BY '"+appPassword+"'",
		"GRANT REPLICA MONITOR ON *.* TO 'mon'@'%'",
		"CREATE DATABASE lg", "CREATE TABLE lg.t (id INT PRIMARY KEY)", "INSERT INTO lg.t VALUES (1)")
	waitFor(t, rdb, "SELECT COUNT(*) FROM lg.t", "1")

	replicaDSN := replica.DSN("mon", appPassword)
	replicaURL := fmt.Sprintf("mysql://mon:%s@127.0.0.1:%d", appPassword, replica.Port)
	run := func(t *testing.T, dsns ...string) kind.Result {
		t.Helper()
		r := runCheck(t, &ReplicaLag{ReplicaDSNs: dsns, MaxLag: kind.Duration(30 * time.Second)}, 10*time.Second)
		assertNoSecret(t, r, appPassword)
		t.Log(golden.Result(r))
		return r
	}
	expect := func(t *testing.T, r kind.Result, want kind.Status, parts ...string) {
		t.Helper()
		if r.Status != want {
			t.Errorf("status %s, want %s", r.Status, want)
		}
		all := golden.Result(r)
		for _, p := range parts {
			if !strings.Contains(all, p) {
				t.Errorf("result does not mention %q:\n%s", p, all)
			}
		}
	}

	t.Run("healthy replica passes", func(t *testing.T) {
		r := run(t, replicaDSN, replicaURL)
		expect(t, r, kind.Pass, "2 of 2 replicas replicating; the furthest behind is 0s (max 30s)",
			fmt.Sprintf("(from 127.0.0.1:%d) IO thread: Yes", primary.Port))
	})
	t.Run("primary is not a replica", func(t *testing.T) {
		r := run(t, primary.DSN("mon", appPassword))
		expect(t, r, kind.Fail, "is not a replica: SHOW REPLICA STATUS returned nothing")
	})
	t.Run("one healthy, one not a replica", func(t *testing.T) {
		r := run(t, replicaDSN, primary.DSN("mon", appPassword))
		expect(t, r, kind.Fail, "1 of 2 replicas healthy")
	})
	t.Run("missing privilege is an error", func(t *testing.T) {
		r := run(t, replica.DSN("nopriv", appPassword))
		expect(t, r, kind.Error, "cannot run SHOW REPLICA STATUS", "grant")
	})

	t.Run("stopped SQL thread fails with NULL lag", func(t *testing.T) {
		replica.exec(t, rdb, "STOP SLAVE SQL_THREAD")
		defer replica.exec(t, rdb, "START SLAVE SQL_THREAD")
		r := run(t, replicaDSN)
		expect(t, r, kind.Fail, "SQL thread is No", "NULL (replication is broken", "START REPLICA SQL_THREAD")
	})

	t.Run("replication error fails and shows Last_SQL_Error", func(t *testing.T) {
		waitReplicaField(t, rdb, "Slave_SQL_Running", "Yes")
		// The replica already has the row the primary is about to insert: the SQL thread stops
		// on the duplicate key, as it does when a replica's data has diverged.
		replica.exec(t, rdb, "INSERT INTO lg.t VALUES (2)")
		primary.exec(t, pdb, "INSERT INTO lg.t VALUES (2)")
		waitReplicaField(t, rdb, "Slave_SQL_Running", "No")
		r := run(t, replicaDSN)
		expect(t, r, kind.Fail, "SQL thread is No: ", "Duplicate entry '2'", "Last_SQL_Error", "NULL")
	})

	t.Run("source unreachable: IO thread not running", func(t *testing.T) {
		closed := testsvc.ClosedAddr(t)
		port := closed[strings.LastIndex(closed, ":")+1:]
		replica.exec(t, rdb, "STOP SLAVE", "RESET SLAVE ALL",
			"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT="+port+", MASTER_USER='root', MASTER_CONNECT_RETRY=1",
			"START SLAVE")
		waitReplicaField(t, rdb, "Slave_IO_Running", "Connecting")
		r := run(t, replicaDSN)
		expect(t, r, kind.Fail, "IO thread is Connecting", "Last_IO_Error")
	})
}

func TestReplicaLagUnreachable(t *testing.T) {
	hang := testsvc.HangingListener(t)
	const timeout = 1500 * time.Millisecond
	start := time.Now()
	r := runCheck(t, &ReplicaLag{ReplicaDSNs: []string{"mon:" + appPassword + "@tcp(" + hang + ")/", "mon:" + appPassword + "@tcp(" + testsvc.ClosedAddr(t) + ")/"},
		MaxLag: kind.Duration(time.Second)}, timeout)
	t.Log(golden.Result(r))
	assertNoSecret(t, r, appPassword)
	if r.Status != kind.Error || !strings.Contains(r.Summary, "did not answer within 1.5s") || !strings.Contains(r.Summary, "connection refused") {
		t.Errorf("got %s %q, want an error naming the hang and the refusal", r.Status, r.Summary)
	}
	testsvc.NotHung(t, start, timeout)
}

// TestReplicaLagJudge covers lag readings a test cannot make a real replica produce on demand.
func TestReplicaLagJudge(t *testing.T) {
	ok := func(lag int64) replicaState {
		return replicaState{name: "r@db:3306", source: "src:3306", ioRunning: "Yes", sqlRunning: "Yes", lag: sql.NullInt64{Int64: lag, Valid: true}}
	}
	tests := []struct {
		name   string
		states []replicaState
		want   kind.Status
		sum    string
	}{
		{"within max_lag", []replicaState{ok(3)}, kind.Pass, "1 of 1 replicas replicating; the furthest behind is 3s (max 30s)"},
		{"at max_lag", []replicaState{ok(30)}, kind.Pass, "furthest behind is 30s"},
		{"behind", []replicaState{ok(2), ok(95)}, kind.Fail, "1 of 2 replicas healthy; r@db:3306 is 1m35s behind its source (max 30s)"},
		{"broken and unreachable: the decided problem wins", []replicaState{ok(95), {name: "r2@db:3306", result: &kind.Result{Status: kind.Error, Summary: "r2@db:3306: connection refused"}}}, kind.Fail, "0 of 2 replicas healthy"},
		{"NULL lag with threads running", []replicaState{{name: "r@db:3306", ioRunning: "Yes", sqlRunning: "Yes"}}, kind.Fail, "Seconds_Behind_Source is NULL (replication is broken)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &ReplicaLag{MaxLag: kind.Duration(30 * time.Second)}
			r := c.judge(tt.states)
			if r.Status != tt.want || !strings.Contains(r.Summary, tt.sum) {
				t.Errorf("got %s %q, want %s containing %q", r.Status, r.Summary, tt.want, tt.sum)
			}
		})
	}
}

func TestReplicaLagValidateBlamesEachParameter(t *testing.T) {
	c := &ReplicaLag{DSN: "mysql://mon@replica-a/app", ReplicaDSNs: DSNList{"mysql://mon@replica-b/app", "postgres://x@y/z"}}
	err := c.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`replica_dsns: entry 2: `, "max_lag: must be positive"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if c.targets != nil {
		t.Errorf("targets kept after a failed Validate: %v", c.targets)
	}
}
