package tlscheck

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/launchgate/launchgate/internal/kind"
)

// TestGolden pins the full text of two results people read most: the quick audit of a healthy
// name, and the incident this check exists for (one of two servers still serving an old,
// expiring certificate).
func TestGolden(t *testing.T) {
	t.Parallel()
	root := issue(t, spec{cn: "Golden Root", ca: true, notAfter: testNow.Add(3650 * day24), serial: 1}, nil)
	inter := issue(t, spec{cn: "Golden Intermediate", ca: true, notAfter: testNow.Add(1000 * day24), serial: 2}, root)
	names := []string{"api.test", "www.api.test"}
	current := chain(issue(t, spec{cn: "api.test", dns: names, serial: 0x1001}, inter), inter)
	stale := chain(issue(t, spec{cn: "api.test", dns: names, notAfter: testNow.Add(3 * day24), serial: 0x0999}, inter), inter)
	roots := newPoolOf(root)

	cases := []struct {
		name   string
		cfg1   *tls.Config
		cfg2   *tls.Config
		status kind.Status
	}{
		{"quick_audit", &tls.Config{Certificates: []tls.Certificate{current}}, &tls.Config{Certificates: []tls.Certificate{current}}, kind.Pass},
		{"stale_server", &tls.Config{Certificates: []tls.Certificate{current}}, &tls.Config{Certificates: []tls.Certificate{stale}}, kind.Fail},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			port := servePair(t, tc.cfg1, tc.cfg2)
			c := New()
			c.Host = "api.test:" + port
			r := runCheck(t, c, testEnv(roots, resolver{"api.test": {"127.0.0.1", "127.0.0.2"}}))
			if r.Status != tc.status {
				t.Errorf("status %s, want %s", r.Status, tc.status)
			}
			got := strings.ReplaceAll(golden.Result(r), ":"+port, ":PORT")
			golden.Check(t, tc.name+".golden", []byte(got))
		})
	}
}
