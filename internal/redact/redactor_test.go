package redact

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// naiveSpans is the obvious matcher: every occurrence of every word.
func naiveSpans(s string, words []string) []span {
	var out []span
	for _, w := range words {
		if w == "" {
			continue
		}
		for i := 0; i+len(w) <= len(s); i++ {
			if s[i:i+len(w)] == w {
				out = append(out, span{i, i + len(w)})
			}
		}
	}
	return out
}

func TestMatcherAgreesWithNaive(t *testing.T) {
	words := []string{"he", "she", "his", "hers", "ushers", "a", "aa", "aaa", "abcab", "bca"}
	for _, s := range []string{"ushers", "ahishers", "aaaa", "abcabcab", "xyz", "", "shhehe", "bcabcab"} {
		got := apply(s, newMatcher(words).spans(s, nil))
		if want := apply(s, naiveSpans(s, words)); got != want {
			t.Errorf("%q: got %q, want %q", s, got, want)
		}
	}
}

func FuzzMatcher(f *testing.F) {
	f.Add("ushers", "he,she,his,hers")
	f.Add("aaaa", "a,aa,aaa")
	f.Add("Tr0ub4dor@Horse99@db", "Tr0ub4dor@Horse99,Horse99")
	f.Fuzz(func(t *testing.T, s, list string) {
		words := strings.Split(list, ",")
		got := apply(s, newMatcher(words).spans(s, nil))
		if want := apply(s, naiveSpans(s, words)); got != want {
			t.Errorf("%q with %q: got %q, want %q", s, words, got, want)
		}
	})
}

// FuzzRedactorNeverLeaksAKnownValue: whatever surrounds a known value, it is not in the output.
func FuzzRedactorNeverLeaksAKnownValue(f *testing.F) {
	f.Add("https://h/?token=", "LeakMe12345", "&x=1")
	f.Add("postgres://app:", "Tr0ub4dor@Horse99", "@db/app")
	f.Add("", "token", "=abcd")
	f.Fuzz(func(t *testing.T, before, secret, after string) {
		if len(secret) < minSecretLen || strings.Contains(secret, "*") {
			return
		}
		if got := New(secret).String(before + secret + after); strings.Contains(got, secret) {
			t.Errorf("%q leaked in %q", secret, got)
		}
	})
}

func TestRedactorIsSafeForConcurrentUse(t *testing.T) {
	r := &Redactor{}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				tok := fmt.Sprintf("tok-%d-%d-secret", i, j)
				r.Add(tok)
				if got := r.String("x " + tok + " y"); got != "x *** y" {
					t.Errorf("got %q", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// jwtLike is a distinct token of a JWT's shape and length for each i: a shared header, then
// bytes that share no prefix with another token's.
func jwtLike(i int) string {
	sum := sha256.Sum256([]byte(strconv.Itoa(i)))
	return "eyJhbGciOiJIUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(sum[:]) + "." + hex.EncodeToString(sum[:16])
}

// BenchmarkRedactorManySecrets is the shape of a run of many offline jwt checks: one token per
// check, and every text of every result redacted against all of them. Its cost per text must
// not grow with the number of secrets.
func BenchmarkRedactorManySecrets(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			r := &Redactor{}
			for i := 0; i < n; i++ {
				r.Add(jwtLike(i))
			}
			text := "JWT issued by https://auth.example.com/token: signature valid, expires in 14m (limit 15m); key id k-2024"
			r.String(text)
			b.SetBytes(int64(len(text)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r.String(text)
			}
		})
	}
}
