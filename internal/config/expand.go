package config

import (
	"fmt"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
)

// maxNesting bounds how deep ${A:-${B:-…}} defaults may nest. A few levels of fallback are all
// a checklist needs; the bound keeps a hostile file from driving the expander through
// thousands of levels.
const maxNesting = 16

// maxExpanded bounds the text that expansion may produce over a whole checklist, the same cap
// as the file itself: a thousand references to a large variable must not fill memory.
const maxExpanded = kind.MaxFileSize

// expander substitutes ${VAR} and ${VAR:-default} from the environment. $${ stands for a
// literal ${.
type expander struct {
	getenv func(string) string
	// optional names the variables that may be unset (they expand to ""): a check's needs_env
	// variables, whose absence makes it skip. Any other unset variable is a mistake.
	optional map[string]bool
	// used records the variables read and their values, so secret-looking ones can be redacted.
	used map[string]string
	// budget is what is left of maxExpanded, shared by every expander of one checklist.
	budget *int
}

// span is a part of an expanded value that holds a variable's value.
type span struct {
	start, end int
	name       string
}

func isVarStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isVarChar(c byte) bool  { return isVarStart(c) || (c >= '0' && c <= '9') }

// expand returns s with every reference substituted, and where in the result each variable's
// value went, so that messages can name the variable instead of printing its value.
//
// It reads s once, left to right: a default is parsed even when its variable is set (and
// then only checked, not substituted), so the cost stays linear in len(s) however the
// references nest.
func (x *expander) expand(s string) (string, []span, error) {
	if !strings.Contains(s, "${") {
		return s, nil, nil
	}
	e := &expansion{x: x, s: s}
	if _, err := e.text(0, 0, true); err != nil {
		return "", nil, err
	}
	return e.out.String(), e.spans, nil
}

// expansion is the state of one call to expand.
type expansion struct {
	x     *expander
	s     string
	out   strings.Builder
	spans []span
}

// text expands s from i up to its end or, inside a default (depth > 0), up to the } that
// closes the default, and returns the index of that }. With emit false it only checks.
func (e *expansion) text(i, depth int, emit bool) (int, error) {
	s := e.s
	// literal counts the $${ opened in this text, so that the } closing one stays literal too.
	literal := 0
	for i < len(s) {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			literal++
			if err := e.write(emit, "${"); err != nil {
				return 0, err
			}
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end, err := e.reference(i, depth+1, emit)
			if err != nil {
				return 0, err
			}
			i = end + 1
		case s[i] == '}' && literal > 0:
			literal--
			if err := e.write(emit, "}"); err != nil {
				return 0, err
			}
			i++
		case s[i] == '}' && depth > 0:
			return i, nil
		default:
			j := i + 1
			for j < len(s) && s[j] != '$' && s[j] != '}' {
				j++
			}
			if err := e.write(emit, s[i:j]); err != nil {
				return 0, err
			}
			i = j
		}
	}
	if depth > 0 {
		return 0, e.unterminated()
	}
	return i, nil
}

// reference expands the ${…} starting at i and returns the index of its closing }.
func (e *expansion) reference(i, depth int, emit bool) (int, error) {
	s := e.s
	if depth > maxNesting {
		return 0, fmt.Errorf("variable defaults nest more than %d levels deep in %s: use fewer fallbacks", maxNesting, quoteStart(s))
	}
	start := i + 2
	j := start
	for j < len(s) && isVarChar(s[j]) {
		j++
	}
	name := s[start:j]
	hasDef := strings.HasPrefix(s[j:], ":-")
	switch {
	case j == len(s):
		return 0, e.unterminated()
	case name == "" || !isVarStart(name[0]):
		return 0, fmt.Errorf("invalid variable reference %s: names start with a letter or _", e.body(i))
	case s[j] != '}' && !hasDef:
		return 0, fmt.Errorf("invalid variable reference %s: use ${NAME} or ${NAME:-default}", e.body(i))
	}
	v := ""
	if emit {
		v = e.x.getenv(name)
	}
	if !hasDef {
		if emit && v == "" && !e.x.optional[name] {
			return 0, fmt.Errorf("variable %s is not set (export it, give it with --var or --vars, or write ${%s:-default})", name, name)
		}
		return j, e.value(emit, name, v)
	}
	// The default is read either way, to find where it ends; it is written only when the
	// variable is unset.
	useDefault := emit && v == ""
	end, err := e.text(j+2, depth, useDefault)
	if err != nil {
		return 0, err
	}
	if useDefault {
		return end, nil
	}
	return end, e.value(emit, name, v)
}

// value writes a variable's value and records where it went.
func (e *expansion) value(emit bool, name, v string) error {
	if !emit || v == "" {
		return nil
	}
	if e.x.used != nil {
		e.x.used[name] = v
	}
	start := e.out.Len()
	if err := e.write(true, v); err != nil {
		return err
	}
	e.spans = append(e.spans, span{start: start, end: e.out.Len(), name: name})
	return nil
}

func (e *expansion) write(emit bool, text string) error {
	if !emit {
		return nil
	}
	if e.x.budget != nil {
		if *e.x.budget < len(text) {
			return fmt.Errorf("expanding variables makes the checklist larger than %d MiB", maxExpanded>>20)
		}
		*e.x.budget -= len(text)
	}
	e.out.WriteString(text)
	return nil
}

func (e *expansion) unterminated() error {
	return fmt.Errorf("unterminated ${ in %s: close it with }, or write $${ for a literal ${", quoteStart(e.s))
}

// body is the reference at i as written, up to its closing } (or the end of the text), for
// messages. It runs only on the way to an error, so its scan does not add up.
func (e *expansion) body(i int) string {
	depth := 0
	for j := i; j < len(e.s); j++ {
		switch {
		case strings.HasPrefix(e.s[j:], "${"):
			depth++
			j++
		case e.s[j] == '}':
			depth--
			if depth == 0 {
				return e.s[i : j+1]
			}
		}
	}
	return e.s[i:]
}

// quoteStart quotes s for a message, cut short: a mistake in a long value is found by its
// position, and the message must stay one readable line.
func quoteStart(s string) string {
	const max = 80
	if len(s) > max {
		cut := max
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q…", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
