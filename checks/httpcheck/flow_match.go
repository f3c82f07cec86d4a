package httpcheck

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/probe"
)

// FlowMatch is what an expected JSON value or header must be: a value (compared as http.health
// compares, without regard to case; it may use {{…}}), a regular expression between slashes, or
// {exists: true|false}.
type FlowMatch struct {
	want    Template
	pattern textPattern
	exists  *bool
}

// UnmarshalYAML reads a scalar, or a mapping with exists.
func (m *FlowMatch) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		if len(n.Content) != 2 || n.Content[0].Value != "exists" {
			return fmt.Errorf("expected a value, /regex/ or {exists: true}%s", nodePosition(n).at())
		}
		var b bool
		if err := n.Content[1].Decode(&b); err != nil {
			return fmt.Errorf("exists%s: expected true or false", nodePosition(n.Content[1]).at())
		}
		m.exists = &b
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected a value, /regex/ or {exists: true}, got %s", nodeKind(n))
	}
	v := n.Value
	if n.ShortTag() == "!!null" {
		v = "null"
	}
	if len(v) > 1 && strings.HasPrefix(v, "/") && strings.HasSuffix(v, "/") {
		p, err := parseTextPattern(v)
		if err != nil {
			return fmt.Errorf("%s%s", err, nodePosition(n).at())
		}
		m.pattern = p
		return nil
	}
	t, err := parseTemplate(v, textPosition(n))
	if err != nil {
		return err
	}
	m.want = t
	return nil
}

// JSONSchema: a scalar or {exists: boolean}.
func (FlowMatch) JSONSchema() map[string]any {
	return map[string]any{"anyOf": []any{
		map[string]any{"type": []any{"string", "number", "boolean", "null"}},
		map[string]any{"type": "object", "additionalProperties": false, "required": []any{"exists"},
			"properties": map[string]any{"exists": map[string]any{"type": "boolean"}}},
	}}
}

// ParamType names the syntax in `launchgate explain`.
func (FlowMatch) ParamType() string { return "expected value" }

// expected renders the value to compare with. A bare null in YAML reaches no unmarshaler
// (yaml.v3 leaves the zero value), so a match with nothing set stands for JSON null.
func (m FlowMatch) expected(sc *scope) (string, error) {
	if !m.want.IsSet() && m.pattern.re == nil && m.exists == nil {
		return "null", nil
	}
	return m.want.render(sc)
}

// check judges a value found (ok says whether it was there) and returns what was wrong, or "".
// want is the rendered expected value.
func (m FlowMatch) check(got string, ok bool, want string) string {
	switch {
	case m.exists != nil && *m.exists != ok && ok:
		return "is present, want it absent"
	case m.exists != nil && *m.exists != ok:
		return "is missing"
	case m.exists != nil:
		return ""
	case !ok:
		return "is missing"
	case m.pattern.re != nil && !m.pattern.re.MatchString(got):
		return fmt.Sprintf("is %s, want a match of %s", quoteValue(got), m.pattern.text)
	case m.pattern.re == nil && !sameJSONValue(got, want):
		return fmt.Sprintf("is %s, want %s", quoteValue(got), quoteValue(want))
	}
	return ""
}

func quoteValue(s string) string { return fmt.Sprintf("%q", s) }

// Capture says where a step finds a value to keep: a JSON path ($.token), a header
// ({header: Location}), or a regular expression's first group ({regex: 'code=(\w+)'}, over the
// body, or over a header when one is named).
type Capture struct {
	path     probe.JSONPath
	pathText string
	header   string
	re       *regexp.Regexp
	pos      position
}

// UnmarshalYAML reads a JSON path, or a mapping with json, header and regex.
func (c *Capture) UnmarshalYAML(n *yaml.Node) error {
	c.pos = nodePosition(n)
	if n.Kind == yaml.ScalarNode {
		return c.setPath(n.Value)
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("expected a JSON path ($.id) or {header: Location} or {regex: …}%s", c.pos.at())
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("capture %s%s: expected text", k, nodePosition(v).at())
		}
		var err error
		switch k {
		case "json":
			err = c.setPath(v.Value)
		case "header":
			c.header = http.CanonicalHeaderKey(strings.TrimSpace(v.Value))
			if !probe.ValidHeaderName(c.header) {
				err = fmt.Errorf("%q is not a header name", v.Value)
			}
		case "regex":
			c.re, err = regexp.Compile(v.Value)
			if err == nil && c.re.NumSubexp() > 1 {
				err = fmt.Errorf("regex %q has %d groups: the value is the first group, so keep one", v.Value, c.re.NumSubexp())
			}
		default:
			err = fmt.Errorf("unknown key %q (use json, header or regex)", k)
		}
		if err != nil {
			return fmt.Errorf("capture%s: %w", nodePosition(n.Content[i]).at(), err)
		}
	}
	if c.path != nil && (c.header != "" || c.re != nil) {
		return fmt.Errorf("capture%s: json takes no header or regex", c.pos.at())
	}
	if c.path == nil && c.header == "" && c.re == nil {
		return fmt.Errorf("capture%s: give json, header or regex", c.pos.at())
	}
	return nil
}

func (c *Capture) setPath(p string) error {
	path, err := probe.ParseJSONPath(strings.TrimSpace(p))
	if err != nil {
		return fmt.Errorf("capture%s: %w", c.pos.at(), err)
	}
	c.path, c.pathText = path, strings.TrimSpace(p)
	return nil
}

// JSONSchema: a path, or a mapping of json, header and regex.
func (Capture) JSONSchema() map[string]any {
	str := map[string]any{"type": "string"}
	return map[string]any{"anyOf": []any{str, map[string]any{
		"type": "object", "additionalProperties": false, "minProperties": 1,
		"properties": map[string]any{"json": str, "header": str, "regex": str},
	}}}
}

// ParamType names the syntax in `launchgate explain`.
func (Capture) ParamType() string { return "capture source" }

// source names where the value comes from, for messages and for telling a secret by its field.
func (c Capture) source() string {
	switch {
	case c.path != nil:
		return c.pathText
	case c.header != "" && c.re != nil:
		return fmt.Sprintf("header %s, regex %s", c.header, c.re)
	case c.header != "":
		return "header " + c.header
	}
	return "regex " + c.re.String()
}

// ReplayExpect is what a replay must give back: `same` (the same status and body as the first
// answer) or {status: [200, 409], same: [$.order_id]} (an accepted status, and the same values
// at those paths).
type ReplayExpect struct {
	same      bool
	status    StatusRanges
	paths     []probe.JSONPath
	pathTexts []string
}

// UnmarshalYAML reads `same` or a mapping with status and same.
func (r *ReplayExpect) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		if n.Value != "same" {
			return fmt.Errorf("expected same, or {status: …, same: [$.id]}, got %q", n.Value)
		}
		r.same = true
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("expected same, or {status: …, same: [$.id]}, got %s", nodeKind(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "status":
			if err := r.status.UnmarshalYAML(v); err != nil {
				return fmt.Errorf("status%s: %w", nodePosition(v).at(), err)
			}
		case "same":
			var list []string
			if err := v.Decode(&list); err != nil || len(list) == 0 {
				return fmt.Errorf("same%s: expected a list of JSON paths, e.g. [$.order_id]", nodePosition(v).at())
			}
			for _, p := range list {
				path, err := probe.ParseJSONPath(p)
				if err != nil {
					return fmt.Errorf("same%s: %w", nodePosition(v).at(), err)
				}
				r.paths, r.pathTexts = append(r.paths, path), append(r.pathTexts, p)
			}
		default:
			return fmt.Errorf("unknown key %q%s (use status and same)", k.Value, nodePosition(k).at())
		}
	}
	if len(r.status) == 0 || len(r.paths) == 0 {
		return fmt.Errorf("expected both status and same, e.g. {status: [200, 409], same: [$.order_id]}%s", nodePosition(n).at())
	}
	return nil
}

// JSONSchema: same, or a mapping of status and same.
func (ReplayExpect) JSONSchema() map[string]any {
	return map[string]any{"anyOf": []any{
		map[string]any{"const": "same"},
		map[string]any{"type": "object", "additionalProperties": false, "required": []any{"status", "same"},
			"properties": map[string]any{
				"status": StatusRanges{}.JSONSchema(),
				"same":   map[string]any{"type": "array", "minItems": 1, "items": map[string]any{"type": "string"}},
			}},
	}}
}

// ParamType names the syntax in `launchgate explain`.
func (ReplayExpect) ParamType() string { return "same or {status, same}" }

func (r ReplayExpect) isSet() bool { return r.same || len(r.paths) > 0 }
