package secrets

import (
	"math"
	"net/url"
	"strings"
)

// placeholderParts mark documentation values, templates and redactions: a value containing
// one of them is not a secret (AKIAIOSFODNN7EXAMPLE, <your-key>, xxxx…).
var placeholderParts = []string{
	"example", "xxxx", "****", "....", "…", "changeme", "change_me", "change-me", "changeit",
	"placeholder", "redacted", "dummy", "your_", "your-", "yourkey", "yourtoken", "yourpassword",
	"yoursecret", "insert_", "insert-", "replace_me", "replace-me", "replaceme", "fake", "sample",
	"notreal", "not_real", "not-a-", "notasecret", "0123456789", "123456789", "abcdefghij",
	"qwertyuiop", "todo", "fixme",
}

// isPlaceholder reports whether a matched value is a template, a reference or a documented
// example rather than a secret.
func isPlaceholder(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return true
	}
	switch {
	case strings.HasPrefix(v, "${"), strings.HasPrefix(v, "$("), strings.HasPrefix(v, "{{"),
		strings.HasPrefix(v, "<"), strings.HasPrefix(v, "%"), strings.HasPrefix(v, "#{"),
		strings.HasPrefix(v, "[["), strings.HasPrefix(v, "@@"):
		return true
	case v[0] == '$' && len(v) > 1 && (isWordByte(v[1])):
		return true // $DB_PASSWORD
	}
	lv := strings.ToLower(v)
	for _, p := range placeholderParts {
		if strings.Contains(lv, p) {
			return true
		}
	}
	return distinct(lv) <= 2
}

func distinct(s string) int {
	var seen [256]bool
	n := 0
	for i := 0; i < len(s); i++ {
		if !seen[s[i]] {
			seen[s[i]] = true
			n++
		}
	}
	return n
}

// dummyPasswords are passwords that appear in documentation and local development URLs.
var dummyPasswords = map[string]bool{
	"password": true, "passwd": true, "pass": true, "pwd": true, "secret": true, "s3cret": true,
	"s3cr3t": true, "passw0rd": true, "p@ssw0rd": true, "p@ssword": true, "pa55word": true,
	"hunter2": true, "admin": true, "root": true, "postgres": true, "mysql": true, "redis": true,
	"guest": true, "test": true, "testing": true, "letmein": true, "qwerty": true, "123456": true,
	"12345678": true, "foobar": true, "foo": true, "bar": true, "mypassword": true, "mysecret": true,
	"user": true, "username": true, "pw": true, "token": true, "apikey": true, "api_key": true,
	"default": true, "none": true, "null": true, "nil": true,
}

// placeholderURLPassword reports whether the password of user:password@ in a URL is a template
// or a well-known development default rather than a real credential.
func placeholderURLPassword(user, pw string) bool {
	dec, err := url.PathUnescape(pw)
	if err != nil {
		dec = pw
	}
	ld := strings.ToLower(dec)
	switch {
	case len(dec) <= 4, dummyPasswords[ld], strings.EqualFold(dec, user), ld == "***",
		strings.HasPrefix(ld, "$"), strings.ContainsAny(ld, "{}<>*%"):
		return true
	}
	return isPlaceholder(dec)
}

// entropy is the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	n := float64(len(s))
	e := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			e -= p * math.Log2(p)
		}
	}
	return e
}
