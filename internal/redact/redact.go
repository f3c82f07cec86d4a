// Package redact removes secrets from text before it reaches any output: passwords in URLs and
// DSNs, and values the caller knows to be secret (expanded from secret-looking variables).
package redact

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Mask is what a redacted secret is replaced with.
const Mask = "***"

var (
	// scheme://user:password@host — the password ends at the last '@' before the host part.
	urlPassword = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@'"]*):([^\s'"]*)@`)
	// go-sql-driver DSNs: user:password@tcp(host:3306)/db.
	mysqlPassword = regexp.MustCompile(`([^\s:@/'"(]+):([^\s@]+)@(tcp|unix|udp)\(`)
	// key=value DSNs (libpq, JDBC, ODBC): password=secret, pwd='secret'.
	kvPassword = regexp.MustCompile(`(?i)\b(password|passwd|pwd|pass|sslpassword)(\s*=\s*)('[^']*'|"[^"]*"|[^\s;&]+)`)
	// ?password=secret, &client_secret=…, ;token=… in query strings: any parameter whose name
	// looks secret (IsSecretName), plus the bare sig of signed URLs.
	queryParam = regexp.MustCompile(`([?&;])([A-Za-z0-9_.\-]+)=([^&;\s#'"]+)`)
)

// String removes passwords from URLs, DSNs and query strings in s.
func String(s string) string {
	if !strings.ContainsAny(s, ":=") {
		return s
	}
	s = urlPassword.ReplaceAllStringFunc(s, func(m string) string {
		sub := urlPassword.FindStringSubmatch(m)
		if sub[2] == "" || sub[2] == Mask {
			return m
		}
		return sub[1] + ":" + Mask + "@"
	})
	s = mysqlPassword.ReplaceAllString(s, "${1}:"+Mask+"@${3}(")
	s = kvPassword.ReplaceAllString(s, "${1}${2}"+Mask)
	return queryParam.ReplaceAllStringFunc(s, func(m string) string {
		sub := queryParam.FindStringSubmatch(m)
		if !IsSecretName(sub[2]) && !strings.EqualFold(sub[2], "sig") {
			return m
		}
		return sub[1] + sub[2] + "=" + Mask
	})
}

// Redactor removes known secret values as well as the patterns String removes. It is safe for
// concurrent use.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
}

// minSecretLen keeps short values (a port, "true") from being masked everywhere they occur.
const minSecretLen = 4

// Add registers values that must never appear in output.
func (r *Redactor) Add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if len(v) >= minSecretLen {
			r.secrets = append(r.secrets, v)
		}
	}
	// Longest first, so that a secret containing another is masked whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// String redacts s.
func (r *Redactor) String(s string) string {
	if r != nil {
		r.mu.RLock()
		for _, v := range r.secrets {
			s = strings.ReplaceAll(s, v, Mask)
		}
		r.mu.RUnlock()
	}
	return String(s)
}

// secretName matches variable and parameter names whose values are credentials.
var secretName = regexp.MustCompile(`(?i)(pass|secret|token|key|credential|auth|cookie|session|private|dsn|signature)`)

// IsSecretName reports whether a variable or parameter with this name likely holds a secret.
func IsSecretName(name string) bool { return secretName.MatchString(name) }

// MisplacedAt reports an '@' outside the user information of a parsed URL: the sign of a
// password with an unescaped special character, whose tail would otherwise be taken for the
// host and printed in errors.
func MisplacedAt(u *url.URL, raw string) bool {
	if strings.Contains(u.Path+u.Fragment+u.Opaque+u.Host, "@") {
		return true
	}
	_, rest, _ := strings.Cut(raw, "://")
	return u.User == nil && strings.Contains(rest, "@") && !strings.Contains(u.RawQuery, "@")
}

// Unparsed hides everything between the user name and the last '@' of a DSN or URL that could not
// be parsed: a malformed one is exactly what the patterns of String may not recognise (a
// password with a space or an unescaped '@' in it, say).
func Unparsed(dsn string) string {
	prefix, rest := "", dsn
	if i := strings.Index(dsn, "://"); i >= 0 {
		prefix, rest = dsn[:i+3], dsn[i+3:]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return String(dsn)
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return String(dsn)
	}
	return String(prefix + user + ":" + Mask + rest[at:])
}
