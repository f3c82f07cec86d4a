package probe

import (
	"strings"
	"testing"
)

func TestParseMethod(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"", "GET", ""},
		{"post", "POST", ""},
		{" Patch ", "PATCH", ""},
		{"OPTIONS", "OPTIONS", ""},
		{"FETCH", "", `"FETCH" is not an HTTP method, did you mean PATCH? (use GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or TRACE)`},
		{"CONNECT", "", `"CONNECT" is not an HTTP method`},
		{"PROPFIND", "", `"PROPFIND" is not an HTTP method`},
		{"GET /", "", `"GET /" is not an HTTP method`},
	}
	for _, tc := range tests {
		got, err := ParseMethod(tc.in, "GET")
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseMethod(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
			t.Errorf("ParseMethod(%q) = %q, %v; want the error %q", tc.in, got, err, tc.err)
		}
	}
}

func TestReads(t *testing.T) {
	for method, reads := range map[string]bool{"": true, "GET": true, "head": true, " OPTIONS ": true,
		"POST": false, "put": false, "PATCH": false, "DELETE": false, "TRACE": false} {
		if got := Reads(method); got != reads {
			t.Errorf("Reads(%q) = %v, want %v", method, got, reads)
		}
	}
}
