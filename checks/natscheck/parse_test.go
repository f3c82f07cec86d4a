package natscheck

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		url, name, wantErr string
	}{
		{url: "nats://app:hunter2-S3cret@nats.internal", name: "nats://nats.internal:4222"},
		{url: "tls://app:hunter2-S3cret@nats.internal:4443", name: "tls://nats.internal:4443"},
		{url: "nats://hunter2-S3cret@nats.internal:4222", name: "nats://nats.internal:4222"},
		{url: "nats://app:hunter2#S3cret@nats.internal", wantErr: "percent-encode"},
		{url: "nats://app:hunter2-S3cret@:4222", wantErr: "names no host"},
		{url: "http://nats.internal", wantErr: `unsupported scheme "http"`},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := parseURL(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "S3cret") {
					t.Errorf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.name != tt.name || strings.Contains(got.red.String("x hunter2-S3cret y"), "S3cret") {
				t.Errorf("name %q, want %q; redactor %q", got.name, tt.name, got.red.String("x hunter2-S3cret y"))
			}
		})
	}
}

// FuzzParseURL: whatever surrounds a password or token, parsing never panics and neither the
// name used in output nor an error carries it.
func FuzzParseURL(f *testing.F) {
	f.Add("app:", "@nats:4222")
	f.Add("", "@nats")
	f.Add("app:", " x@nats:99999")
	const secret = "Zq9Secret"
	f.Fuzz(func(t *testing.T, user, rest string) {
		if strings.ContainsAny(user, "@/?#%[] \t\n") || strings.Count(user, ":") > 1 || !strings.Contains(rest, "@") {
			return
		}
		if i := strings.IndexAny(rest, "/?#"); i >= 0 && i < strings.Index(rest, "@") {
			return // the secret then ends the host, not the user part: it is no secret
		}
		tg, err := parseURL("nats://" + user + secret + rest)
		if err != nil {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error carries the secret: %v", err)
			}
			return
		}
		if strings.Contains(tg.name, secret) {
			t.Errorf("name %q carries the secret", tg.name)
		}
	})
}
