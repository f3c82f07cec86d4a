// Package redact removes secrets from text before it reaches any output: passwords in URLs and
// DSNs, values of secret-looking parameters, and values the caller knows to be secret (expanded
// from secret-looking variables).
//
// Every matcher reports positions in the original text and the union of those positions is
// masked in one step, so that masking one secret never hides another from its matcher (a known
// value "token" would otherwise turn ?token=X into ?***=X, which no pattern recognises), and a
// secret that overlaps another is masked whole.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Mask is what a redacted secret is replaced with.
const Mask = "***"

var (
	// scheme://user:password@host — the password ends at the last '@' before the host part.
	urlPassword = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@'"]*:([^\s'"]*)@`)
	// go-sql-driver DSNs: user:password@tcp(host:3306)/db.
	mysqlPassword = regexp.MustCompile(`[^\s:@/'"(]+:([^\s@]+)@(?:tcp|unix|udp)\(`)
	// name=value outside query strings: libpq, JDBC and ODBC DSNs, environment assignments.
	// The value ends at '…', where the secrets check marks how much of a value it left out.
	assignment = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.\-])([A-Za-z_][A-Za-z0-9_.\-]*)\s*=\s*('[^']*'|"[^"]*"|[^\s;&…]+)`)
	// ?password=secret, &client_secret=…, ;AccountKey=… in query strings and connection strings.
	queryParam = regexp.MustCompile(`[?&;]([A-Za-z0-9_.\-]+)=([^&;\s#'"…]+)`)
	// "token": "secret" in JSON a server sent back.
	jsonMember = regexp.MustCompile(`"([A-Za-z0-9_.\-]+)"\s*:\s*"((?:[^"\\]|\\.)*)"`)
)

// String removes passwords from URLs, DSNs, assignments and query strings in s.
func String(s string) string {
	return apply(s, patternSpans(s, nil))
}

// patternSpans appends to spans the positions of everything in s that a pattern says is secret.
// Each pattern runs only on text that has its punctuation: most text has none, and regular
// expressions with submatches cost far more than a byte search.
func patternSpans(s string, spans []span) []span {
	hasAt, hasEq := strings.IndexByte(s, '@') >= 0, strings.IndexByte(s, '=') >= 0
	if hasAt && strings.Contains(s, "://") {
		for _, m := range urlPassword.FindAllStringSubmatchIndex(s, -1) {
			if pw := s[m[2]:m[3]]; pw != "" && pw != Mask {
				spans = append(spans, span{m[2], m[3]})
			}
		}
	}
	if hasAt && strings.IndexByte(s, '(') >= 0 {
		for _, m := range mysqlPassword.FindAllStringSubmatchIndex(s, -1) {
			spans = append(spans, span{m[2], m[3]})
		}
	}
	var named []*regexp.Regexp
	if hasEq {
		named = append(named, assignment, queryParam)
	}
	if strings.IndexByte(s, '"') >= 0 && strings.IndexByte(s, ':') >= 0 {
		named = append(named, jsonMember)
	}
	for _, re := range named {
		for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
			if secretParam(s[m[2]:m[3]]) && !placeholder(s[m[4]:m[5]]) {
				spans = append(spans, span{m[4], m[5]})
			}
		}
	}
	return spans
}

// placeholder reports a value that stands for a secret without being one: nothing, a mask, a
// ${VAR} reference, or the "value" of usage text such as "write key=value".
func placeholder(v string) bool {
	v = strings.Trim(v, `'"`)
	return v == "" || v == Mask || v == "value" || (strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}"))
}

// secretParam reports whether a parameter or assignment with this name holds a credential: a
// secret-looking name, ODBC's pwd, or the sig of a signed URL.
func secretParam(name string) bool {
	return IsSecretName(name) || strings.EqualFold(name, "pwd") || strings.EqualFold(name, "sig")
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
	prefix, user, _, tail, ok := splitUserinfo(dsn)
	if !ok {
		return String(dsn)
	}
	return String(prefix + user + ":" + Mask + tail)
}

// splitUserinfo cuts a URL or go-sql-driver DSN into what precedes the user name, the user
// name, the password as written and everything from the '@' that ends it. The password runs to
// the last '@': a DSN with an unescaped '@' in its password is exactly the one whose password a
// parser would cut short.
func splitUserinfo(dsn string) (prefix, user, password, tail string, ok bool) {
	rest := dsn
	if i := strings.Index(dsn, "://"); i >= 0 {
		prefix, rest = dsn[:i+3], dsn[i+3:]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return "", "", "", "", false
	}
	user, password, ok = strings.Cut(rest[:at], ":")
	if !ok || password == "" {
		return "", "", "", "", false
	}
	return prefix, user, password, rest[at:], true
}

// mysqlNet is where the user information of a go-sql-driver DSN ends.
var mysqlNet = regexp.MustCompile(`@(?:tcp|unix|udp)\(`)

// dsnPassword is the password of a URL or go-sql-driver DSN as written in it.
func dsnPassword(v string) string {
	if i := strings.Index(v, "://"); i >= 0 {
		if u, err := url.Parse(v); err == nil && !MisplacedAt(u, v) {
			// A well-formed URL's password ends at the last '@' of its host part, not of the
			// whole text: an '@' may sit in the query.
			if j := strings.IndexAny(v[i+3:], "/?#"); j >= 0 {
				v = v[:i+3+j]
			}
		}
		_, _, pw, _, _ := splitUserinfo(v)
		return pw
	}
	if !strings.Contains(v, "@") {
		return ""
	}
	if loc := mysqlNet.FindStringIndex(v); loc != nil {
		_, pw, _ := strings.Cut(v[:loc[0]], ":")
		return pw
	}
	return ""
}

// derived lists the values a driver may print instead of the secret v itself: the password of
// a DSN or URL, decoded as well as written, and the pieces of a password between unescaped '@'s,
// since a parser that splits at the first '@' prints the rest of the password as the host.
func derived(v string) []string {
	var pws []string
	if pw := dsnPassword(v); pw != "" {
		pws = append(pws, pw)
	}
	if strings.Contains(v, "=") {
		for _, m := range assignment.FindAllStringSubmatch(" "+v, -1) {
			if secretParam(m[1]) {
				pws = append(pws, strings.Trim(m[2], `'"`))
			}
		}
	}
	if len(pws) == 0 {
		pws = []string{v}
	}
	var out []string
	for _, pw := range pws {
		if pw != v {
			out = append(out, pw)
		}
		if dec, err := url.PathUnescape(pw); err == nil && dec != pw {
			out = append(out, dec)
		}
		if strings.Contains(pw, "@") {
			out = append(out, strings.Split(pw, "@")...)
		}
	}
	return out
}
