package secretscheck

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// diffChunk is the lines one commit added to one file.
type diffChunk struct {
	seq    int // position of the commit in the stream (newest first)
	commit string
	file   string
	data   []byte
	lines  []int // the new-file line number of each line in data
	skip   bool  // deleted, binary or over the size limit
	over   bool
	binary bool
}

// diffStats counts what a diff stream held and what of it was not scanned.
type diffStats struct {
	commits, chunks int
	bytes           int64
	// oversize diffs held more than max_file_size of added lines; binary ones a NUL byte; cut
	// lines were longer than maxLine and only their start was scanned.
	oversize, binary, cutLines int
}

// plus is the counts of a and b together.
func (a diffStats) plus(b diffStats) diffStats {
	return diffStats{commits: a.commits + b.commits, chunks: a.chunks + b.chunks, bytes: a.bytes + b.bytes,
		oversize: a.oversize + b.oversize, binary: a.binary + b.binary, cutLines: a.cutLines + b.cutLines}
}

// maxLine bounds one line of git's output held in memory; the rest of a longer line (a minified
// bundle, a data file on one line) is not scanned but counted.
const maxLine = 1 << 20

// parseDiff reads `git log -p --cc --unified=0` (or `git diff --unified=0`) output and hands each
// file's added lines to emit. Hunk headers give exact line counts, so an added line that looks
// like a header ("+++ b/x" as content) is never mistaken for one. In the combined diff of a merge
// only the lines that are in none of its parents are taken: the others were scanned in the
// commits that added them, and a line added while resolving the merge is in no other commit.
// No line is held beyond maxLine bytes, nor a file's added lines beyond maxSize. The chunk
// handed to emit, and its buffers, are reused for the next file: emit must not keep them.
func parseDiff(r io.Reader, maxSize int64, emit func(*diffChunk) error) (diffStats, error) {
	p := &diffParser{in: lineReader{r: r, buf: make([]byte, 256<<10)}, maxSize: maxSize, emit: emit, parents: 1}
	for {
		line, cut, err := p.in.next()
		if err == io.EOF {
			return p.finish()
		}
		if err != nil {
			return p.st, err
		}
		if p.newLeft > 0 && p.hunk(line, cut) {
			p.addedLines()
			continue
		}
		if n := len(line); n > 0 && line[n-1] == '\n' {
			line = line[:n-1]
		}
		if err := p.header(line); err != nil {
			return p.st, err
		}
	}
}

// diffParser is parseDiff's state between lines.
type diffParser struct {
	in      lineReader
	maxSize int64
	emit    func(*diffChunk) error
	st      diffStats
	spare   diffChunk // the one chunk, reused: its buffers grow to the largest file's once
	cur     *diffChunk
	commit  string
	seq     int
	newLeft int // lines of the result still to come in the current hunk
	parents int
	newLine int
}

// lineReader reads lines through one buffer, as bufio.Reader.ReadSlice does, and keeps no more
// than maxLine bytes of a line longer than the buffer.
type lineReader struct {
	r        io.Reader
	buf      []byte
	pos, end int   // the unread bytes are buf[pos:end]
	searched int   // of which the first searched hold no '\n'
	err      error // the reader's, returned once the buffer is empty
	long     []byte
}

// next returns the next line with its '\n' (the last line may have none), valid until the next
// call; cut says bytes beyond maxLine were dropped from it. After the last line it returns the
// reader's error: io.EOF, or why reading failed.
func (lr *lineReader) next() (line []byte, cut bool, err error) {
	for {
		if i := bytes.IndexByte(lr.buf[lr.pos+lr.searched:lr.end], '\n'); i >= 0 {
			line = lr.buf[lr.pos : lr.pos+lr.searched+i+1]
			lr.pos += lr.searched + i + 1
			lr.searched = 0
			return line, false, nil
		}
		lr.searched = lr.end - lr.pos
		switch {
		case lr.err != nil && lr.pos == lr.end:
			return nil, false, lr.err
		case lr.err != nil:
			line = lr.buf[lr.pos:lr.end]
			lr.pos, lr.searched = lr.end, 0
			return line, false, nil
		case lr.searched == len(lr.buf):
			return lr.longLine()
		}
		lr.fill()
	}
}

// fill moves the unread bytes to the start of the buffer and reads more after them.
func (lr *lineReader) fill() {
	if lr.pos > 0 {
		lr.end = copy(lr.buf, lr.buf[lr.pos:lr.end])
		lr.pos = 0
	}
	for range 100 {
		n, err := lr.r.Read(lr.buf[lr.end:])
		lr.end += n
		if err != nil || n > 0 {
			lr.err = err
			return
		}
	}
	lr.err = io.ErrNoProgress
}

// longLine reads on through a line that fills the buffer, keeping its first maxLine bytes.
func (lr *lineReader) longLine() (line []byte, cut bool, err error) {
	lr.long = append(lr.long[:0], lr.buf[lr.pos:lr.end]...)
	lr.pos, lr.end, lr.searched = 0, 0, 0
	for {
		if lr.pos == lr.end {
			if lr.err != nil {
				return lr.long, cut, nil
			}
			lr.fill()
			continue
		}
		piece := lr.buf[lr.pos:lr.end]
		i := bytes.IndexByte(piece, '\n')
		if i >= 0 {
			piece = piece[:i+1]
		}
		lr.pos += len(piece)
		if room := maxLine - len(lr.long); room < len(piece) {
			lr.long = append(lr.long, piece[:max(room, 0)]...)
			cut = true
		} else {
			lr.long = append(lr.long, piece...)
		}
		if i >= 0 {
			return lr.long, cut, nil
		}
	}
}

// finish hands over the last file.
func (p *diffParser) finish() (diffStats, error) {
	err := p.flush()
	return p.st, err
}

// flush counts the current file and hands its added lines to emit unless it was skipped.
func (p *diffParser) flush() error {
	if p.cur == nil {
		return nil
	}
	p.settleBinary()
	c := p.cur
	p.cur = nil
	switch {
	case c.over:
		p.st.oversize++
	case c.binary:
		p.st.binary++
	case !c.skip && len(c.data) > 0 && c.file != "":
		p.st.chunks++
		p.st.bytes += int64(len(c.data))
		return p.emit(c)
	}
	return nil
}

// settleBinary marks the current file binary if a line added to it holds a NUL byte. Lines are
// not looked at one by one as they come: the file's lines are looked at once, in one pass,
// before anything that depends on whether it is binary (its end, its growing too large, a
// line cut short, a header that skips it).
func (p *diffParser) settleBinary() {
	if c := p.cur; c != nil && !c.skip && bytes.IndexByte(c.data, 0) >= 0 {
		c.skip, c.binary = true, true
		c.data, c.lines = c.data[:0], c.lines[:0]
	}
}

// hunk takes a line inside a hunk, keeping it when it was added; false when the line is not
// one (a malformed one, which is dropped to resynchronise on headers).
func (p *diffParser) hunk(line []byte, cut bool) bool {
	added, inResult, ok := hunkLine(line, p.parents)
	if !ok {
		p.newLeft = 0
		return false
	}
	if !inResult {
		return true
	}
	p.newLeft--
	if cur := p.cur; added && cur != nil && !cur.skip {
		p.add(cur, line[p.parents:], cut)
	}
	p.newLine++
	return true
}

// addedLines takes the added lines that follow in a hunk of a one-parent diff straight from
// the reader's buffer, as long as they are there whole: most of a history's lines are these,
// and taking them here costs a search for the line's end and a copy, no more. Anything else (a
// removed line, a line that would make the file too large, the end of the buffer) is left to
// the general path.
func (p *diffParser) addedLines() {
	cur, lr := p.cur, &p.in
	if p.parents != 1 || cur == nil || cur.skip {
		return
	}
	// Locals, stored back once: the loop then touches no field of the parser.
	data, lines, pos, left, line := cur.data, cur.lines, lr.pos, p.newLeft, p.newLine
	buf, limit := lr.buf[:lr.end], p.maxSize
	for ; left > 0 && pos < len(buf) && buf[pos] == '+'; left-- {
		i := bytes.IndexByte(buf[pos:], '\n')
		if i < 0 || int64(len(data)+i) > limit {
			break
		}
		data = append(data, buf[pos+1:pos+i+1]...)
		lines = append(lines, line)
		line++
		pos += i + 1
	}
	cur.data, cur.lines, lr.pos, p.newLeft, p.newLine = data, lines, pos, left, line
}

// add appends an added line (body, with its '\n' if it has one) to the current file's, unless
// that makes them more than maxSize, which gives the file up.
func (p *diffParser) add(cur *diffChunk, body []byte, cut bool) {
	n := len(body)
	hasNL := n > 0 && body[n-1] == '\n'
	if hasNL {
		n--
	}
	if cut {
		if p.settleBinary(); cur.skip {
			return
		}
		p.st.cutLines++
	}
	if int64(len(cur.data)+n+1) <= p.maxSize {
		cur.data = append(cur.data, body...)
		if !hasNL {
			cur.data = append(cur.data, '\n')
		}
		cur.lines = append(cur.lines, p.newLine)
		return
	}
	// Too large, unless a NUL byte came first, in an earlier line or in this one.
	if p.settleBinary(); !cur.skip {
		binary := bytes.IndexByte(body[:n], 0) >= 0
		cur.skip, cur.binary, cur.over = true, binary, !binary
		cur.data, cur.lines = cur.data[:0], cur.lines[:0]
	}
}

// header takes a line outside hunks: a commit, a file's diff, its name, or a hunk header.
func (p *diffParser) header(line []byte) error {
	switch {
	case len(line) > 0 && line[0] == 0:
		if err := p.flush(); err != nil {
			return err
		}
		p.commit = string(bytes.TrimSpace(line[1:]))
		p.seq++
		p.st.commits++
	case bytes.HasPrefix(line, []byte("diff --git ")), bytes.HasPrefix(line, []byte("diff --cc ")),
		bytes.HasPrefix(line, []byte("diff --combined ")):
		if err := p.flush(); err != nil {
			return err
		}
		p.spare = diffChunk{seq: p.seq, commit: p.commit, data: p.spare.data[:0], lines: p.spare.lines[:0]}
		p.cur = &p.spare
	case p.cur == nil:
	case bytes.HasPrefix(line, []byte("+++ ")):
		name := string(line[4:])
		if name == "/dev/null" {
			p.settleBinary()
			p.cur.skip = true
			break
		}
		p.cur.file = strings.TrimPrefix(unquoteGitPath(name), "b/")
	case bytes.HasPrefix(line, []byte("Binary files ")):
		p.cur.skip, p.cur.binary = true, true
	case bytes.HasPrefix(line, []byte("@@")):
		n, start, parents, ok := parseHunkHeader(line)
		if !ok {
			return fmt.Errorf("unreadable hunk header %q in commit %s", truncate(string(line), 80), short(p.commit))
		}
		p.newLeft, p.newLine, p.parents = n, start, parents
	}
	return nil
}

// hunkLine classifies a line of a hunk with one column per parent: '+' where the line is not in
// that parent, '-' where it is only in that parent, ' ' where both have it. It is in the result
// when no column is '-', and added (in no parent) when every column is '+'. ok is false for a
// line that is no hunk line at all; "\ No newline at end of file" is one, in no file.
func hunkLine(line []byte, parents int) (added, inResult, ok bool) {
	if len(line) > 0 && line[0] == '\\' {
		return false, false, true
	}
	if len(line) < parents {
		return false, false, false
	}
	plus, minus := 0, 0
	for _, c := range line[:parents] {
		switch c {
		case '+':
			plus++
		case '-':
			minus++
		case ' ':
		default:
			return false, false, false
		}
	}
	return plus == parents, minus == 0, true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return trimToRune(s[:n], true) + "…"
	}
	return s
}

// unquoteGitPath decodes a path git wrote in C-style quotes ("a\tb").
func unquoteGitPath(p string) string {
	if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' {
		if u, err := strconv.Unquote(p); err == nil {
			return u
		}
	}
	return p
}

// parseHunkHeader reads "@@ -a[,b] +c[,d] @@" or, in a combined diff of n parents, n+1 '@'
// around n old ranges: the new line count, the first new line and the number of parents. The
// rest of the line (the function the hunk is in) is not looked at.
func parseHunkHeader(line []byte) (newCount, newStart, parents int, ok bool) {
	ats, rest := nextField(line)
	parents = len(ats) - 1
	if parents < 1 || len(bytes.Trim(ats, "@")) != 0 {
		return 0, 0, 0, false
	}
	for range parents {
		var old []byte
		old, rest = nextField(rest)
		if len(old) == 0 || old[0] != '-' {
			return 0, 0, 0, false
		}
		if _, _, ok := hunkRange(old[1:]); !ok {
			return 0, 0, 0, false
		}
	}
	nf, _ := nextField(rest)
	if len(nf) == 0 || nf[0] != '+' {
		return 0, 0, 0, false
	}
	newStart, newCount, ok = hunkRange(nf[1:])
	return newCount, newStart, parents, ok
}

// hunkRange reads "start[,count]" (count 1 when left out).
func hunkRange(s []byte) (start, count int, ok bool) {
	a, b, has := bytes.Cut(s, []byte(","))
	start, err := strconv.Atoi(string(a))
	if err != nil || start < 0 {
		return 0, 0, false
	}
	count = 1
	if has {
		if count, err = strconv.Atoi(string(b)); err != nil || count < 0 {
			return 0, 0, false
		}
	}
	return start, count, true
}

// nextField returns the first field of s and what follows it, fields being separated by white
// space as strings.Fields has it.
func nextField(s []byte) (field, rest []byte) {
	start := -1
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(s[i:])
		}
		switch {
		case !unicode.IsSpace(r):
			if start < 0 {
				start = i
			}
		case start >= 0:
			return s[start:i], s[i:]
		}
		i += n
	}
	if start < 0 {
		return nil, nil
	}
	return s[start:], nil
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
