package jwtcheck

import (
	"net"
	"os"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/launchgate/launchgate/internal/kind"
)

func envAt(now time.Time) *kind.Env {
	return &kind.Env{
		Now:     func() time.Time { return now },
		Getenv:  os.Getenv,
		Dialer:  &net.Dialer{},
		BaseDir: ".",
		Version: "test",
	}
}

func mint(t testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
