// Package testsvc gives tests the real network fixtures launchgate checks against, and one rule
// for services a test cannot reach: skip with what to start, except under CI, where it fails.
package testsvc

import (
	"net"
	"os"
	"sync"
	"testing"
)

// Unavailable reports that a service the test needs could not be reached. Outside CI the test
// is skipped with a message saying what to start; with CI set it fails, because .ci/run starts
// every service the tests need.
func Unavailable(t testing.TB, service, howToStart string, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not reachable (%v); CI must start it: %s", service, err, howToStart)
	}
	t.Skipf("%s is not reachable (%v); start it with: %s", service, err, howToStart)
}

// HangingListener returns the address of a listener that accepts connections and never answers
// them: the app that accepted TCP but never replied.
func HangingListener(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// ClosedAddr returns a loopback address on which nothing listens, so connecting is refused.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
