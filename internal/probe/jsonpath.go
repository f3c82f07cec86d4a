package probe

import (
	"fmt"
	"strconv"
	"strings"
)

// JSONPath is a parsed path into a decoded JSON document.
type JSONPath []jsonStep

type jsonStep struct {
	key string
	// index is set for [0]. A key made of digits (the dotted form's checks.db.0) also addresses
	// an array element, as it always has.
	index   int
	byIndex bool
}

// ParseJSONPath reads a path in one of two forms. The dotted form http.health has always
// accepted: checks.db.0.status, split on dots, a number addressing an array element. Or the
// JSONPath subset flows write: $ for the document, .name for a member, [0] for an array element
// and ['a.b'] for a member whose name holds a dot. Filters, wildcards, slices and recursive
// descent are refused: a path picks one value, or it is a mistake to report when the checklist
// loads.
func ParseJSONPath(p string) (JSONPath, error) {
	if !isJSONPath(p) {
		if p == "" {
			return nil, fmt.Errorf("empty path: use $ for the whole document, or a path like $.user.id")
		}
		parts := strings.Split(p, ".")
		out := make(JSONPath, len(parts))
		for i, k := range parts {
			out[i] = jsonStep{key: k}
		}
		return out, nil
	}
	var out JSONPath
	for rest := p[1:]; rest != ""; {
		var s jsonStep
		var err error
		switch rest[0] {
		case '.':
			s, rest, err = memberStep(rest[1:])
		case '[':
			s, rest, err = bracketStep(rest[1:])
		default:
			err = fmt.Errorf("expected . or [ after %q", p[:len(p)-len(rest)])
		}
		if err != nil {
			return nil, fmt.Errorf("path %q: %w", p, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// isJSONPath tells the $ form from a dotted path whose first key happens to start with $.
func isJSONPath(p string) bool {
	return p == "$" || strings.HasPrefix(p, "$.") || strings.HasPrefix(p, "$[")
}

func memberStep(rest string) (jsonStep, string, error) {
	end := strings.IndexAny(rest, ".[")
	if end < 0 {
		end = len(rest)
	}
	name := rest[:end]
	switch {
	case name == "" && strings.HasPrefix(rest, "."):
		return jsonStep{}, "", fmt.Errorf("recursive descent (..) is not supported: write the full path")
	case name == "":
		return jsonStep{}, "", fmt.Errorf("a member name is missing after a dot")
	case name == "*":
		return jsonStep{}, "", fmt.Errorf("wildcards are not supported: a path picks one value")
	}
	return jsonStep{key: name}, rest[end:], nil
}

func bracketStep(rest string) (jsonStep, string, error) {
	if rest != "" && (rest[0] == '\'' || rest[0] == '"') {
		q := rest[0]
		end := strings.IndexByte(rest[1:], q)
		if end < 0 || !strings.HasPrefix(rest[end+2:], "]") {
			return jsonStep{}, "", fmt.Errorf("unterminated [%c…%c]", q, q)
		}
		return jsonStep{key: rest[1 : end+1]}, rest[end+3:], nil
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return jsonStep{}, "", fmt.Errorf("unterminated [")
	}
	inner := strings.TrimSpace(rest[:end])
	i, err := strconv.Atoi(inner)
	if err != nil || i < 0 || strings.HasPrefix(inner, "+") {
		return jsonStep{}, "", fmt.Errorf("[%s] is not supported: use an index ([0]) or a quoted name (['a.b']); filters, wildcards and slices are not", inner)
	}
	return jsonStep{index: i, byIndex: true}, rest[end+1:], nil
}

// Lookup follows the path through the maps and arrays of a decoded JSON document.
func (p JSONPath) Lookup(doc any) (any, bool) {
	cur := doc
	for _, s := range p {
		switch v := cur.(type) {
		case map[string]any:
			if s.byIndex {
				return nil, false
			}
			next, ok := v[s.key]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i := s.index
			if !s.byIndex {
				n, err := strconv.Atoi(s.key)
				if err != nil {
					return nil, false
				}
				i = n
			}
			if i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// LookupJSON follows a path (either form ParseJSONPath reads) through a decoded JSON document.
// A path that does not parse finds nothing.
func LookupJSON(doc any, path string) (any, bool) {
	p, err := ParseJSONPath(path)
	if err != nil {
		return nil, false
	}
	return p.Lookup(doc)
}

// Remove returns doc without the value at the path: a member is deleted, an array element
// becomes null (so that the indices of the others stay). doc is changed in place; the path $
// removes the whole document (nil).
func (p JSONPath) Remove(doc any) any {
	if len(p) == 0 {
		return nil
	}
	parent, ok := p[:len(p)-1].Lookup(doc)
	if !ok {
		return doc
	}
	last := p[len(p)-1]
	switch v := parent.(type) {
	case map[string]any:
		if !last.byIndex {
			delete(v, last.key)
		}
	case []any:
		i := last.index
		if !last.byIndex {
			n, err := strconv.Atoi(last.key)
			if err != nil {
				return doc
			}
			i = n
		}
		if i >= 0 && i < len(v) {
			v[i] = nil
		}
	}
	return doc
}
