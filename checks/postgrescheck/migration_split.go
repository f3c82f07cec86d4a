package postgrescheck

import (
	"fmt"
	"slices"
	"strings"
)

// mgStatement is one statement of a migration file, as the lexer cut it out.
type mgStatement struct {
	// Text is the statement as written, from its first token to the character before its
	// semicolon: leading comments and whitespace are not part of it, inner ones are.
	Text string
	// Line is the 1-based line of the file its first token is on.
	Line int
}

// FirstLine is the statement's first line, short enough for a summary.
func (s mgStatement) FirstLine() string {
	l, _, more := strings.Cut(s.Text, "\n")
	l = strings.TrimSpace(l)
	if r := []rune(l); len(r) > 80 {
		l, more = string(r[:77]), true
	}
	if more {
		l += " …"
	}
	return l
}

// mgSplit cuts a migration file into statements the way psql does, without parsing SQL: it
// knows quoted strings ('…', E'…' with backslash escapes, "identifiers"), dollar-quoted bodies
// ($$…$$, $tag$…$tag$), -- and nested /* */ comments, parentheses, and the BEGIN … END of a
// SQL-standard function body (CREATE FUNCTION … BEGIN ATOMIC), inside which a semicolon does not
// end the statement. Statements holding nothing but comments are dropped. A quote, dollar quote
// or comment left open at the end of the file is an error naming the line it opened on: the
// server would refuse the file, and the lexer cannot tell where the statement was meant to end.
func mgSplit(src string) ([]mgStatement, error) {
	l := mgLexer{src: src, line: 1}
	return l.run()
}

type mgLexer struct {
	src  string
	i    int
	line int
	out  []mgStatement

	// The current statement: where its first token is (-1 before one), and what psql tracks
	// to know whether a semicolon ends it.
	start, startLine int
	parens, begins   int
	words            []string // the statement's first identifiers, lower-cased, up to mgLeadWords

	// all, when keep is set, collects every identifier outside parentheses (see mgWords).
	keep bool
	all  []string
}

// mgLeadWords is how many leading identifiers tell CREATE [OR REPLACE] FUNCTION|PROCEDURE.
const mgLeadWords = 4

func (l *mgLexer) run() ([]mgStatement, error) {
	l.reset()
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case c == '\n':
			l.line++
			l.i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.i++
		case c == '-' && l.peek(1) == '-':
			for l.i < len(l.src) && l.src[l.i] != '\n' {
				l.i++
			}
		case c == '/' && l.peek(1) == '*':
			if err := l.blockComment(); err != nil {
				return nil, err
			}
		case c == ';' && l.parens == 0 && l.begins == 0:
			l.end()
			l.i++
		default:
			if err := l.token(c); err != nil {
				return nil, err
			}
		}
	}
	l.end()
	return l.out, nil
}

// token consumes one token that is not whitespace or a comment, which starts a statement if
// none has started.
func (l *mgLexer) token(c byte) error {
	if l.start < 0 {
		l.start, l.startLine = l.i, l.line
	}
	switch {
	case c == '\'':
		return l.quoted('\'', l.i > 0 && (l.src[l.i-1] == 'E' || l.src[l.i-1] == 'e') && !(l.i > 1 && mgIdentByte(l.src[l.i-2])))
	case c == '"':
		return l.quoted('"', false)
	case c == '$' && !(l.i > 0 && mgIdentByte(l.src[l.i-1])):
		if tag, ok := l.dollarTag(); ok {
			return l.dollarQuoted(tag)
		}
		l.i++
	case c == '(':
		l.parens++
		l.i++
	case c == ')':
		if l.parens > 0 {
			l.parens--
		}
		l.i++
	case mgIdentStart(c) && !(l.i > 0 && mgIdentByte(l.src[l.i-1])):
		j := l.i
		for j < len(l.src) && mgIdentByte(l.src[j]) {
			j++
		}
		l.word(strings.ToLower(l.src[l.i:j]))
		l.i = j
	default:
		l.i++
	}
	return nil
}

// word follows psql's heuristic for SQL-standard function bodies: only in CREATE [OR REPLACE]
// FUNCTION|PROCEDURE, outside parentheses, BEGIN (and CASE within it) opens what END closes.
func (l *mgLexer) word(w string) {
	if len(l.words) < mgLeadWords {
		l.words = append(l.words, w)
	}
	if l.keep && l.parens == 0 {
		l.all = append(l.all, w)
	}
	if l.parens > 0 || !l.isRoutine() {
		return
	}
	switch w {
	case "begin":
		l.begins++
	case "case":
		if l.begins > 0 {
			l.begins++
		}
	case "end":
		if l.begins > 0 {
			l.begins--
		}
	}
}

func (l *mgLexer) isRoutine() bool {
	w := l.words
	if len(w) < 2 || w[0] != "create" {
		return false
	}
	if w[1] == "function" || w[1] == "procedure" {
		return true
	}
	return len(w) >= 4 && w[1] == "or" && w[2] == "replace" && (w[3] == "function" || w[3] == "procedure")
}

func (l *mgLexer) peek(n int) byte {
	if l.i+n < len(l.src) {
		return l.src[l.i+n]
	}
	return 0
}

func (l *mgLexer) blockComment() error {
	open := l.line
	depth := 0
	for l.i < len(l.src) {
		switch {
		case l.src[l.i] == '/' && l.peek(1) == '*':
			depth++
			l.i += 2
		case l.src[l.i] == '*' && l.peek(1) == '/':
			depth--
			l.i += 2
			if depth == 0 {
				return nil
			}
		default:
			if l.src[l.i] == '\n' {
				l.line++
			}
			l.i++
		}
	}
	return fmt.Errorf("line %d: unterminated /* comment", open)
}

// quoted consumes a '…' string or "…" identifier; a doubled quote stays inside, and so does a
// backslash-escaped one in an E'…' string.
func (l *mgLexer) quoted(q byte, backslash bool) error {
	open := l.line
	l.i++
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case c == '\n':
			l.line++
		case backslash && c == '\\':
			l.i++
			if l.i < len(l.src) && l.src[l.i] == '\n' {
				l.line++
			}
		case c == q && l.peek(1) == q:
			l.i++
		case c == q:
			l.i++
			return nil
		}
		l.i++
	}
	what := "quoted string"
	if q == '"' {
		what = "quoted identifier"
	}
	return fmt.Errorf("line %d: unterminated %s", open, what)
}

// dollarTag reads $tag$ at l.i; a $ that does not open one ($1, a lone $) is not a quote.
func (l *mgLexer) dollarTag() (string, bool) {
	j := l.i + 1
	if j < len(l.src) && l.src[j] != '$' {
		if !mgIdentStart(l.src[j]) {
			return "", false
		}
		for j < len(l.src) && mgIdentByte(l.src[j]) && l.src[j] != '$' {
			j++
		}
	}
	if j >= len(l.src) || l.src[j] != '$' {
		return "", false
	}
	return l.src[l.i : j+1], true
}

func (l *mgLexer) dollarQuoted(tag string) error {
	open := l.line
	body := l.i + len(tag)
	end := strings.Index(l.src[body:], tag)
	if end < 0 {
		return fmt.Errorf("line %d: unterminated dollar-quoted string (%s opened here)", open, tag)
	}
	l.line += strings.Count(l.src[l.i:body+end], "\n")
	l.i = body + end + len(tag)
	return nil
}

// end closes the current statement, if it has a token.
func (l *mgLexer) end() {
	if l.start >= 0 {
		l.out = append(l.out, mgStatement{Text: strings.TrimRight(l.src[l.start:l.i], " \t\r\n\f\v"), Line: l.startLine})
	}
	l.reset()
}

func (l *mgLexer) reset() {
	l.start, l.startLine = -1, 0
	l.parens, l.begins = 0, 0
	l.words = l.words[:0]
}

// mgIdentStart and mgIdentByte follow PostgreSQL's identifier rules: letters, underscore and
// any non-ASCII byte start one; digits and $ may follow.
func mgIdentStart(c byte) bool {
	return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') || c >= 0x80
}

func mgIdentByte(c byte) bool {
	return mgIdentStart(c) || (c >= '0' && c <= '9') || c == '$'
}

// mgWords lists a statement's identifiers and keywords outside quotes, comments and
// parentheses, lower-cased: enough to tell CREATE INDEX CONCURRENTLY from CREATE INDEX, or a
// GRANT of privileges ON an object from a GRANT of role membership, without parsing SQL.
func mgWords(text string) []string {
	l := mgLexer{src: text, line: 1, keep: true}
	// A statement mgSplit returned has no quote or comment left open.
	_, _ = l.run()
	return l.all
}

// mgClass is how the harness treats a statement.
type mgClass int

const (
	// mgTraced runs inside the harness transaction and is measured.
	mgTraced mgClass = iota
	// mgBoundary is transaction control written in the file (BEGIN, COMMIT, SET TRANSACTION):
	// the harness transaction stands in for it, so it is not run.
	mgBoundary
	// mgAlone cannot run inside a transaction (CREATE INDEX CONCURRENTLY, VACUUM): it runs on
	// its own after what came before is committed.
	mgAlone
	// mgServerWide acts on the whole shadow server, not on the scratch database (roles,
	// databases, tablespaces, ALTER SYSTEM, subscriptions): it is not run.
	mgServerWide
)

// mgClassify tells how to run a statement from its words (see mgWords).
func mgClassify(w []string) mgClass {
	at := func(i int, s ...string) bool {
		if i >= len(w) {
			return false
		}
		for _, x := range s {
			if w[i] == x {
				return true
			}
		}
		return false
	}
	has := func(s string) bool { return slices.Contains(w, s) }
	switch {
	case len(w) == 0:
		return mgTraced
	case at(0, "begin", "start", "commit", "end") && !at(1, "prepared"),
		at(0, "rollback", "abort") && !has("to") && !at(1, "prepared"),
		at(0, "set") && at(1, "transaction"):
		return mgBoundary
	case at(0, "vacuum"),
		at(0, "create") && (at(1, "index") && at(2, "concurrently") || at(1, "unique") && at(2, "index") && at(3, "concurrently")),
		at(0, "drop") && at(1, "index") && at(2, "concurrently"),
		at(0, "reindex") && has("concurrently"),
		at(0, "alter") && has("detach") && w[len(w)-1] == "concurrently":
		return mgAlone
	case at(0, "create", "alter", "drop") && at(1, "role", "database", "tablespace", "subscription"),
		at(0, "create", "alter", "drop") && at(1, "user", "group") && !at(2, "mapping"),
		at(0, "alter") && at(1, "system"),
		at(0, "comment", "security") && at(slices.Index(w, "on")+1, "role", "database", "tablespace") && has("on"),
		at(0, "grant", "revoke") && !has("on"):
		return mgServerWide
	}
	return mgTraced
}
