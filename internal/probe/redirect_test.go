package probe

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// recorder is a loopback server that remembers the headers (and body) of every request it gets.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	got  []http.Header
	body []string
}

// listen starts a server on ip (127.0.0.1 or 127.0.0.2: two hosts on one machine) and a free port.
func listen(t *testing.T, ip string, h func(w http.ResponseWriter, r *http.Request)) *recorder {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	rec := &recorder{}
	rec.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<10))
		rec.mu.Lock()
		rec.got = append(rec.got, r.Header.Clone())
		rec.body = append(rec.body, string(b))
		rec.mu.Unlock()
		if h != nil {
			h(w, r)
		}
	}))
	rec.Listener = l
	rec.Start()
	t.Cleanup(rec.Close)
	return rec
}

func (r *recorder) requests() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.got...)
}

func redirectTo(target string, code int) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, code) }
}

// credentials are what a checklist's headers: typically carry; none may reach another origin.
var credentials = map[string]string{
	"Authorization":       "Bearer tok-Authorization",
	"Cookie":              "session=tok-Cookie",
	"Proxy-Authorization": "Basic tok-Proxy",
	"X-Api-Key":           "tok-X-Api-Key",
}

func get(t *testing.T, o ClientOptions, url string, hdr map[string]string) (*http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", "launchgate/test")
	c := NewClient(&kind.Env{}, o)
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err == nil {
		_, _, _ = ReadBody(resp.Body, 1<<10)
		resp.Body.Close()
	}
	return resp, err
}

// leaked names the credential headers h carries.
func leaked(h http.Header) []string {
	var out []string
	for k := range credentials {
		if h.Get(k) != "" {
			out = append(out, k)
		}
	}
	return out
}

func TestRedirectStripsCredentialsAcrossOrigins(t *testing.T) {
	follow := ClientOptions{FollowRedirects: true}
	tests := []struct {
		name string
		// ip of the server redirected to; its port always differs from the first server's.
		ip string
	}{
		{"another port on the same host", "127.0.0.1"},
		{"another host", "127.0.0.2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dest := listen(t, tc.ip, nil)
			start := listen(t, "127.0.0.1", redirectTo(dest.URL+"/landing?token=LeakMe12345", http.StatusFound))
			resp, err := get(t, follow, start.URL+"/health?token=LeakMe12345", credentials)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("got %v, %v", resp, err)
			}
			got := dest.requests()
			if len(got) != 1 {
				t.Fatalf("the destination got %d requests, want 1", len(got))
			}
			if l := leaked(got[0]); len(l) > 0 {
				t.Errorf("%s reached %s", strings.Join(l, ", "), dest.URL)
			}
			if ref := got[0].Get("Referer"); strings.Contains(ref, "LeakMe") {
				t.Errorf("the Referer carried the first URL's query to another origin: %q", ref)
			}
			if ua := got[0].Get("User-Agent"); ua != "launchgate/test" {
				t.Errorf("User-Agent %q: launchgate must still say who it is", ua)
			}
			// Forwarding on request keeps the checklist's own headers (Go still drops
			// Authorization and Cookie for a host outside the first one's domain).
			if _, err := get(t, ClientOptions{FollowRedirects: true, ForwardCredentials: true}, start.URL, credentials); err != nil {
				t.Fatal(err)
			}
			if got := dest.requests(); got[1].Get("X-Api-Key") == "" {
				t.Errorf("forward_credentials_on_redirect: true dropped X-Api-Key")
			}
		})
	}

	t.Run("the same origin keeps them", func(t *testing.T) {
		srv := listen(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/" {
				http.Redirect(w, r, "/next", http.StatusFound)
			}
		})
		if _, err := get(t, follow, srv.URL+"/", credentials); err != nil {
			t.Fatal(err)
		}
		got := srv.requests()
		if len(got) != 2 || len(leaked(got[1])) != len(credentials) {
			t.Fatalf("a redirect within the origin lost credentials: %v", got)
		}
	})

	t.Run("not even back home once the chain left", func(t *testing.T) {
		var home *recorder
		away := listen(t, "127.0.0.2", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, home.URL+"/back", http.StatusFound)
		})
		home = listen(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/" {
				http.Redirect(w, r, away.URL, http.StatusFound)
			}
		})
		if _, err := get(t, follow, home.URL+"/", credentials); err != nil {
			t.Fatal(err)
		}
		got := home.requests()
		if len(got) != 2 {
			t.Fatalf("home got %d requests, want 2", len(got))
		}
		// Another origin chose this URL: it must not get to spend the user's credentials.
		if l := leaked(got[1]); len(l) > 0 {
			t.Errorf("%s sent back home on a request another origin chose", strings.Join(l, ", "))
		}
	})

	t.Run("userinfo never leaves its host", func(t *testing.T) {
		dest := listen(t, "127.0.0.2", nil)
		start := listen(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/" {
				http.Redirect(w, r, "/moved", http.StatusFound)
				return
			}
			http.Redirect(w, r, dest.URL, http.StatusFound)
		})
		withUser := strings.Replace(start.URL, "http://", "http://probe:Tr0ub4dor@", 1) + "/"
		if _, err := get(t, follow, withUser, nil); err != nil {
			t.Fatal(err)
		}
		if got := start.requests(); len(got) != 2 || got[1].Get("Authorization") == "" {
			t.Errorf("a relative redirect on the same host should keep the URL's user: %v", got)
		}
		if got := dest.requests(); len(got) != 1 || got[0].Get("Authorization") != "" {
			t.Errorf("the URL's password reached another host: %v", got)
		}
	})
}

func TestRedirectNeverResendsABodyToAnotherOrigin(t *testing.T) {
	dest := listen(t, "127.0.0.2", nil)
	start := listen(t, "127.0.0.1", redirectTo(dest.URL, http.StatusTemporaryRedirect))
	c := NewClient(&kind.Env{}, ClientOptions{FollowRedirects: true})
	defer c.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, start.URL+"/login", strings.NewReader(`{"password":"Tr0ub4dor"}`))
	resp, err := c.Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	if !errors.Is(err, ErrCrossOriginBody) {
		t.Errorf("got %v, want ErrCrossOriginBody", err)
	}
	if got := dest.requests(); len(got) != 0 {
		t.Errorf("the login body was resent to %s", dest.URL)
	}
}

func TestResponseHeadersAreCapped(t *testing.T) {
	srv := listen(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Padding", strings.Repeat("x", 2<<20))
	})
	if _, err := get(t, ClientOptions{}, srv.URL, nil); err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("a 2 MiB header block was accepted: %v", err)
	}
}

func TestOrigin(t *testing.T) {
	tests := []struct{ a, b string }{
		{"http://a.example/x", "http://A.example:80/y"},
		{"https://a.example/", "https://a.example:443/"},
		{"http://a.example./", "http://a.example/"},
		{"http://[::1]:8080/", "http://[::1]:8080/z"},
	}
	for _, tc := range tests {
		if !sameOriginURL(t, tc.a, tc.b) {
			t.Errorf("%s and %s should be one origin", tc.a, tc.b)
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"http://a.example/", "https://a.example/"},
		{"http://a.example/", "http://a.example:8080/"},
		{"http://a.example/", "http://b.a.example/"},
	} {
		if sameOriginURL(t, tc.a, tc.b) {
			t.Errorf("%s and %s should be two origins", tc.a, tc.b)
		}
	}
}

func sameOriginURL(t *testing.T, a, b string) bool {
	t.Helper()
	ra, _ := http.NewRequest(http.MethodGet, a, nil)
	rb, _ := http.NewRequest(http.MethodGet, b, nil)
	return !leftOrigin(ra.URL, nil, rb)
}
