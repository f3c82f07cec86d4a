package secretscheck

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"path"
	"sort"
	"strings"
	"unicode/utf8"
)

// allowMarker on a line suppresses every finding that starts on it.
const allowMarker = "launchgate:allow"

// multilineWindow bounds how far a multi-line rule (a private key block) may reach from the
// line its keyword is on; a PGP private key block of a 4096-bit key is about 7 KB.
const multilineWindow = 32 << 10

// match is one secret found in a buffer.
type match struct {
	rule      *Rule
	secret    string
	start     int // offset of the secret in the buffer
	end       int // offset just past the secret as written
	line, col int // 1-based; col counts characters
	allowed   bool
	preview   string
	// decoded: found in the base64-decoded text of [start, end).
	decoded bool
	// legacy is the secret as the generic rule cut it before values could hold '#', ';', ','
	// and '`' ("" when the same): what a version 1 baseline hashed.
	legacy string
}

// fileOpts says how a file's content is judged.
type fileOpts struct {
	// generic enables the generic assignment rule (off for lock files and minified code).
	generic bool
	// code requires the generic rule's values to be quoted string literals, so that ordinary
	// code (token := next()) does not trip it.
	code bool
}

// optsFor decides the options for a file from its name.
func optsFor(name string) fileOpts {
	base := strings.ToLower(path.Base(name))
	ext := path.Ext(base)
	o := fileOpts{generic: true}
	if lockFiles[base] || ext == ".lock" || strings.HasSuffix(base, ".min.js") || strings.HasSuffix(base, ".min.css") || ext == ".map" || ext == ".sum" {
		o.generic = false
	}
	o.code = codeExts[ext]
	return o
}

var lockFiles = map[string]bool{
	"package-lock.json": true, "npm-shrinkwrap.json": true, "yarn.lock": true, "pnpm-lock.yaml": true,
	"go.sum": true, "cargo.lock": true, "gemfile.lock": true, "composer.lock": true, "poetry.lock": true,
	"pipfile.lock": true, "packages.lock.json": true, "mix.lock": true, "pubspec.lock": true,
	"podfile.lock": true, "flake.lock": true, "uv.lock": true, "bun.lockb": true, "deno.lock": true,
	"gradle.lockfile": true, "package.resolved": true,
}

var codeExts = map[string]bool{
	".go": true, ".py": true, ".js": true, ".jsx": true, ".mjs": true, ".cjs": true, ".ts": true,
	".tsx": true, ".java": true, ".kt": true, ".kts": true, ".scala": true, ".rb": true, ".php": true,
	".cs": true, ".c": true, ".h": true, ".cc": true, ".cpp": true, ".hpp": true, ".rs": true,
	".swift": true, ".m": true, ".mm": true, ".dart": true, ".lua": true, ".pl": true, ".pm": true,
	".groovy": true, ".ex": true, ".exs": true, ".erl": true, ".clj": true, ".fs": true, ".vb": true,
	".r": true, ".jl": true, ".vue": true, ".svelte": true, ".html": true, ".md": true, ".rst": true,
	".txt": false,
}

// scanner finds secrets in buffers. It is not safe for concurrent use: each worker owns one.
type scanner struct {
	rs       *ruleSet
	lastLine []int // per rule: start offset+1 of the last line it ran on
	out      []match
	sub      *scanner // scans decoded text, one level down
	decoded  []byte   // reused decoding buffer
	hits     hitBuffers
}

func newScanner(rs *ruleSet) *scanner {
	return &scanner{rs: rs, lastLine: make([]int, len(rs.rules))}
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// find puts the secrets in buf into s.out, located but without lines or previews; depth counts
// the levels of decoding buf is under (1: the file itself).
func (s *scanner) find(buf []byte, o fileOpts, depth int) []match {
	s.out = s.out[:0]
	for i := range s.lastLine {
		s.lastLine[i] = 0
	}
	lineStart, lineEnd := -1, -1
	lastAssignEnd := -1
	for _, h := range s.rs.matcher.scan(buf, &s.hits) {
		kw, start := h.kw, h.start
		k := s.rs.keywords[kw]
		if s.rs.kwExact[kw] && string(buf[start:start+len(k)]) != k {
			continue
		}
		if s.rs.kwBound[kw] && start > 0 && isWordByte(buf[start-1]) {
			continue
		}
		if start < lineStart || start >= lineEnd {
			lineStart = bytes.LastIndexByte(buf[:start], '\n') + 1
			lineEnd = bytes.IndexByte(buf[start:], '\n')
			if lineEnd < 0 {
				lineEnd = len(buf)
			} else {
				lineEnd += start
			}
		}
		for _, r := range s.rs.kwRules[kw] {
			if r.Kind == kindAssignment {
				if !o.generic {
					continue
				}
				if end := s.assignment(r, buf, lineStart, lineEnd, start, len(k), o, lastAssignEnd); end >= 0 {
					lastAssignEnd = end
				}
				continue
			}
			if s.lastLine[r.index] == lineStart+1 {
				continue
			}
			s.lastLine[r.index] = lineStart + 1
			s.runRegex(r, buf, lineStart, lineEnd)
		}
	}
	if depth <= maxDecodeDepth {
		s.decodePass(buf, o, depth)
	}
	s.dropFallbackOverlaps()
	return s.out
}

// scan returns the secrets in buf (allowed ones included, marked), with their lines, columns
// and previews. The returned slice is reused by the next call.
func (s *scanner) scan(buf []byte, o fileOpts) []match {
	s.find(buf, o, 1)
	lineCur, lineNo := 0, 1 // incremental line counting: findings mostly come in order
	// In order of position: lines are counted incrementally, and the matches on one line are
	// neighbours, which the previews need.
	sort.SliceStable(s.out, func(i, j int) bool { return s.out[i].start < s.out[j].start })
	// Line numbers, columns, allow markers and previews.
	for i := range s.out {
		m := &s.out[i]
		if m.start < lineCur {
			lineCur, lineNo = 0, 1
		}
		lineNo += bytes.Count(buf[lineCur:m.start], []byte{'\n'})
		lineCur = m.start
		ls := bytes.LastIndexByte(buf[:m.start], '\n') + 1
		le := bytes.IndexByte(buf[m.start:], '\n')
		if le < 0 {
			le = len(buf)
		} else {
			le += m.start
		}
		m.line = lineNo
		m.col = utf8.RuneCount(buf[ls:m.start]) + 1
		line := buf[ls:le]
		m.allowed = bytes.Contains(line, []byte(allowMarker))
		// A preview shows a few dozen bytes around the secret: a window of the line is enough,
		// and keeps a long minified line from being copied and searched once per finding.
		ws, we := max(ls, m.start-previewWindow), min(le, max(m.end, m.start)+previewWindow)
		for ws > ls && !utf8.RuneStart(buf[ws]) {
			ws--
		}
		for we < le && !utf8.RuneStart(buf[we]) {
			we++
		}
		l := string(buf[ws:we])
		m.preview = preview(l, m.start-ws, maskEnd(m.rule, l, m.end-ws), maskFor(m.rule, m.secret), s.sameLine(i, l, ws, we))
		if ws > ls && !strings.HasPrefix(m.preview, "…") {
			m.preview = "…" + m.preview
		}
	}
	return s.out
}

// previewWindow is how much of a line on each side of a secret its preview looks at.
const previewWindow = 1 << 10

// sameLine returns the spans of the other matches within [ls, le) (the part of match i's line
// its preview looks at), relative to ls, with their masks.
func (s *scanner) sameLine(i int, line string, ls, le int) []span {
	var out []span
	add := func(o match) {
		start, end := max(o.start, ls)-ls, min(o.end, le)-ls
		out = append(out, span{start: start, end: maskEnd(o.rule, line, end), text: maskFor(o.rule, o.secret)})
	}
	for j := i - 1; j >= 0 && s.out[j].end > ls; j-- {
		add(s.out[j])
	}
	for j := i + 1; j < len(s.out) && s.out[j].start < le; j++ {
		add(s.out[j])
	}
	return out
}

// dropFallbackOverlaps removes findings of fallback rules (the generic assignment rule, JWTs,
// bearer tokens) where another rule's finding overlaps: GITHUB_TOKEN=<a GitHub token> is one
// finding, the specific one.
func (s *scanner) dropFallbackOverlaps() {
	hasFallback := false
	for _, m := range s.out {
		if m.rule.Fallback {
			hasFallback = true
			break
		}
	}
	if !hasFallback || len(s.out) < 2 {
		return
	}
	kept := s.out[:0]
	for i, m := range s.out {
		drop := false
		if m.rule.Fallback {
			for j, o := range s.out {
				if j != i && !o.rule.Fallback && o.start < m.end && m.start < o.end {
					drop = true
					break
				}
				// Two fallback findings of one value: keep the first rule's (generic assignment
				// last in rules.yaml, so a JWT assigned to token= is a JWT).
				if j != i && o.rule.Fallback && o.start < m.end && m.start < o.end && o.rule.index < m.rule.index {
					drop = true
					break
				}
			}
		}
		if !drop {
			kept = append(kept, m)
		}
	}
	s.out = kept
}

// runRegex runs a rule's expression over the line (or, for multi-line rules, a window starting
// at the line) and records the matches that start on the line.
func (s *scanner) runRegex(r *Rule, buf []byte, ls, le int) {
	end := le
	if r.Multiline {
		end = min(len(buf), ls+multilineWindow)
	}
	window := buf[ls:end]
	if r.Requires != "" && !bytes.ContainsAny(buf[ls:le], r.Requires) {
		return
	}
	if r.Kind == kindURL && !urlCredentialShape(buf[ls:le]) || !r.mayMatch(window, le-ls) {
		return
	}
	for _, sm := range r.regexp().FindAllSubmatchIndex(window, -1) {
		if ls+sm[0] >= le {
			break
		}
		gs, ge := sm[0], sm[1]
		if r.Kind == kindURL {
			// Groups: 1 user, 2 password.
			user := string(window[sm[2]:sm[3]])
			gs, ge = sm[4], sm[5]
			if placeholderURLPassword(user, string(window[gs:ge])) || documentationHost(window[sm[1]-1:]) {
				continue
			}
		} else {
			for g := 1; 2*g < len(sm); g++ {
				if sm[2*g] >= 0 && sm[2*g+1] > sm[2*g] {
					gs, ge = sm[2*g], sm[2*g+1]
					break
				}
			}
		}
		secret := string(window[gs:ge])
		if r.Multiline {
			secret = normalizeKeyBody(secret)
		}
		if isPlaceholder(secret) || (r.Entropy > 0 && entropy(secret) < r.Entropy) || (r.validate != nil && !r.validate(secret)) {
			continue
		}
		if r.Multiline {
			gs, ge = sm[0], sm[1] // report a key block where it begins
		}
		s.out = append(s.out, match{rule: r, secret: secret, start: ls + gs, end: ls + ge})
	}
}

// urlCredentialShape reports whether line holds what the URL rules' expressions need after a
// "://": a user (which may be empty), ':', a password, '@' and the start of a host, neither
// name crossing '/', '@', a quote or white space. The expressions, case-insensitive, cost a
// hundred times more than this on a long line that holds URLs but no credentials (minified
// code), and cannot match where this finds nothing.
func urlCredentialShape(line []byte) bool {
	for i := 0; ; {
		j := bytes.Index(line[i:], []byte("://"))
		if j < 0 {
			return false
		}
		user := i + j + 3
		u := user
		for u < len(line) && line[u] != ':' && !urlNameStop(line[u]) {
			u++
		}
		if u < len(line) && line[u] == ':' {
			p := u + 1
			for p < len(line) && !urlNameStop(line[p]) {
				p++
			}
			if p > u+1 && p+1 < len(line) && line[p] == '@' && (line[p+1] == '@' || !urlNameStop(line[p+1])) {
				return true
			}
		}
		i = user
	}
}

// urlNameStop is a byte that ends the user or the password of a URL for the URL rule.
func urlNameStop(c byte) bool {
	switch c {
	case '@', '/', '\'', '"', '`', ' ', '\t', '\n', '\f', '\r':
		return true
	}
	return false
}

// normalizeKeyBody keeps only the base64 characters of a key body, so that the same key is
// the same secret whether it is written as PEM lines, a JSON string with \n escapes or a
// concatenated string literal.
func normalizeKeyBody(s string) string {
	s = strings.ReplaceAll(s, `\n`, "")
	s = strings.ReplaceAll(s, `\r`, "")
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '+' || c == '/' || c == '=' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// fingerprint identifies a finding across runs, line moves and rule changes without naming the
// secret: a hash of the file and the secret, and nothing else.
func fingerprint(file, secret string) string {
	h := sha256.New()
	h.Write([]byte(file))
	h.Write([]byte{0})
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// fingerprintV1 is the fingerprint of version 1 baselines, which hashed the rule too.
func fingerprintV1(rule, file, secret string) string {
	h := sha256.New()
	h.Write([]byte(rule))
	h.Write([]byte{0})
	h.Write([]byte(file))
	h.Write([]byte{0})
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// trimToRune drops a partial UTF-8 sequence at the cut end of s.
func trimToRune(s string, atEnd bool) string {
	if atEnd {
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		return s
	}
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[1:]
	}
	return s
}
