package probe

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

func TestGivenTimeout(t *testing.T) {
	if got := GivenTimeout(context.Background(), 10*time.Second); got != 10*time.Second {
		t.Errorf("without a deadline: %s, want the default", got)
	}
	// Recorded by kind.WithTimeout, the timeout is exact however late the check starts.
	ctx, cancel := kind.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if got := GivenTimeout(ctx, time.Minute); got != 1500*time.Millisecond {
		t.Errorf("recorded 1.5s: got %s", got)
	}
}

func TestUnencodedPassword(t *testing.T) {
	err := UnencodedPassword("PostgreSQL", "postgres://app:Tr0ub4dor@Horse99@db:5432/shop")
	want := "PostgreSQL URL postgres://app:***@db:5432/shop does not parse as user:password@host: percent-encode '#', '/', '?' and '@' in the password (%40 for '@')"
	if err.Error() != want {
		t.Errorf("got %q\nwant %q", err, want)
	}
	for _, fragment := range []string{"Tr0ub4dor", "Horse99"} {
		if strings.Contains(err.Error(), fragment) {
			t.Errorf("shows %q", fragment)
		}
	}
}

func TestDriverMessage(t *testing.T) {
	tests := []struct {
		name, dsn, msg, want string
	}{
		{"quotes part of the password", "app:Tr0ub4dor@tcp(db)/shop", "unexpected ub4d in DSN", "the driver cannot parse it"},
		{"quotes a URL's password", "redis://:s3cret-Pa55@cache:6379/x", "invalid database number: cret", "the driver cannot parse it"},
		{"quotes nothing of it", "app:Tr0ub4dor@tcp(db)/shop", "invalid value for bool: maybe", "invalid value for bool: maybe"},
		{"no password", "app@tcp(db)/shop", "unknown parameter", "unknown parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DriverMessage(errors.New(tt.msg), tt.dsn, "the driver cannot parse it"); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
