package probe

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

func TestLookupHost(t *testing.T) {
	if LookupHost(nil) != nil || LookupHost(&kind.Env{}) != nil {
		t.Fatal("without a resolver LookupHost must be nil, so that the driver keeps its own")
	}
	look := LookupHost(&kind.Env{Resolver: testsvc.Hosts{"db.internal": {"10.0.0.7", "::1"}}})
	tests := []struct {
		host    string
		want    []string
		wantErr bool
	}{
		{"db.internal", []string{"10.0.0.7", "::1"}, false},
		{"192.0.2.1", []string{"192.0.2.1"}, false},
		{"elsewhere", nil, true},
	}
	for _, tt := range tests {
		got, err := look(context.Background(), tt.host)
		if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q, %v; want %q (error %v)", tt.host, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestDialContext(t *testing.T) {
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	unix, err := net.Listen("unix", filepath.Join(t.TempDir(), "s"))
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close()
	_, port, _ := net.SplitHostPort(tcp.Addr().String())
	env := &kind.Env{Resolver: testsvc.Hosts{"db.internal": {"127.0.0.1"}, "nowhere.internal": {}}}
	tests := []struct {
		name          string
		env           *kind.Env
		network, addr string
		wantDNS       bool
	}{
		{"a name through the resolver", env, "tcp", net.JoinHostPort("db.internal", port), false},
		{"an address as it is", env, "tcp", tcp.Addr().String(), false},
		{"no environment", nil, "tcp", tcp.Addr().String(), false},
		{"a unix socket, not resolved", env, "unix", unix.Addr().String(), false},
		{"a name without addresses", env, "tcp", net.JoinHostPort("nowhere.internal", port), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := DialContext(tt.env)(ctx, tt.network, tt.addr)
			var dnsErr *net.DNSError
			if tt.wantDNS {
				if !errors.As(err, &dnsErr) {
					t.Fatalf("got %v, want a DNS error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.Close()
		})
	}
}

func TestSkip(t *testing.T) {
	tests := []struct {
		in        string
		left      int64
		rest      string
		leftAfter int64
	}{
		{"abcdef", 2, "cdef", 0},
		{"abc", 5, "", 2},
		{"abc", 0, "abc", 0},
	}
	for _, tt := range tests {
		left := tt.left
		if rest := string(Skip([]byte(tt.in), &left)); rest != tt.rest || left != tt.leftAfter {
			t.Errorf("Skip(%q, %d) = %q, %d left; want %q, %d", tt.in, tt.left, rest, left, tt.rest, tt.leftAfter)
		}
	}
}
