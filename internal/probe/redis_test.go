package probe

import (
	"strings"
	"testing"
)

// password is what the tests put in URLs, to see that no output carries it.
const password = "hunter2-R3dis"

func TestParseRedisURL(t *testing.T) {
	tests := []struct {
		url, name, addr, user, pass string
		db                          int
		tls                         bool
		wantErr                     string
	}{
		{url: "redis://:" + password + "@cache.internal:6379/2", name: "redis://cache.internal:6379/2", addr: "cache.internal:6379", pass: password, db: 2},
		{url: "rediss://app:" + password + "@cache.internal", name: "rediss://app@cache.internal:6379", addr: "cache.internal:6379", user: "app", pass: password, tls: true},
		{url: "redis://localhost", name: "redis://localhost:6379", addr: "localhost:6379"},
		{url: "redis://app:hunter2@R3#dis@cache:6379", wantErr: "percent-encode '#', '/', '?' and '@' in the password"},
		{url: "http://cache:6379", wantErr: `unsupported scheme "http"`},
		{url: "redis://:" + password + "@cache/notanumber", wantErr: "invalid Redis URL redis://:***@cache/notanumber"},
		{url: "redis://:" + password + " x@cache:99999999999", wantErr: "invalid Redis URL redis://:***@cache"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := ParseRedisURL(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), password) {
					t.Errorf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := got.Options
			if got.Name != tt.name || o.Addr != tt.addr || o.Username != tt.user || o.Password != tt.pass || o.DB != tt.db || (o.TLSConfig != nil) != tt.tls {
				t.Errorf("got name %q addr %q user %q pass %q db %d tls %v", got.Name, o.Addr, o.Username, o.Password, o.DB, o.TLSConfig != nil)
			}
		})
	}
}

// FuzzParseRedisURL: whatever surrounds a password, parsing never panics and neither the name used
// in output nor an error carries it.
func FuzzParseRedisURL(f *testing.F) {
	f.Add(false, "", "@cache:6379/0")
	f.Add(true, "app", "@cache")
	f.Add(false, "", " x@cache:99999")
	const secret = "Zq9Secret"
	f.Fuzz(func(t *testing.T, tls bool, user, rest string) {
		if strings.ContainsAny(user, ":@/?#%[] \t\n") || !strings.Contains(rest, "@") {
			return
		}
		scheme := "redis://"
		if tls {
			scheme = "rediss://"
		}
		tg, err := ParseRedisURL(scheme + user + ":" + secret + rest)
		if err != nil {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error carries the password: %v", err)
			}
			return
		}
		if strings.Contains(tg.Name, secret) {
			t.Errorf("name %q carries the password", tg.Name)
		}
	})
}
