package httpcheck

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// StatusRanges is a set of accepted HTTP status codes, written as 200, "2xx", "200-299" or a list
// of those.
type StatusRanges []statusRange

type statusRange struct{ lo, hi int }

// ParseStatusRanges reads a comma-separated list of codes, classes (2xx) and ranges (200-299).
func ParseStatusRanges(s string) (StatusRanges, error) {
	var out StatusRanges
	for _, part := range strings.Split(s, ",") {
		r, err := parseStatusRange(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func parseStatusRange(s string) (statusRange, error) {
	bad := fmt.Errorf("invalid status %q: use a code (200), a class (2xx) or a range (200-299)", s)
	if len(s) == 3 && strings.HasSuffix(strings.ToLower(s), "xx") && s[0] >= '1' && s[0] <= '5' {
		c := int(s[0]-'0') * 100
		return statusRange{c, c + 99}, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := strconv.Atoi(strings.TrimSpace(lo))
	if err != nil {
		return statusRange{}, bad
	}
	b := a
	if isRange {
		if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil {
			return statusRange{}, bad
		}
	}
	if a < 100 || b > 599 || a > b {
		return statusRange{}, bad
	}
	return statusRange{a, b}, nil
}

// UnmarshalYAML accepts a scalar or a list of scalars.
func (s *StatusRanges) UnmarshalYAML(n *yaml.Node) error {
	var parts []string
	switch n.Kind {
	case yaml.ScalarNode:
		parts = []string{n.Value}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return fmt.Errorf("expected status codes like 200, 2xx or 200-299")
			}
			parts = append(parts, c.Value)
		}
	default:
		return fmt.Errorf("expected status codes like 200, 2xx or 200-299")
	}
	r, err := ParseStatusRanges(strings.Join(parts, ","))
	if err != nil {
		return err
	}
	*s = r
	return nil
}

// ParamType names the syntax in `launchgate explain`.
func (StatusRanges) ParamType() string { return "status codes" }

// Contains reports whether code is accepted.
func (s StatusRanges) Contains(code int) bool {
	for _, r := range s {
		if code >= r.lo && code <= r.hi {
			return true
		}
	}
	return false
}

func (s StatusRanges) String() string {
	parts := make([]string, len(s))
	for i, r := range s {
		switch {
		case r.lo == r.hi:
			parts[i] = strconv.Itoa(r.lo)
		case r.lo%100 == 0 && r.hi == r.lo+99:
			parts[i] = fmt.Sprintf("%dxx", r.lo/100)
		default:
			parts[i] = fmt.Sprintf("%d-%d", r.lo, r.hi)
		}
	}
	return strings.Join(parts, ", ")
}

// JSONSchema describes the accepted forms for the checklist schema.
func (StatusRanges) JSONSchema() map[string]any {
	one := map[string]any{"oneOf": []any{
		map[string]any{"type": "integer", "minimum": 100, "maximum": 599},
		map[string]any{"type": "string", "pattern": `^\s*([1-5]xx|[1-5][0-9][0-9](\s*-\s*[1-5][0-9][0-9])?)(\s*,\s*([1-5]xx|[1-5][0-9][0-9](\s*-\s*[1-5][0-9][0-9])?))*\s*$`},
	}}
	return map[string]any{
		"description": "Status codes: a code (200), a class (2xx), a range (200-299), or a list of those.",
		"oneOf":       []any{one, map[string]any{"type": "array", "items": one, "minItems": 1}},
	}
}
