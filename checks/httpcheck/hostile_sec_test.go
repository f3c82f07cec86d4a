package httpcheck

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/kindtest"
)

// TestHeadersKeepCredentialsAtTheirOrigin: the page redirects to another host. Neither the page
// request nor the CORS probe may carry the checklist's headers there (the CORS probe used to
// re-request the final URL with them).
func TestHeadersKeepCredentialsAtTheirOrigin(t *testing.T) {
	creds := map[string]string{"Cookie": "session=LeakMe12345", "X-Api-Key": "key-LeakMe12345"}
	for _, ip := range []string{"127.0.0.1", "127.0.0.2"} {
		t.Run("to "+ip, func(t *testing.T) {
			dest := listenOn(t, ip, strongSite)
			start := listenOn(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, dest.URL+"/app", http.StatusFound)
			})
			h := newHeaders()
			h.URL, h.Headers, h.Ignore = start.URL+"/", creds, []string{itemRedirect}
			r := kindtest.Run(t, h, envAt(time.Now()), 10*time.Second)
			if r.Status == kind.Error {
				t.Fatalf("got %s %q", r.Status, r.Summary)
			}
			got := dest.requests()
			if len(got) != 2 || got[1].Get("Origin") != corsProbeOrigin {
				t.Fatalf("want the page request and the CORS probe at %s, got %v", dest.URL, got)
			}
			for i, hdr := range got {
				for k := range creds {
					if hdr.Get(k) != "" {
						t.Errorf("request %d to %s carried %s", i+1, dest.URL, k)
					}
				}
			}
			for i, hdr := range start.requests() {
				if hdr.Get("X-Api-Key") == "" {
					t.Errorf("request %d to the url itself lacks the configured headers", i+1)
				}
			}
		})
	}
}

// TestAuthTimeoutNamedAsConfigured: the second probe hangs after the first took a while; the
// message names the check's 5s timeout, not what was left of it. (5s, so that the first probe
// is done well before it on a busy machine.)
func TestAuthTimeoutNamedAsConfigured(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			// A slow but honest answer to the first probe.
			select {
			case <-time.After(150 * time.Millisecond):
			case <-r.Context().Done():
			}
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		<-r.Context().Done()
	}))
	defer srv.Close()
	a := newAuth()
	a.URL = srv.URL + "/users/me"
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := kind.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r := a.Run(ctx, envAt(time.Now()))
	if r.Status != kind.Error || !strings.Contains(r.Summary, "sent no response within 5s (the server hangs)") {
		t.Errorf("got %s %q\n%s", r.Status, r.Summary, golden.Result(r))
	}
}

// TestUnknownMethodIsALoadError covers every method parameter of the family.
func TestUnknownMethodIsALoadError(t *testing.T) {
	a := newAuth()
	a.URL, a.Method, a.AllowWrite = "http://api.example/users/me", "FETCH", true
	for name, tc := range map[string]struct {
		c     kind.Validator
		param string
	}{"http.auth": {a, "method"}} {
		err := tc.c.Validate()
		var pe *kind.ParamError
		if !errors.As(err, &pe) || pe.Param != tc.param || !strings.Contains(err.Error(), `is not an HTTP method, did you mean PATCH?`) {
			t.Errorf("%s: Validate() = %v, want a %s error naming the method", name, err, tc.param)
		}
	}
	a.Method, a.AllowWrite = "delete", false
	if err := a.Validate(); err == nil || !strings.Contains(err.Error(), "allow_write") {
		t.Errorf("a known writing method still needs allow_write: %v", err)
	}
}

// TestServerTextIsCut: a cookie name, a Location and JSON keys are the server's words, as long
// as it likes; summaries and evidence stay short.
func TestServerTextIsCut(t *testing.T) {
	long := strings.Repeat("x", 4000)
	t.Run("cookie name", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Set-Cookie", "session"+long+"=v; Path=/")
			strongSite(w, r)
		}))
		defer srv.Close()
		h := newHeaders()
		h.URL, h.Ignore = srv.URL, []string{itemRedirect}
		r := kindtest.Run(t, h, envAt(time.Now()), 10*time.Second)
		if r.Status != kind.Fail || len(r.Summary) > 500 || len(r.Remedy) > 1000 {
			t.Errorf("got %s, a %d-byte summary and a %d-byte remedy", r.Status, len(r.Summary), len(r.Remedy))
		}
	})
	t.Run("redirect location", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/login?next="+long, http.StatusFound)
		}))
		defer srv.Close()
		a := newAuth()
		a.URL = srv.URL + "/users/me"
		r := kindtest.Run(t, a, envAt(time.Now()), 10*time.Second)
		ev, ok := kindtest.Evidence(r, "no credentials")
		if !ok || !strings.Contains(ev.Observed, "302 Found to ") || len(ev.Observed) > 300 {
			t.Errorf("evidence %q (%d bytes)", ev.Observed, len(ev.Observed))
		}
	})

}
