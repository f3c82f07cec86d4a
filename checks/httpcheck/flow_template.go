package httpcheck

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
)

// Template is a flow value whose {{…}} parts are filled in while the flow runs: a variable (a
// let: value or a captured one) or a function (uuid, random N, now, unix). ${…} is another
// matter: the loader fills it in from the environment before the flow ever sees the text.
type Template struct {
	raw   string
	parts []tmplPart
	pos   position
	set   bool
}

type tmplPart struct {
	lit  string
	fn   string // a function's name; empty for a literal or a variable
	arg  int    // random's N
	name string // a variable's name
	pos  position
}

// position is where something was written in the checklist, for messages; zero when unknown.
type position struct{ line, col int }

func (p position) String() string {
	if p.line == 0 {
		return ""
	}
	return fmt.Sprintf("line %d, column %d", p.line, p.col)
}

// at is " (line 3, column 9)" for a message, or nothing when the position is unknown.
func (p position) at() string {
	if p.line == 0 {
		return ""
	}
	return " (" + p.String() + ")"
}

// flowFuncs are the template functions, with the number of arguments each takes.
var flowFuncs = map[string]int{"uuid": 0, "random": 1, "now": 0, "unix": 0}

// maxRandom bounds random N: a password or a name, not a payload.
const maxRandom = 1024

func flowFuncNames() []string {
	names := make([]string, 0, len(flowFuncs))
	for n := range flowFuncs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// UnmarshalYAML parses a scalar's text; a mistake in a {{…}} part is a load error.
func (t *Template) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected text, got %s", nodeKind(n))
	}
	v := n.Value
	if n.ShortTag() == "!!null" {
		v = ""
	}
	p, err := parseTemplate(v, textPosition(n))
	if err != nil {
		return err
	}
	*t = p
	return nil
}

// JSONSchema: any scalar (YAML reads `status: 200` as text here).
func (Template) JSONSchema() map[string]any {
	return map[string]any{"type": []any{"string", "number", "boolean"}}
}

// ParamType names the syntax in `launchgate explain`.
func (Template) ParamType() string { return "template" }

// IsSet reports whether the checklist wrote a value.
func (t Template) IsSet() bool { return t.set }

func nodePosition(n *yaml.Node) position { return position{n.Line, n.Column} }

// textPosition is where a scalar's text starts: after its opening quote, if it has one.
func textPosition(n *yaml.Node) position {
	p := nodePosition(n)
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		p.col++
	}
	return p
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a value"
}

// parseTemplate splits text into literals, variables and function calls. at is where the text
// starts in the checklist: for text on one line, each {{ is located exactly.
func parseTemplate(s string, at position) (Template, error) {
	t := Template{raw: s, pos: at, set: true}
	for rest, off := s, 0; rest != ""; {
		i := strings.Index(rest, "{{")
		if i < 0 {
			t.parts = append(t.parts, tmplPart{lit: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, tmplPart{lit: rest[:i]})
		}
		ppos := partPosition(s, off+i, at)
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			return Template{}, fmt.Errorf("unterminated {{ in %q%s: close it with }}", clipTemplate(s), ppos.at())
		}
		part, err := parseAction(strings.TrimSpace(rest[i+2:i+2+j]), ppos)
		if err != nil {
			return Template{}, err
		}
		t.parts = append(t.parts, part)
		off += i + 2 + j + 2
		rest = rest[i+2+j+2:]
	}
	return t, nil
}

// partPosition is where byte offset off of s sits, when s was written on one line (in
// quotes, the quote comes first); otherwise where s starts.
func partPosition(s string, off int, at position) position {
	if at.line == 0 || strings.ContainsAny(s, "\n\\") {
		return at
	}
	return position{at.line, at.col + utf8.RuneCountInString(s[:off])}
}

func parseAction(inner string, at position) (tmplPart, error) {
	fields := strings.Fields(inner)
	if len(fields) == 0 {
		return tmplPart{}, fmt.Errorf("empty {{}}%s: write a variable or a function (%s)", at.at(), strings.Join(flowFuncNames(), ", "))
	}
	name, args := fields[0], fields[1:]
	arity, isFunc := flowFuncs[name]
	switch {
	case isFunc && len(args) != arity && arity == 0:
		return tmplPart{}, fmt.Errorf("{{%s}}%s: %s takes no argument", inner, at.at(), name)
	case isFunc && len(args) != arity:
		return tmplPart{}, fmt.Errorf("{{%s}}%s: write {{random N}}, N the number of characters", inner, at.at())
	case isFunc && name == "random":
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 1 || n > maxRandom {
			return tmplPart{}, fmt.Errorf("{{%s}}%s: N must be a whole number from 1 to %d", inner, at.at(), maxRandom)
		}
		return tmplPart{fn: name, arg: n, pos: at}, nil
	case isFunc:
		return tmplPart{fn: name, pos: at}, nil
	case len(args) > 0:
		hint := ""
		if s := kind.Suggest(name, flowFuncNames()); s != "" {
			hint = fmt.Sprintf(" (did you mean %s?)", s)
		}
		return tmplPart{}, fmt.Errorf("unknown template function %q in {{%s}}%s%s; the functions are %s", name, inner, at.at(), hint, strings.Join(flowFuncNames(), ", "))
	case !isIdentifier(name):
		return tmplPart{}, fmt.Errorf("{{%s}}%s is neither a variable nor a function: names are letters, digits and _", inner, at.at())
	}
	return tmplPart{name: name, pos: at}, nil
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r == '_' || (r|0x20 >= 'a' && r|0x20 <= 'z')
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}

func clipTemplate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// varRef is a variable a template uses, and where.
type varRef struct {
	name string
	pos  position
}

func (t Template) vars() []varRef {
	var out []varRef
	for _, p := range t.parts {
		if p.name != "" {
			out = append(out, varRef{p.name, p.pos})
		}
	}
	return out
}

// literal reports whether the template has no {{…}} part, and so is known at load time.
func (t Template) literal() bool {
	for _, p := range t.parts {
		if p.lit == "" {
			return false
		}
	}
	return true
}

// render fills in the template. A variable the flow has not captured (the step that captures it
// failed) is an error naming it.
func (t Template) render(sc *scope) (string, error) {
	if len(t.parts) == 1 && t.parts[0].fn == "" && t.parts[0].name == "" {
		return t.parts[0].lit, nil
	}
	var b strings.Builder
	for _, p := range t.parts {
		switch {
		case p.name != "":
			v, ok := sc.get(p.name)
			if !ok {
				return "", &uncapturedError{name: p.name}
			}
			b.WriteString(v)
		case p.fn != "":
			b.WriteString(sc.call(p.fn, p.arg))
		default:
			b.WriteString(p.lit)
		}
	}
	return b.String(), nil
}

type uncapturedError struct{ name string }

func (e *uncapturedError) Error() string {
	return fmt.Sprintf("%s was never captured", e.name)
}

// scope holds a run's variables: let: values, computed once when the run starts, and captured
// values as the steps capture them (from parallel calls at the same time).
type scope struct {
	mu   sync.RWMutex
	vals map[string]string
	now  func() time.Time
}

func newScope(now func() time.Time) *scope {
	return &scope{vals: map[string]string{}, now: now}
}

func (s *scope) get(name string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.vals[name]
	return v, ok
}

func (s *scope) set(name, v string) {
	s.mu.Lock()
	s.vals[name] = v
	s.mu.Unlock()
}

func (s *scope) call(fn string, arg int) string {
	switch fn {
	case "uuid":
		return newUUID()
	case "random":
		return randomString(arg)
	case "now":
		return s.now().UTC().Format(time.RFC3339)
	case "unix":
		return strconv.FormatInt(s.now().Unix(), 10)
	}
	return ""
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

const randomAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int) string {
	out := make([]byte, n)
	max := big.NewInt(int64(len(randomAlphabet)))
	for i := range out {
		k, _ := rand.Int(rand.Reader, max)
		out[i] = randomAlphabet[k.Int64()]
	}
	return string(out)
}

// Lets are the flow's own values, in the order written: each may use the functions and the
// values above it, and each is computed once per run.
type Lets struct {
	names  []string
	values []Template
}

// UnmarshalYAML reads a mapping of names to templates, keeping its order.
func (l *Lets) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("expected a mapping of names to values, got %s", nodeKind(n))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		at := nodePosition(k)
		switch {
		case !isIdentifier(k.Value):
			return fmt.Errorf("%q%s is not a variable name: use letters, digits and _", k.Value, at.at())
		case isFuncName(k.Value):
			return fmt.Errorf("%q%s is the name of a template function: choose another name", k.Value, at.at())
		case seen[k.Value]:
			return fmt.Errorf("%q%s is given twice", k.Value, at.at())
		}
		seen[k.Value] = true
		var t Template
		if err := t.UnmarshalYAML(v); err != nil {
			return fmt.Errorf("%s: %w", k.Value, err)
		}
		l.names = append(l.names, k.Value)
		l.values = append(l.values, t)
	}
	return nil
}

func isFuncName(s string) bool {
	_, ok := flowFuncs[s]
	return ok
}

// JSONSchema: a mapping of names to scalars.
func (Lets) JSONSchema() map[string]any {
	return map[string]any{"type": "object", "additionalProperties": Template{}.JSONSchema()}
}

// ParamType names the syntax in `launchgate explain`.
func (Lets) ParamType() string { return "map of names to templates" }

// JSONBody is a request body written as YAML and sent as JSON; its strings may hold {{…}}.
type JSONBody struct {
	root *jsonValue
}

type jsonValue struct {
	text  *Template
	plain any // a number, a boolean or null
	obj   map[string]*jsonValue
	arr   []*jsonValue
	isArr bool
}

// UnmarshalYAML reads any YAML value; keys must be text, as JSON's are.
func (b *JSONBody) UnmarshalYAML(n *yaml.Node) error {
	v, err := readJSONValue(n, 0)
	if err != nil {
		return err
	}
	b.root = v
	return nil
}

// JSONSchema: any value.
func (JSONBody) JSONSchema() map[string]any { return map[string]any{} }

// ParamType names the syntax in `launchgate explain`.
func (JSONBody) ParamType() string { return "any value (sent as JSON)" }

// IsSet reports whether the checklist wrote a JSON body.
func (b JSONBody) IsSet() bool { return b.root != nil }

// maxJSONDepth stops a YAML alias bomb or an absurdly nested body at load time.
const maxJSONDepth = 64

func readJSONValue(n *yaml.Node, depth int) (*jsonValue, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("json body nested deeper than %d levels", maxJSONDepth)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return readJSONValue(n.Alias, depth+1)
	case yaml.MappingNode:
		v := &jsonValue{obj: map[string]*jsonValue{}}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("json body%s: keys must be text", nodePosition(k).at())
			}
			c, err := readJSONValue(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			v.obj[k.Value] = c
		}
		return v, nil
	case yaml.SequenceNode:
		v := &jsonValue{isArr: true, arr: []*jsonValue{}}
		for _, c := range n.Content {
			cv, err := readJSONValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			v.arr = append(v.arr, cv)
		}
		return v, nil
	}
	switch n.ShortTag() {
	case "!!str", "!!binary", "!!timestamp":
		t, err := parseTemplate(n.Value, textPosition(n))
		if err != nil {
			return nil, err
		}
		return &jsonValue{text: &t}, nil
	}
	var plain any
	if err := n.Decode(&plain); err != nil {
		return nil, err
	}
	if f, ok := plain.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return nil, fmt.Errorf("json body%s: %s is not a JSON number", nodePosition(n).at(), n.Value)
	}
	return &jsonValue{plain: plain}, nil
}

func (v *jsonValue) templates(out []Template) []Template {
	switch {
	case v.text != nil:
		return append(out, *v.text)
	case v.obj != nil:
		for _, k := range slices.Sorted(maps.Keys(v.obj)) {
			out = v.obj[k].templates(out)
		}
	case v.isArr:
		for _, c := range v.arr {
			out = c.templates(out)
		}
	}
	return out
}

func (v *jsonValue) render(sc *scope) (any, error) {
	switch {
	case v.text != nil:
		return v.text.render(sc)
	case v.obj != nil:
		out := make(map[string]any, len(v.obj))
		for k, c := range v.obj {
			r, err := c.render(sc)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case v.isArr:
		out := make([]any, len(v.arr))
		for i, c := range v.arr {
			r, err := c.render(sc)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v.plain, nil
}

func (b JSONBody) render(sc *scope) ([]byte, error) {
	v, err := b.root.render(sc)
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cannot send the json body: %w", err)
	}
	return out, nil
}
