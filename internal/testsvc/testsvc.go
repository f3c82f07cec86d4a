// Package testsvc gives tests the real network fixtures launchgate checks against, and one rule
// for services a test cannot reach: skip with what to start, except under CI, where it fails.
package testsvc

import (
	"context"
	"net"
	"os"
	"runtime"
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

// Serve listens on a free loopback port and runs handle for every connection it accepts, each
// on its own goroutine: a fake server speaking just enough of a protocol. When the test ends the
// listener and every connection are closed and the handlers waited for.
func Serve(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		conns  []net.Conn
		closed bool
		wg     sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				c.Close()
				return
			}
			conns = append(conns, c)
			wg.Add(1)
			mu.Unlock()
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		closed = true
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// Flood writes prefix and then filler bytes until the peer closes the connection: a server
// keeping the promise of a huge reply that prefix announced.
func Flood(c net.Conn, prefix []byte) {
	if _, err := c.Write(prefix); err != nil {
		return
	}
	filler := make([]byte, 64<<10)
	for i := range filler {
		filler[i] = 'x'
	}
	for {
		if _, err := c.Write(filler); err != nil {
			return
		}
	}
}

// Allocated runs f and returns how many bytes the process allocated meanwhile: a test that
// feeds a client a huge announced size asserts with it that nothing of that size was allocated.
// Run it outside t.Parallel, so that other tests' allocations do not count.
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Hosts is a resolver for kind.Env that knows the names it lists and no other, as DNS maps a
// name to its servers: a test points any name at loopback with it.
type Hosts map[string][]string

// LookupIPAddr implements kind.Resolver.
func (h Hosts) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	ips, ok := h[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	out := make([]net.IPAddr, len(ips))
	for i, ip := range ips {
		out[i] = net.IPAddr{IP: net.ParseIP(ip)}
	}
	return out, nil
}
