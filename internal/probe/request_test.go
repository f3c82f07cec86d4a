package probe

import (
	"strings"
	"testing"
)

func TestValidHeaderName(t *testing.T) {
	for _, ok := range []string{"X-Api-Key", "authorization", "X_1~!#$%&'*+-.^`|"} {
		if !ValidHeaderName(ok) {
			t.Errorf("ValidHeaderName(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "X Key", "X:Key", "Ümlaut", "X-Key\r\n", "(x)", "a/b", "a=b"} {
		if ValidHeaderName(bad) {
			t.Errorf("ValidHeaderName(%q) = true", bad)
		}
	}
}

func TestCheckHeaders(t *testing.T) {
	tests := []struct {
		h    map[string]string
		want string
	}{
		{map[string]string{"Authorization": "Bearer x", "X-Scope-OrgID": "t1"}, ""},
		{map[string]string{"X Key": "v"}, `"X Key" is not a valid header name`},
		{map[string]string{"X-A": "a\r\nX-B: b"}, "the value of X-A contains a line break"},
		{map[string]string{"user-agent": "curl"}, "User-Agent is always launchgate/<version>"},
		// The first name in order decides which mistake is named, whatever the map's order.
		{map[string]string{"b c": "", "A": "\n"}, "the value of A contains a line break"},
	}
	for _, tt := range tests {
		err := CheckHeaders(tt.h)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("CheckHeaders(%q) = %v, want %q", tt.h, err, tt.want)
		}
	}
}

func TestParseHTTPURL(t *testing.T) {
	if u, err := ParseHTTPURL("https://api.example.com/v1?x=1"); err != nil || u.Host != "api.example.com" {
		t.Errorf("ParseHTTPURL = %v, %v", u, err)
	}
	for _, bad := range []string{"", "api.example.com/v1", "ftp://host/x", "https:///path", "https://user:s3cret@[::1/x"} {
		_, err := ParseHTTPURL(bad)
		if err == nil || !strings.Contains(err.Error(), "must be an absolute http:// or https:// URL") {
			t.Errorf("ParseHTTPURL(%q) = %v", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

func TestSetMethod(t *testing.T) {
	m := " post "
	if err := SetMethod(&m, "GET"); err != nil || m != "POST" {
		t.Errorf("SetMethod = %q, %v", m, err)
	}
	m = ""
	if err := SetMethod(&m, "GET"); err != nil || m != "GET" {
		t.Errorf("empty method = %q, %v", m, err)
	}
	m = "FETCH"
	if err := SetMethod(&m, "GET"); err == nil || m != "FETCH" {
		t.Errorf("FETCH = %q, %v; want an error and the method left as written", m, err)
	}
}
