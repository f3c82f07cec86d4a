package secretscheck

import (
	"bytes"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// mayMatch is false where the rule's expression cannot match in b at an offset before limit:
// where no occurrence of its lead there starts a match of its anchored expression. An
// expression that does not start with a literal tries every offset of a line; the anchored one
// tries only where the literal is.
func (r *Rule) mayMatch(b []byte, limit int) bool {
	if r.regexp(); r.fromLead == nil {
		return true
	}
	for i := 0; i < limit; {
		j := bytes.Index(b[i:], r.lead)
		if j < 0 || i+j >= limit {
			return false
		}
		if r.fromLead.Match(b[i+j:]) {
			return true
		}
		i += j + 1
	}
	return false
}

// anchoredLead returns the literal every match of expr starts with and expr anchored, when
// the assertions before the literal (\b, ^) hold at the start of any text that starts with it:
// then expr matches at an occurrence of the literal only if the anchored expression matches
// from there. It returns nil where there is no such literal; an expression that folds case is
// not looked at (it has none, and parsing it again would cost more than it saves).
func anchoredLead(expr string) ([]byte, *regexp.Regexp) {
	if strings.Contains(expr, "(?i") {
		return nil, nil
	}
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, nil
	}
	lit, before := leadingLiteral(re, nil)
	if lit == "" || strings.ContainsRune(lit, utf8.RuneError) {
		return nil, nil // an expression's U+FFFD also matches a byte that is not UTF-8
	}
	word := isWordByte(lit[0])
	for _, op := range before {
		switch {
		case op == syntax.OpBeginText, op == syntax.OpBeginLine, op == syntax.OpEmptyMatch,
			op == syntax.OpWordBoundary && word, op == syntax.OpNoWordBoundary && !word:
		default:
			return nil, nil
		}
	}
	return []byte(lit), regexp.MustCompile(`^(?:` + expr + `)`)
}

// leadingLiteral returns the case-sensitive literal that every match of re starts with ("" if
// none), and the empty-width assertions before it, added to before.
func leadingLiteral(re *syntax.Regexp, before []syntax.Op) (string, []syntax.Op) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return "", nil
		}
		return string(re.Rune), before
	case syntax.OpCapture:
		return leadingLiteral(re.Sub[0], before)
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			switch sub.Op {
			case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
				syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpEmptyMatch:
				before = append(before, sub.Op)
			default:
				return leadingLiteral(sub, before)
			}
		}
	}
	return "", nil
}
