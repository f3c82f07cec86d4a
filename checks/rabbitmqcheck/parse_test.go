package rabbitmqcheck

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		url, name, vhost, wantErr string
	}{
		{url: "amqp://app:hunter2-S3cret@mq.internal/", name: "amqp://mq.internal:5672", vhost: "/"},
		{url: "amqps://app:hunter2-S3cret@mq.internal:5671/orders", name: "amqps://mq.internal:5671", vhost: "orders"},
		{url: "amqp://app:hunter2-S3cret@mq.internal:5672/%2f", name: "amqp://mq.internal:5672", vhost: "/"},
		{url: "amqp://app:hunter2#S3cret@mq.internal/", wantErr: "percent-encode"},
		{url: "amqp://app:hunter2-S3cret@/", wantErr: "names no host"},
		{url: "amqp://app:hunter2-S3cret@mq.internal:notaport/", wantErr: "invalid AMQP URL amqp://app:***@mq.internal:notaport/"},
		{url: "rabbitmq://mq.internal", wantErr: `unsupported scheme "rabbitmq"`},
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
			if got.name != tt.name || got.vhostName() != tt.vhost {
				t.Errorf("name %q vhost %q, want %q %q", got.name, got.vhostName(), tt.name, tt.vhost)
			}
		})
	}
}

// FuzzParseURL: whatever surrounds a password, parsing never panics and neither the name used
// in output nor an error carries it.
func FuzzParseURL(f *testing.F) {
	f.Add(false, "app", "@mq:5672/")
	f.Add(true, "app", "@mq/orders")
	f.Add(false, "", " x@mq:99999")
	const secret = "Zq9Secret"
	f.Fuzz(func(t *testing.T, tls bool, user, rest string) {
		if strings.ContainsAny(user, ":@/?#%[] \t\n") || !strings.Contains(rest, "@") {
			return
		}
		scheme := "amqp://"
		if tls {
			scheme = "amqps://"
		}
		tg, err := parseURL(scheme + user + ":" + secret + rest)
		if err != nil {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error carries the password: %v", err)
			}
			return
		}
		if strings.Contains(tg.name, secret) {
			t.Errorf("name %q carries the password", tg.name)
		}
	})
}

// FuzzGlob: any pattern compiles, and a pattern without wildcards matches only itself.
func FuzzGlob(f *testing.F) {
	f.Add("lg.*", "lg.jobs")
	f.Add("a+b?", "a+bc")
	f.Fuzz(func(t *testing.T, glob, name string) {
		if !utf8.ValidString(glob) || !utf8.ValidString(name) {
			return // Validate refuses such names
		}
		re := globRE(glob)
		if !isPattern(glob) && re.MatchString(name) != (glob == name) {
			t.Errorf("%q matches %q: %v", glob, name, re.MatchString(name))
		}
	})
}
