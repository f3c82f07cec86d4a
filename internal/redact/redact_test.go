package redact

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://app:s3cret@db:5432/app", "postgres://app:***@db:5432/app"},
		{"dial postgres://app:p%40ss@db/app: refused", "dial postgres://app:***@db/app: refused"},
		{"redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"},
		{"https://api.example.com/healthz", "https://api.example.com/healthz"},
		{"host=db user=app password=s3cret dbname=app", "host=db user=app password=*** dbname=app"},
		{"host=db password='with space' dbname=app", "host=db password=*** dbname=app"},
		{"https://h/x?token=abc123&x=1", "https://h/x?token=***&x=1"},
		{"root:@tcp(127.0.0.1:3306)/test", "root:@tcp(127.0.0.1:3306)/test"},
		{"app:pw@tcp(db:3306)/shop?tls=true", "app:***@tcp(db:3306)/shop?tls=true"},
		{"no secrets here", "no secrets here"},
		{"http://h/p?client_secret=S3CR1&page=2", "http://h/p?client_secret=***&page=2"},
		{"https://b.blob/x?sv=2020&sig=abcDEF%3D&X-Amz-Security-Token=tok", "https://b.blob/x?sv=2020&sig=***&X-Amz-Security-Token=***"},
		{"http://h/?a=1;refresh_token=r3fr3sh", "http://h/?a=1;refresh_token=***"},
		{"http://h/?q=launch&limit=10", "http://h/?q=launch&limit=10"},
	}
	for _, tt := range tests {
		if got := String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactorKnownValues(t *testing.T) {
	var r Redactor
	r.Add("eyJhbGciOiJIUzI1NiJ9.payload.sig", "abc", "")
	got := r.String("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig (abc)")
	if want := "Authorization: Bearer *** (abc)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var nilR *Redactor
	if got := nilR.String("x://u:p@h"); got != "x://u:***@h" {
		t.Errorf("nil redactor: got %q", got)
	}
}

func TestUnparsed(t *testing.T) {
	for in, want := range map[string]string{
		"mysql://app:pa ss@db/shop": "mysql://app:***@db/shop",
		"redis://:p@ss@cache:6379":  "redis://:***@cache:6379",
		"app:s3cret@tcp(db:3306)/x": "app:***@tcp(db:3306)/x",
		"redis://cache:6379":        "redis://cache:6379",
		"postgres://app@db/app?x=1": "postgres://app@db/app?x=1",
	} {
		if got := Unparsed(in); got != want {
			t.Errorf("Unparsed(%q) = %q, want %q", in, got, want)
		}
	}
}

// A DSN whose password has an unencoded '@' is split by drivers at the first '@', and the tail of
// the password is then printed as the host. Knowing the DSN (or the password) is enough to mask
// that tail wherever it shows up.
func TestRedactorMasksThePiecesOfAMalformedDSN(t *testing.T) {
	for _, secret := range []string{
		"postgres://app:Tr0ub4dor@Horse99@db.internal/app",
		"Tr0ub4dor@Horse99",
		"app:Tr0ub4dor@Horse99@tcp(db:3306)/shop",
	} {
		var r Redactor
		r.Add(secret)
		for _, in := range []string{
			"Connection headroom on Horse99@db.internal:5432",
			"cannot connect to app@Horse99@db.internal:5432/app: refused",
			"password authentication failed for Tr0ub4dor",
		} {
			if got := r.String(in); strings.Contains(got, "Horse99") || strings.Contains(got, "Tr0ub4dor") {
				t.Errorf("secret %q: %q became %q", secret, in, got)
			}
		}
		if got := r.String("db.internal:5432"); got != "db.internal:5432" {
			t.Errorf("secret %q: the host was masked: %q", secret, got)
		}
	}
}

// A known value that is also an ordinary word ("token") must not turn ?token=X into ?***=X,
// which the query-string pattern no longer recognises.
func TestRedactorValuesDoNotBreakPatterns(t *testing.T) {
	var r Redactor
	r.Add("token", "password", "s3cret-value")
	for in, want := range map[string]string{
		"GET https://api.example.com/v1?token=LeakMe12345&page=2":   "GET https://api.example.com/v1?***=***&page=2",
		"host=db password=LeakMe12345 dbname=app":                   "host=db ***=*** dbname=app",
		"https://user:LeakMe12345@h/?password=s3cret-value":         "https://user:***@h/?***=***",
		"a token here, s3cret-value there, s3cret-values elsewhere": "a *** here, *** there, ***s elsewhere",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

// A secret that contains another, or overlaps it, is masked whole: one mask, no fragment.
func TestRedactorMasksOverlapsWhole(t *testing.T) {
	var r Redactor
	r.Add("abcdef", "defghi", "cdef", "xyz1234")
	for in, want := range map[string]string{
		"[abcdefghi]":  "[***]",
		"[abcdef]":     "[***]",
		"[cdefghi]":    "[***]",
		"[xyz1234abc]": "[***abc]",
		"abcde":        "abcde",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

// The secrets check shortens what it masks to "abcd…[88 chars]"; the marker is not part of the
// value and must survive.
func TestStringKeepsTheShortenedMarker(t *testing.T) {
	for in, want := range map[string]string{
		"DefaultEndpointsProtocol=https;AccountKey=abcd…[88 chars]": "DefaultEndpointsProtocol=https;AccountKey=***…[88 chars]",
		"export DB_PASSWORD=Corr…[20 chars]":                        "export DB_PASSWORD=***…[20 chars]",
		"password=Corr…[20 chars] next":                             "password=***…[20 chars] next",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

// Assignments to secret-looking names are masked whatever their context: an environment file's
// line, a libpq DSN, JSON a server echoed.
func TestStringMasksSecretAssignments(t *testing.T) {
	for in, want := range map[string]string{
		"export PGPASS=Tr0ub4dor-and-3 GITHUB_TOKEN=ghp_abc DB_PASS=CorrectHorse9Battery": "export PGPASS=*** GITHUB_TOKEN=*** DB_PASS=***",
		"Server=db;Uid=app;Pwd=s3cret;Database=shop":                                      "Server=db;Uid=app;Pwd=***;Database=shop",
		`{"user":"app","access_token":"eyJ\"x","page":2}`:                                 `{"user":"app","access_token":"***","page":2}`,
		"max_connections=200 sslmode=require":                                             "max_connections=200 sslmode=require",
		"a=b== c":                                                                         "a=b== c",
		"write parameters as key=value":                                                   "write parameters as key=value",
		"dsn: host=db password=${PGPASSWORD} token=''":                                    "dsn: host=db password=${PGPASSWORD} token=''",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFromEnviron(t *testing.T) {
	r := FromEnviron([]string{"API_TOKEN=tok-9f8e7d6c5b", "DB_PASSWORD=Tr0ub4dor@Horse99", "HOME=/home/app", "PORT=8080", "EMPTY_SECRET=", "malformed",
		"XDG_SESSION_CLASS=user", "SSH_AUTH_SOCK=/tmp/ssh-abc/agent.42"})
	err := fmt.Errorf("loading checklist: %w", errors.New(`launchgate.yaml:7:20: expect_status: expected an integer, got "tok-9f8e7d6c5b"`))
	got := r.Error(err)
	if strings.Contains(got.Error(), "tok-9f8e7d6c5b") || !strings.Contains(got.Error(), `got "***"`) {
		t.Errorf("error not redacted: %v", got)
	}
	if !errors.Is(got, err) {
		t.Error("the redacted error no longer wraps the original")
	}
	if r.Error(nil) != nil {
		t.Error("Error(nil) is not nil")
	}
	if s := r.String("HOME is /home/app on port 8080, db at Horse99@db for user app via /tmp/ssh-abc/agent.42"); s != "HOME is /home/app on port 8080, db at ***@db for user app via /tmp/ssh-abc/agent.42" {
		t.Errorf("got %q", s)
	}
}

func TestNew(t *testing.T) {
	if got := New("hunter22").String("pw hunter22"); got != "pw ***" {
		t.Errorf("got %q", got)
	}
}
