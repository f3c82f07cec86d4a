package secrets

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScan feeds arbitrary content to the scanner: it must not panic, its positions must be
// inside the input, and no preview may show a whole secret.
func FuzzScan(f *testing.F) {
	rs := mustRules(f)
	for _, r := range rs.rules {
		for _, ex := range r.True {
			f.Add([]byte(ex))
		}
	}
	f.Add([]byte("password = \"\"\n\x00\xff token: '\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc := newScanner(rs)
		for _, m := range sc.scan(data, optsFor("fuzz.env")) {
			if m.start < 0 || m.start > len(data) || m.end < m.start || m.end > len(data) {
				t.Fatalf("match %d..%d outside %d bytes", m.start, m.end, len(data))
			}
			if m.line < 1 || m.line > bytes.Count(data, []byte{'\n'})+1 || m.col < 1 {
				t.Fatalf("bad position %d:%d", m.line, m.col)
			}
			if len(m.secret) >= 8 && strings.Contains(m.preview, m.secret) {
				t.Fatalf("preview %q shows the secret", m.preview)
			}
			if utf8.ValidString(string(data)) && !utf8.ValidString(m.preview) {
				t.Fatalf("preview %q is not valid UTF-8", m.preview)
			}
		}
	})
}

// FuzzParseDiff feeds arbitrary git output to the diff parser: it must not panic, and every
// chunk's line numbers must match its lines.
func FuzzParseDiff(f *testing.F) {
	f.Add([]byte("\x00abc\n\ndiff --git a/x b/x\n+++ b/x\n@@ -0,0 +1,2 @@\n+one\n++++ b/y\n"))
	f.Add([]byte("diff --git a/x b/x\n+++ \"b/a\\tb\"\n@@ -1 +1 @@\n-a\n+b\n\\ No newline at end of file\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = parseDiff(bytes.NewReader(data), 1<<20, func(c *diffChunk) error {
			if bytes.Count(c.data, []byte{'\n'}) != len(c.lines) {
				t.Fatalf("%d lines, %d line numbers", bytes.Count(c.data, []byte{'\n'}), len(c.lines))
			}
			return nil
		})
	})
}

func TestParseDiffHeaderLookalikes(t *testing.T) {
	in := "\x00c1\n\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -0,0 +1,3 @@\n++++ b/evil\n+diff --git a/y b/y\n+@@ -1 +1 @@\n"
	var got []*diffChunk
	st, err := parseDiff(strings.NewReader(in), 1<<20, func(c *diffChunk) error { got = append(got, c); return nil })
	if err != nil || st.commits != 1 || len(got) != 1 {
		t.Fatalf("%v %+v %d chunks", err, st, len(got))
	}
	if got[0].file != "x" || string(got[0].data) != "+++ b/evil\ndiff --git a/y b/y\n@@ -1 +1 @@\n" || got[0].lines[2] != 3 {
		t.Errorf("chunk %q %q %v", got[0].file, got[0].data, got[0].lines)
	}
}
