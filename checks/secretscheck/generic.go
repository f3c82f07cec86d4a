package secretscheck

import (
	"bytes"
	"strings"
)

// The generic rule: a high-entropy value assigned to a name that says it is secret
// (password=…, "api_key": "…", const apiToken = "…"). It is parsed rather than matched by a
// regular expression so that it is both fast and strict about what counts as an assignment.

// stopWords in a value mean it is a word, a reference or configuration, not a credential.
var stopWords = []string{
	"true", "false", "null", "none", "undefined", "localhost", "function", "return", "string",
	"bearer", "basic", "secret", "token", "password", "passwd", "api_key", "apikey", "config",
	"default", "value", "public", "private", "enabled", "disabled", "required", "optional",
	"http", "www.", "env", "getenv", "process", "settings", "param", "vault:", "arn:aws",
	"ssm:", "file:", "keyvault", "secretsmanager",
}

// nonSecretNameSuffixes end names that hold something about a secret, not the secret itself
// (password_file, token_url, secret_name, api_key_id).
var nonSecretNameSuffixes = []string{
	"url", "uri", "file", "path", "dir", "name", "type", "len", "length", "size", "count", "env",
	"field", "header", "prefix", "suffix", "format", "regex", "pattern", "ttl", "timeout",
	"expiry", "expires", "expiresat", "endpoint", "host", "port", "user", "username", "id", "ids",
	"ref", "policy", "mode", "source", "provider", "store", "version", "label", "hint", "param",
	"query", "location", "arn", "option", "options", "enabled", "required", "length", "hash",
	"sha", "digest", "algorithm", "alg", "kind", "class", "template", "spec", "key_id", "keyid",
}

func isIdentByte(c byte) bool { return isWordByte(c) || c == '.' || c == '-' }

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// assignment parses name = value around a keyword hit at ks (length kl) on the line [ls, le).
// It returns the end of the name it looked at (so that a second keyword in the same name is
// not parsed twice), or -1 when the name was already done.
func (s *scanner) assignment(r *Rule, buf []byte, ls, le, ks, kl int, o fileOpts, lastEnd int) int {
	is := ks
	for is > ls && isIdentByte(buf[is-1]) {
		is--
	}
	ie := ks + kl
	for ie < le && isIdentByte(buf[ie]) {
		ie++
	}
	if ie == lastEnd {
		return -1
	}
	if badSecretName(buf[is:ie]) {
		return ie
	}
	p := ie
	if p < le && (buf[p] == '"' || buf[p] == '\'') {
		p++ // "api_key": …
	}
	for p < le && isSpaceByte(buf[p]) {
		p++
	}
	rest := buf[p:le]
	switch {
	case bytes.HasPrefix(rest, []byte(":=")), bytes.HasPrefix(rest, []byte("=>")),
		bytes.HasPrefix(rest, []byte("?=")):
		p += 2
	case bytes.HasPrefix(rest, []byte("==")), bytes.HasPrefix(rest, []byte("!=")):
		return ie
	case len(rest) > 0 && (rest[0] == '=' || rest[0] == ':'):
		p++
	default:
		return ie
	}
	if p < le && (buf[p] == '=' || buf[p] == ':') {
		return ie // ===, ::
	}
	for p < le && isSpaceByte(buf[p]) {
		p++
	}
	if p >= le {
		return ie
	}
	var vs, ve int
	if q := buf[p]; q == '"' || q == '\'' || q == '`' {
		vs = p + 1
		i := bytes.IndexByte(buf[vs:le], q)
		if i < 0 {
			return ie
		}
		ve = vs + i
	} else {
		if o.code {
			return ie // in code only a string literal is a value; anything else is an expression
		}
		vs, ve = p, p
		for ve < le && !isSpaceByte(buf[ve]) && !strings.ContainsRune("#;,\"'`", rune(buf[ve])) {
			ve++
		}
	}
	v := string(buf[vs:ve])
	if !plausibleSecretValue(v) || entropy(v) < r.Entropy {
		return ie
	}
	s.out = append(s.out, match{rule: r, secret: v, start: vs, end: ve})
	return ie
}

var nameFlattener = strings.NewReplacer("_", "", "-", "", ".", "")

func badSecretName(name []byte) bool {
	n := strings.ToLower(strings.Trim(string(name), `"'.-`))
	if strings.Contains(n, "public") || strings.Contains(n, "pubkey") {
		return true
	}
	flat := nameFlattener.Replace(n)
	for _, suf := range nonSecretNameSuffixes {
		if strings.HasSuffix(flat, strings.ReplaceAll(suf, "_", "")) {
			return true
		}
	}
	return false
}

// plausibleSecretValue rejects values that are references, code, words, paths or templates.
func plausibleSecretValue(v string) bool {
	if len(v) < 8 || len(v) > 1000 || isPlaceholder(v) {
		return false
	}
	if strings.ContainsAny(v, " ()[]{}<>\\,;|") || strings.Contains(v, "://") {
		return false
	}
	switch v[0] {
	case '$', '%', '@', '&', '*', '!', '/', '~', '.', '#', ':':
		return false
	}
	lv := strings.ToLower(v)
	if hasDummyWord(lv) {
		return false
	}
	if strings.HasPrefix(v, "eyJ") && strings.Count(v, ".") < 2 {
		return false // a JWT header without payload and signature is no credential
	}
	for _, w := range stopWords {
		if strings.Contains(lv, w) {
			return false
		}
	}
	digits, letters, other := 0, 0, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case '0' <= c && c <= '9':
			digits++
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			letters++
		default:
			other++
		}
	}
	if letters == 0 {
		return false // numbers, dates, versions
	}
	if digits == 0 && other == 0 && isWordsOnly(v) {
		return false
	}
	// A dotted or dashed name of words (my-app.config-name), not a credential.
	if digits == 0 && strings.Trim(lv, "abcdefghijklmnopqrstuvwxyz-_.") == "" && strings.ContainsAny(lv, "-_.") {
		return false
	}
	return true
}

// isWordsOnly reports letters-only identifiers in camelCase or all one case (getPassword,
// DEFAULTVALUE): names, not secrets. A random letters-only token changes case far more often.
func isWordsOnly(v string) bool {
	changes := 0
	for i := 1; i < len(v); i++ {
		a, b := v[i-1] >= 'a', v[i] >= 'a'
		if a != b {
			changes++
		}
	}
	return changes*4 < len(v)
}
