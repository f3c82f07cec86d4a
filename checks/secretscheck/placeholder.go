package secretscheck

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
	return distinct(lv) <= 2 || hasSequence(lv) || hasRepeat(lv, 10)
}

// hasRepeat finds a run of n identical characters: ghp_ followed by forty x's or zeros is a
// template, and a generated token never holds such a run.
func hasRepeat(s string, n int) bool {
	run := 1
	for i := 1; i < len(s); i++ {
		if s[i] == s[i-1] {
			run++
			if run >= n {
				return true
			}
		} else {
			run = 1
		}
	}
	return false
}

// hasSequence finds made-up runs such as "abcdef12", "987654" or "9f8e7d6c5b4a": at least 8
// characters in a row each one step from the previous or the one before it. In a random
// token each position does so with a chance of about 1 in 15, so 8 in a row does not happen.
func hasSequence(s string) bool {
	run := 0
	for i := 1; i < len(s); i++ {
		step := func(a, b byte) bool { return a+1 == b || b+1 == a }
		if step(s[i-1], s[i]) || i >= 2 && step(s[i-2], s[i]) {
			run++
			if run >= 8 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
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
	"default": true, "none": true, "null": true, "nil": true, "opensesame": true, "open sesame": true,
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
	case len(dec) < 6, dummyPasswords[ld], hasDummyWord(ld), strings.EqualFold(dec, user), ld == "***",
		strings.HasPrefix(ld, "$"), strings.ContainsAny(ld, "{}<>*%"):
		return true
	}
	return isPlaceholder(dec)
}

// documentationHost reports whether the host at the start of b is one reserved for
// documentation and tests (RFC 2606): example.com/.net/.org and the .example, .test and
// .invalid domains. Credentials for them are examples (localhost is not: a local database
// password is often the real one).
func documentationHost(b []byte) bool {
	end := 0
	for end < len(b) && end < 256 && !strings.ContainsRune("/:?#@ \t\r\n'\"`,;)", rune(b[end])) {
		end++
	}
	h := strings.ToLower(strings.TrimSuffix(string(b[:end]), "."))
	for _, d := range []string{"example.com", "example.net", "example.org", "example", "test", "invalid"} {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

// leet undoes the digit-for-letter spelling of made-up test passwords (s3cret-Pa55).
var leet = strings.NewReplacer("3", "e", "4", "a", "5", "s", "0", "o", "1", "i", "@", "a", "$", "s", "7", "t")

// dummyWords inside a value (after leet) mark a password someone made up for a test or a
// document: s3cret-Pa55, hunter2-R3dis, my-passw0rd.
var dummyWords = []string{"password", "passwd", "secret", "hunter2", "hunter", "changeme", "letmein", "example", "dummy", "sample", "wrongpass", "pass"}

func hasDummyWord(lv string) bool {
	n := leet.Replace(lv)
	for _, w := range dummyWords {
		if strings.Contains(lv, w) || strings.Contains(n, w) {
			return true
		}
	}
	return false
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
