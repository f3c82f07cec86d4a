package testsvc

import (
	"context"
	"errors"
	"net"
	"testing"
)

func TestOnFreePort(t *testing.T) {
	taken := errors.New("bind failed")
	tests := []struct {
		name      string
		logs      []string // what each try's server logs; "" starts
		wantTries int
		wantErr   bool
	}{
		{"first port", []string{""}, 1, false},
		{"port taken, then free", []string{"Address already in use", ""}, 2, false},
		{"taken three times", []string{"already in use", "already in use", "already in use", ""}, 3, true},
		{"another failure is not retried", []string{"permission denied", ""}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tries := 0
			_, err := OnFreePort(t, func(int) (string, error) {
				log := tt.logs[tries]
				tries++
				if log != "" {
					return log, taken
				}
				return "", nil
			})
			if tries != tt.wantTries || (err != nil) != tt.wantErr {
				t.Errorf("%d tries, error %v; want %d tries, error %v", tries, err, tt.wantTries, tt.wantErr)
			}
		})
	}
}

func TestHosts(t *testing.T) {
	h := Hosts{"db.internal": {"127.0.0.1"}}
	addrs, err := h.LookupIPAddr(context.Background(), "db.internal")
	if err != nil || len(addrs) != 1 || !addrs[0].IP.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("db.internal: %v, %v", addrs, err)
	}
	var dnsErr *net.DNSError
	if _, err := h.LookupIPAddr(context.Background(), "elsewhere"); !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("elsewhere: %v, want not found", err)
	}
}
