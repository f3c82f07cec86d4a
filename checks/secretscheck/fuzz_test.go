package secretscheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/launchgate/launchgate/internal/redact"
)

// FuzzScan feeds arbitrary content to the scanner: it must not panic, its positions must be
// inside the input, no preview may show a whole secret, and the report's redaction must leave
// every preview as it is (never cutting into one of its masks).
func FuzzScan(f *testing.F) {
	rs := mustRules(f)
	for _, r := range rs.rules {
		for _, ex := range r.True {
			f.Add([]byte(ex))
		}
	}
	f.Add([]byte("password = \"\"\n\x00\xff token: '\n"))
	f.Add([]byte("a=b;AccountKey=" + strings.Repeat("Ab1/", 22) + ";x=y&token=zz pass=1 " + strings.Repeat("é", 700) + "\n"))
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
			if r := redact.String(m.preview); r != m.preview {
				t.Fatalf("preview %q becomes %q under the report's redaction", m.preview, r)
			}
		}
	})
}

// FuzzParseDiff feeds arbitrary git output to the diff parser: it must not panic, every
// chunk's line numbers must match its lines, and what it finds must not depend on how the
// stream arrives (a pipe hands over whatever git has written so far).
func FuzzParseDiff(f *testing.F) {
	f.Add([]byte("\x00abc\n\ndiff --git a/x b/x\n+++ b/x\n@@ -0,0 +1,2 @@\n+one\n++++ b/y\n"), uint16(1<<15))
	f.Add([]byte("diff --git a/x b/x\n+++ \"b/a\\tb\"\n@@ -1 +1 @@\n-a\n+b\n\\ No newline at end of file\n"), uint16(4))
	f.Add([]byte("\x00m\n\ndiff --cc f\n--- a/f\n+++ b/f\n@@@ -4,0 -4,1 +4,2 @@@\n+ br\n++evil\n -gone\n"), uint16(9))
	f.Add([]byte("diff --git a/x b/x\n+++ b/x\n@@ -0,0 +1,3 @@\n+a\x00\n+bbbbbbbbbbb\n+c\n+++ /dev/null\n"), uint16(12))
	f.Fuzz(func(t *testing.T, data []byte, maxSize uint16) {
		parse := func(r io.Reader) (string, diffStats, error) {
			var got strings.Builder
			st, err := parseDiff(r, int64(maxSize), func(c *diffChunk) error {
				if bytes.Count(c.data, []byte{'\n'}) != len(c.lines) {
					t.Fatalf("%d lines, %d line numbers", bytes.Count(c.data, []byte{'\n'}), len(c.lines))
				}
				fmt.Fprintf(&got, "%+v\n", *c)
				return nil
			})
			return got.String(), st, err
		}
		whole, st, err := parse(bytes.NewReader(data))
		bytewise, st1, err1 := parse(iotest.OneByteReader(bytes.NewReader(data)))
		if whole != bytewise || st != st1 || (err == nil) != (err1 == nil) {
			t.Fatalf("read whole: %+v %v\n%s\nread a byte at a time: %+v %v\n%s", st, err, whole, st1, err1, bytewise)
		}
	})
}

// TestParseDiffReadError: a stream that fails part-way, in the middle of a line, fails the
// parse, even where it goes on after the failure: what was not read was not scanned.
func TestParseDiffReadError(t *testing.T) {
	first := "\x00c1\n\ndiff --git a/x b/x\n+++ b/x\n@@ -0,0 +1,2 @@\n+on"
	r := io.MultiReader(iotest.TimeoutReader(strings.NewReader(first)), strings.NewReader("e\n+two\n"))
	_, err := parseDiff(r, 1<<20, func(*diffChunk) error { return nil })
	if !errors.Is(err, iotest.ErrTimeout) {
		t.Fatalf("parseDiff = %v, want the reader's error", err)
	}
}

func TestParseDiffHeaderLookalikes(t *testing.T) {
	in := "\x00c1\n\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -0,0 +1,3 @@\n++++ b/evil\n+diff --git a/y b/y\n+@@ -1 +1 @@\n"
	var got []*diffChunk
	st, err := parseDiff(strings.NewReader(in), 1<<20, func(c *diffChunk) error { got = append(got, c.clone()); return nil })
	if err != nil || st.commits != 1 || len(got) != 1 {
		t.Fatalf("%v %+v %d chunks", err, st, len(got))
	}
	if got[0].file != "x" || string(got[0].data) != "+++ b/evil\ndiff --git a/y b/y\n@@ -1 +1 @@\n" || got[0].lines[2] != 3 {
		t.Errorf("chunk %q %q %v", got[0].file, got[0].data, got[0].lines)
	}
}

// TestParseCombinedDiff: in a merge's combined diff only the lines in none of the parents are
// scanned ("++"), at their line in the result; lines from one parent (" +", "+ ") were scanned in
// the commits that added them, and a line that looks like a header is content.
func TestParseCombinedDiff(t *testing.T) {
	in := "\x00m1\n\ndiff --cc app.env\nindex 1,2..3\n--- a/app.env\n+++ b/app.env\n" +
		"@@@ -4,0 -4,1 +4,3 @@@\n+ from-feature\n++diff --git a/evil b/evil\n ++also-from-main\n- gone\n" +
		"diff --cc other\n--- a/other\n+++ b/other\n@@@ -1,1 -1,1 +1,1 @@@\n- x\n -y\n++z\n"
	var got []*diffChunk
	st, err := parseDiff(strings.NewReader(in), 1<<20, func(c *diffChunk) error { got = append(got, c.clone()); return nil })
	if err != nil || st.commits != 1 || len(got) != 2 {
		t.Fatalf("%v %+v %d chunks", err, st, len(got))
	}
	if got[0].file != "app.env" || string(got[0].data) != "diff --git a/evil b/evil\n" || got[0].lines[0] != 5 {
		t.Errorf("chunk %q %q %v", got[0].file, got[0].data, got[0].lines)
	}
	if got[1].file != "other" || string(got[1].data) != "z\n" || got[1].lines[0] != 1 {
		t.Errorf("chunk %q %q %v", got[1].file, got[1].data, got[1].lines)
	}
}

// clone copies a chunk parseDiff handed over, which it reuses for the next file.
func (c *diffChunk) clone() *diffChunk {
	d := *c
	d.data = append([]byte(nil), c.data...)
	d.lines = append([]int(nil), c.lines...)
	return &d
}
