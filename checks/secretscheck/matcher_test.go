package secretscheck

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// bruteForceHits is what the matcher must return: every case-insensitive occurrence of every
// keyword, by where it ends, the longer first where two end together, and in an input of
// splitOrder bytes or more those that start in its first half first.
func bruteForceHits(keywords []string, b []byte) []kwHit {
	var hits []kwHit
	byFirst := map[byte][]int{} // keywords by their first byte, lower-cased
	for kw, k := range keywords {
		byFirst[lowerByte(k[0])] = append(byFirst[lowerByte(k[0])], kw)
	}
	for start := range b {
		for _, kw := range byFirst[lowerByte(b[start])] {
			if k := keywords[kw]; start+len(k) <= len(b) && bytes.EqualFold(b[start:start+len(k)], []byte(k)) {
				hits = append(hits, kwHit{kw: kw, start: start})
			}
		}
	}
	half := func(h kwHit) int {
		if len(b) >= splitOrder && h.start >= len(b)/2 {
			return 1
		}
		return 0
	}
	slices.SortFunc(hits, func(x, y kwHit) int {
		return cmp.Or(cmp.Compare(half(x), half(y)),
			cmp.Compare(x.start+len(keywords[x.kw]), y.start+len(keywords[y.kw])),
			cmp.Compare(x.start, y.start), cmp.Compare(x.kw, y.kw))
	})
	return hits
}

// TestMatcherMatchesBruteForce compares the matcher with a search for every keyword at every
// offset, over inputs of every size class, for the rules' keywords and for a set of keywords
// too large for the automaton to hold whole (which it then holds by their prefixes).
func TestMatcherMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	word := func(n int) string {
		const letters = "abcdefghijklmnopqrstuvwxyz0123456789_-"
		b := make([]byte, n)
		for i := range b {
			b[i] = letters[r.Intn(len(letters))]
		}
		return string(b)
	}
	var many []string
	for len(many) < 1500 {
		many = append(many, word(6+r.Intn(30)))
	}
	many = append(many, "ab", "abc", "ABCD", "bc", "x_y") // nested and overlapping keywords
	for name, keywords := range map[string][]string{"rules": mustRules(t).keywords, "many": many} {
		m := newMatcher(keywords)
		t.Logf("%s: %d keywords, automaton over their first %d bytes", name, len(keywords), m.prefix)
		if name == "many" && m.prefix >= 30 {
			t.Fatalf("%d keywords fit the table whole: the prefix path is not tested", len(keywords))
		}
		var h hitBuffers
		for _, size := range []int{0, 1, 5, 63, 64, 65, 67, 255, 500, 1021, splitOrder - 1, splitOrder, 9000} {
			var in strings.Builder
			for in.Len() < size {
				switch r.Intn(4) {
				case 0:
					in.WriteString(strings.ToUpper(keywords[r.Intn(len(keywords))]))
				case 1:
					in.WriteString(keywords[r.Intn(len(keywords))])
				default:
					in.WriteString(word(1 + r.Intn(8)))
				}
				in.WriteByte(" \n=:"[r.Intn(4)])
			}
			b := []byte(in.String())[:size]
			want := bruteForceHits(keywords, b)
			got := m.scan(b, &h)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s, %d bytes: %d hits, want %d", name, size, len(got), len(want))
			}
		}
	}
}

// TestURLCredentialShape checks that the shape test before the URL rules' expressions never
// keeps them from a line they match.
func TestURLCredentialShape(t *testing.T) {
	lines := []string{
		"https://user:pass@host", "x https://a:b@[::1]", "https://:p@h", "redis://:pw@cache:6379",
		"https://a:b@/", "https://a:b@", "https://a@b:c", "url: https://u:p:q@h/x", "https://u:p@\u212aelvin",
		"postgres://u:p@@h", "https://x.io https://u:p@h", "https://u:p @h", "http://u:p@h\"", "ftp://:@h",
	}
	for _, r := range mustRules(t).rules {
		if r.Kind == kindURL {
			lines = append(lines, r.True...)
			lines = append(lines, r.False...)
		}
	}
	for _, line := range lines {
		checkURLShape(t, []byte(line))
	}
}

func checkURLShape(t *testing.T, line []byte) {
	t.Helper()
	for _, r := range mustRules(t).rules {
		if r.Kind == kindURL && r.regexp().Match(line) && !urlCredentialShape(line) {
			t.Errorf("%s matches %q, whose shape is not taken for a credential", r.ID, line)
		}
	}
}

func FuzzURLCredentialShape(f *testing.F) {
	for _, s := range []string{"https://u:p@h", "redis://:p@h", "x://a:b@@", "https://u:p@\u212a"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		checkURLShape(t, line)
	})
}
