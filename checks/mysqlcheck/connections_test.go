package mysqlcheck

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

const appPassword = "hunter2-S3cret"

// TestConnectionsSaturation saturates a throwaway server (max_connections=10) for real: pass,
// warn at 70%, fail at 80%, then "Too many connections", then the traces that leaves behind
// (the high-water mark and refused connections), and finally a per-user limit.
func TestConnectionsSaturation(t *testing.T) {
	t.Parallel() // its own servers: nothing shared with the other tests
	srv := startMariaDBs(t, nil)[0]
	admin := srv.admin(t) // holds one connection for the whole test
	srv.exec(t, admin,
		"CREATE USER 'app'@'%' IDENTIFIED BY '"+appPassword+"'",
		"GRANT SELECT ON *.* TO 'app'@'%'",
		"CREATE USER 'capped'@'%' IDENTIFIED BY '"+appPassword+"' WITH MAX_USER_CONNECTIONS 4",
		"GRANT SELECT ON *.* TO 'capped'@'%'",
		"FLUSH STATUS")
	appDSN := srv.DSN("app", appPassword)
	appURL := fmt.Sprintf("mysql://app:%s@127.0.0.1:%d/", url.QueryEscape(appPassword), srv.Port)

	run := func(t *testing.T, dsn string) kind.Result {
		t.Helper()
		c := &Connections{DSN: dsn, MaxUsedPercent: 80, WarnUsedPercent: 70, PeakWarnPercent: 90}
		r := runCheck(t, c, 10*time.Second)
		assertNoSecret(t, r, appPassword)
		t.Log(golden.Result(r))
		return r
	}
	// The previous check's own connection may still be counted for a moment after it closed.
	settle := func(t *testing.T) {
		t.Helper()
		srv.waitConnections(t, "app", 0)
		srv.waitConnections(t, "capped", 0)
	}
	evidence := func(t *testing.T, r kind.Result, label string) kind.Evidence {
		t.Helper()
		for _, e := range r.Evidence {
			if strings.HasPrefix(e.Label, label) {
				return e
			}
		}
		t.Fatalf("no evidence %q in\n%s", label, golden.Result(r))
		return kind.Evidence{}
	}

	// The admin connection and the check's own make 2 of 10.
	tests := []struct {
		name        string
		hold        int // connections held by app besides the admin's and the check's
		holdRoot    int // more connections held by root, which MariaDB lets use one slot past the limit
		dsn         string
		want        kind.Status
		wantSummary string
	}{
		{"idle server passes", 0, 0, appDSN, kind.Pass, "2 of 10 connections in use (20%)"},
		{"mysql:// URL works the same", 0, 0, appURL, kind.Pass, "2 of 10 connections in use"},
		{"70% warns", 5, 0, appDSN, kind.Warn, "7 of 10 connections in use (70%), over the 70% warning level"},
		{"80% fails", 6, 0, appDSN, kind.Fail, "8 of 10 connections in use (80%), at or over the 80% limit"},
		{"full server refuses: Too many connections", 9, 0, appDSN, kind.Fail, "Too many connections (error 1040)"},
		// With the SUPER reserve slot taken too, the server refuses at accept and counts it in
		// Connection_errors_max_connections.
		{"reserve slot taken too", 9, 1, appDSN, kind.Fail, "Too many connections (error 1040)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			settle(t)
			release := srv.hold(t, "app", appPassword, tt.hold)
			defer release()
			releaseRoot := srv.hold(t, "root", "", tt.holdRoot)
			defer releaseRoot()
			r := run(t, tt.dsn)
			if r.Status != tt.want || !strings.Contains(r.Summary, tt.wantSummary) {
				t.Errorf("got %s %q, want %s containing %q", r.Status, r.Summary, tt.want, tt.wantSummary)
			}
		})
	}

	t.Run("after saturation: peak and refused connections warn", func(t *testing.T) {
		settle(t)
		r := run(t, appDSN)
		if r.Status != kind.Warn {
			t.Errorf("status %s, want warn", r.Status)
		}
		if !strings.Contains(r.Summary, "connections have already been refused") || !strings.Contains(r.Summary, "peak since the server started was 11 of 10") {
			t.Errorf("summary %q should name the refused connections and the peak", r.Summary)
		}
		if e := evidence(t, r, "peak since start"); e.Status != kind.Warn || e.Observed != "11 (110%)" {
			t.Errorf("peak evidence %+v", e)
		}
		if e := evidence(t, r, "connections in use"); e.Status != kind.Pass {
			t.Errorf("in-use evidence %+v, want pass", e)
		}
	})

	srv.exec(t, admin, "FLUSH STATUS")
	t.Run("per-user MAX_USER_CONNECTIONS", func(t *testing.T) {
		capped := srv.DSN("capped", appPassword)
		for _, tt := range []struct {
			hold        int
			want        kind.Status
			wantSummary string
		}{
			{1, kind.Pass, "3 of 10 connections in use"},
			{2, kind.Warn, "has 3 of its 4 connections in use (75%)"},
			{3, kind.Fail, "has 4 of its 4 connections in use (100%)"},
			{4, kind.Fail, "has used up its max_user_connections (error 1226)"},
		} {
			settle(t)
			release := srv.hold(t, "capped", appPassword, tt.hold)
			r := run(t, capped)
			release()
			if r.Status != tt.want || !strings.Contains(r.Summary, tt.wantSummary) {
				t.Errorf("holding %d: got %s %q, want %s containing %q", tt.hold, r.Status, r.Summary, tt.want, tt.wantSummary)
			}
			if tt.hold < 4 {
				if e := evidence(t, r, "connections of capped@%"); !strings.Contains(e.Label, "MAX_USER_CONNECTIONS") {
					t.Errorf("per-user evidence %+v", e)
				}
			}
		}
	})

	t.Run("wrong password is an error without the password", func(t *testing.T) {
		r := run(t, srv.DSN("app", "wrong-"+appPassword))
		assertNoSecret(t, r, "wrong-"+appPassword)
		if r.Status != kind.Error || !strings.Contains(r.Summary, "access denied") {
			t.Errorf("got %s %q, want an access-denied error", r.Status, r.Summary)
		}
	})
}

// TestConnectionsUnreachable covers the servers a check cannot decide about: nothing listening,
// and a port that accepts TCP and never answers, which must cost no more than the deadline.
func TestConnectionsUnreachable(t *testing.T) {
	hang := testsvc.HangingListener(t)
	closed := testsvc.ClosedAddr(t)
	tests := []struct {
		name, dsn, want string
	}{
		{"hanging server", "app:" + appPassword + "@tcp(" + hang + ")/app", "accepted the connection but did not answer within 1.5s (could not connect)"},
		{"hanging server, URL", "mysql://app:" + appPassword + "@" + hang + "/app", "accepted the connection but did not answer within 1.5s (could not connect)"},
		{"nothing listening", "app:" + appPassword + "@tcp(" + closed + ")/app", "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const timeout = 1500 * time.Millisecond
			start := time.Now()
			r := runCheck(t, &Connections{DSN: tt.dsn, MaxUsedPercent: 80, WarnUsedPercent: 70, PeakWarnPercent: 90}, timeout)
			testsvc.NotHung(t, start, timeout)
			t.Log(golden.Result(r))
			assertNoSecret(t, r, appPassword)
			if r.Status != kind.Error || !strings.Contains(r.Summary, tt.want) {
				t.Errorf("got %s %q, want error containing %q", r.Status, r.Summary, tt.want)
			}
		})
	}
}

func TestConnectionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		c       Connections
		wantErr string
	}{
		{"ok", Connections{DSN: "u:p@tcp(db:3306)/x", MaxUsedPercent: 80, WarnUsedPercent: 70, PeakWarnPercent: 90}, ""},
		{"bad dsn", Connections{DSN: "u:" + appPassword + "@db:3306", MaxUsedPercent: 80, WarnUsedPercent: 70, PeakWarnPercent: 90}, "dsn: invalid DSN"},
		{"warn above max", Connections{DSN: "mysql://db/x", MaxUsedPercent: 60, WarnUsedPercent: 70, PeakWarnPercent: 90}, "warn_used_percent: 70 must not be above max_used_percent (60)"},
		{"percent out of range", Connections{DSN: "mysql://db/x", MaxUsedPercent: 180, WarnUsedPercent: 70, PeakWarnPercent: 90}, "max_used_percent: must be between 1 and 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), appPassword) {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}
