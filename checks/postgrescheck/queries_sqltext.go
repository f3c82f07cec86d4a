package postgrescheck

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// qyShownQuery is how many characters of a query a result shows.
const qyShownQuery = 120

// qyTokenKind is what the SQL scanner found at one place.
type qyTokenKind int

const (
	qyWord      qyTokenKind = iota // keyword or bare identifier
	qyQuoted                       // "quoted identifier"
	qyString                       // '…', E'…', B'…', X'…', U&'…', $tag$…$tag$
	qyNumber                       // 42, 3.14, 1e10, 0x1F, .5
	qyParam                        // $1
	qyComment                      // -- … or /* … */
	qySpace                        // white space
	qySemicolon                    // ;
	qyOther                        // operators, punctuation
)

// qyToken is one lexical element of a statement.
type qyToken struct {
	kind qyTokenKind
	text string
}

// qyScan splits SQL into tokens the way PostgreSQL's lexer does for everything that matters
// here: where literals, comments and statements begin and end. It never fails: an unterminated
// literal or comment runs to the end of the text, which is what a query cut short by
// track_activity_query_size looks like.
func qyScan(sql string) []qyToken {
	var toks []qyToken
	for i := 0; i < len(sql); {
		kind, n := qyNext(sql[i:], i > 0 && qyIdentByte(sql[i-1]))
		toks = append(toks, qyToken{kind, sql[i : i+n]})
		i += n
	}
	return toks
}

// qyNext returns the kind and length of the token at the start of s. afterIdent says the byte
// before s belongs to an identifier, so digits there continue it (t1) rather than start a number.
func qyNext(s string, afterIdent bool) (qyTokenKind, int) {
	c := s[0]
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
		n := 1
		for n < len(s) && strings.IndexByte(" \t\n\r\f\v", s[n]) >= 0 {
			n++
		}
		return qySpace, n
	case strings.HasPrefix(s, "--"):
		if j := strings.IndexByte(s, '\n'); j >= 0 {
			return qyComment, j
		}
		return qyComment, len(s)
	case strings.HasPrefix(s, "/*"):
		return qyComment, qyBlockComment(s)
	case c == '\'':
		return qyString, qyQuotedLen(s, '\'', false)
	case c == '"':
		return qyQuoted, qyQuotedLen(s, '"', false)
	case c == '$':
		if n := qyDollarQuoted(s); n > 0 {
			return qyString, n
		}
		n := 1
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n > 1 {
			return qyParam, n
		}
		return qyOther, 1
	case c == ';':
		return qySemicolon, 1
	case !afterIdent && (c >= '0' && c <= '9' || c == '.' && len(s) > 1 && s[1] >= '0' && s[1] <= '9'):
		return qyNumber, qyNumberLen(s)
	case qyIdentByte(c):
		n := 1
		for n < len(s) && qyIdentByte(s[n]) {
			n++
		}
		// A string constant's prefix: E'…' (escapes), B'…', X'…', N'…', U&'…'.
		word := strings.ToUpper(s[:n])
		if n < len(s) && s[n] == '\'' && (word == "E" || word == "B" || word == "X" || word == "N") {
			return qyString, n + qyQuotedLen(s[n:], '\'', word == "E")
		}
		if word == "U" && strings.HasPrefix(s[n:], "&'") {
			return qyString, n + 1 + qyQuotedLen(s[n+1:], '\'', false)
		}
		if word == "U" && strings.HasPrefix(s[n:], "&\"") {
			return qyQuoted, n + 1 + qyQuotedLen(s[n+1:], '"', false)
		}
		return qyWord, n
	}
	_, size := utf8.DecodeRuneInString(s)
	return qyOther, size
}

// qyIdentByte reports whether b may continue an identifier; bytes of multi-byte characters do,
// as PostgreSQL allows letters of any script in identifiers.
func qyIdentByte(b byte) bool {
	return b == '_' || b == '$' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

// qyQuotedLen is the length of a quoted token starting at s[0]; a doubled quote is part of it,
// and so is a backslash escape in an E'…' string.
func qyQuotedLen(s string, q byte, backslash bool) int {
	for i := 1; i < len(s); i++ {
		switch {
		case backslash && s[i] == '\\':
			i++
		case s[i] == q:
			if i+1 < len(s) && s[i+1] == q {
				i++
				continue
			}
			return i + 1
		}
	}
	return len(s)
}

// qyBlockComment is the length of a /* … */ comment, which nests in PostgreSQL.
func qyBlockComment(s string) int {
	depth := 0
	for i := 0; i+1 < len(s); i++ {
		switch {
		case s[i] == '/' && s[i+1] == '*':
			depth++
			i++
		case s[i] == '*' && s[i+1] == '/':
			depth--
			i++
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// qyDollarQuoted is the length of a $tag$…$tag$ string at the start of s, or 0 when s does not
// start one.
func qyDollarQuoted(s string) int {
	end := 1
	for end < len(s) && s[end] != '$' {
		c := s[end]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || end > 1 && c >= '0' && c <= '9') {
			return 0
		}
		end++
	}
	if end >= len(s) {
		return 0
	}
	tag := s[:end+1]
	if j := strings.Index(s[len(tag):], tag); j >= 0 {
		return len(tag) + j + len(tag)
	}
	return len(s)
}

// qyNumberLen is the length of a numeric constant: decimal with fraction and exponent, or
// 0x/0o/0b integers, with PostgreSQL 16's underscores.
func qyNumberLen(s string) int {
	n := 0
	digits := func(ok func(byte) bool) {
		for n < len(s) && (ok(s[n]) || s[n] == '_') {
			n++
		}
	}
	dec := func(b byte) bool { return b >= '0' && b <= '9' }
	if len(s) > 2 && s[0] == '0' && strings.IndexByte("xXoObB", s[1]) >= 0 {
		n = 2
		digits(func(b byte) bool { return dec(b) || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' })
		return n
	}
	digits(dec)
	if n < len(s) && s[n] == '.' && !strings.HasPrefix(s[n:], "..") {
		n++
		digits(dec)
	}
	if n < len(s) && (s[n] == 'e' || s[n] == 'E') {
		m := n + 1
		if m < len(s) && (s[m] == '+' || s[m] == '-') {
			m++
		}
		if m < len(s) && dec(s[m]) {
			n = m
			digits(dec)
		}
	}
	return n
}

// qyMaskQuery prepares a query someone else ran for a result: every string and numeric
// literal becomes ?, comments go (they may hold anything), white space runs become one space,
// and it is cut to qyShownQuery characters. Masking happens before cutting, so a literal cut in
// half cannot show its first half. ALTER ROLE app PASSWORD 'x' shows as
// ALTER ROLE app PASSWORD ?.
func qyMaskQuery(sql string) string {
	var b strings.Builder
	space := false
	for _, tok := range qyScan(sql) {
		switch tok.kind {
		case qySpace, qyComment:
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		switch tok.kind {
		case qyString, qyNumber:
			b.WriteByte('?')
		default:
			b.WriteString(tok.text)
		}
	}
	return qyClip(b.String(), qyShownQuery)
}

// qyClip cuts s to max characters, ending in "…" when it was longer, and makes control
// characters and invalid UTF-8 harmless.
func qyClip(s string, max int) string {
	var b strings.Builder
	n := 0
	for i, r := range s {
		if n == max {
			return strings.TrimRight(b.String(), " ") + "…"
		}
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				r = '?'
			}
		}
		if !unicode.IsPrint(r) {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// qyStatement describes a statement a checklist gives: its first keyword and whether more
// statements follow it.
type qyStatement struct {
	first    string   // upper-cased first keyword, after comments and opening parentheses
	words    []string // every upper-cased keyword or bare identifier
	multiple bool
}

func qyParse(sql string) qyStatement {
	var st qyStatement
	ended := false
	for _, tok := range qyScan(sql) {
		switch tok.kind {
		case qySpace, qyComment:
			continue
		case qySemicolon:
			ended = true
			continue
		}
		if ended {
			st.multiple = true
		}
		if tok.kind == qyWord {
			w := strings.ToUpper(tok.text)
			if st.first == "" && len(st.words) == 0 {
				st.first = w
			}
			st.words = append(st.words, w)
		} else if st.first == "" && !(tok.kind == qyOther && tok.text == "(") {
			st.first = "?"
		}
	}
	return st
}

// qyWriteWords are the keywords that make a WITH statement write (a data-modifying CTE) or a
// SELECT take row locks.
var qyWriteWords = map[string]bool{"INSERT": true, "UPDATE": true, "DELETE": true, "MERGE": true, "INTO": true}

// qyReadOnlyReason says why a statement may not be run under EXPLAIN ANALYZE, or "" when it
// is a plain SELECT (or WITH … SELECT) that only reads.
func qyReadOnlyReason(st qyStatement) string {
	if st.first != "SELECT" && st.first != "WITH" {
		return "analyze runs the statement: only SELECT and WITH … SELECT are allowed, this one starts with " + qyOrNothing(st.first)
	}
	for _, w := range st.words {
		if qyWriteWords[w] {
			return "analyze runs the statement: it contains " + w + ", which writes (or, in SELECT … FOR UPDATE, locks rows)"
		}
	}
	return ""
}

func qyOrNothing(s string) string {
	if s == "" || s == "?" {
		return "no keyword"
	}
	return s
}
