package jwtcheck

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/kindtest"
)

// TestUnknownLoginMethodIsALoadError: a method that is no HTTP method is refused when loading,
// naming the parameter, not sent.
func TestUnknownLoginMethodIsALoadError(t *testing.T) {
	j := newJWT()
	j.Login = &Login{URL: "http://api.example/login", Method: "fetch"}
	err := j.Validate()
	var pe *kind.ParamError
	if !errors.As(err, &pe) || pe.Param != "login" || !strings.Contains(err.Error(), `is not an HTTP method, did you mean PATCH?`) {
		t.Errorf("Validate() = %v, want a login error naming the method", err)
	}
}

// TestLoginKeysAreCut: JSON keys are the server's words, as long as it likes; the summary stays
// short.
func TestLoginKeysAreCut(t *testing.T) {
	long := strings.Repeat("x", 4000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"` + long + `": 1, "b` + long + `": 2}`))
	}))
	defer srv.Close()
	j := newJWT()
	j.Login = &Login{URL: srv.URL + "/login", Body: `{"password": "x"}`}
	r := kindtest.Run(t, j, envAt(time.Now()), 10*time.Second)
	if r.Status != kind.Error || !strings.Contains(r.Summary, "no token at") || len(r.Summary) > 600 {
		t.Errorf("got %s, a %d-byte summary: %.300q", r.Status, len(r.Summary), r.Summary)
	}
}
