package config

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
)

// decoder decodes YAML nodes into check structs strictly. yaml.v3 loses KnownFields(true) as soon
// as a type has its own UnmarshalYAML, so the walk over keys is ours: every key is matched
// against the struct's parameters, and every value is decoded on its own so that a mistake
// points at its own line and column.
type decoder struct {
	file string
	errs *Errors
	// secrets collects values of secret-looking parameters, for redaction.
	secrets *[]string
	refs    *secretRefs
	// unexpanded holds the scalars whose variables could not be expanded (already reported).
	unexpanded map[*yaml.Node]bool
}

// seenParam is a parameter found in a mapping.
type seenParam struct {
	key, val *yaml.Node
	// failed says the value was reported as wrong (or its variables could not be expanded).
	failed bool
}

var unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	e := &Error{File: d.file, Msg: d.refs.mask(n, fmt.Sprintf(format, args...))}
	if n != nil && d.file != "" {
		e.Line, e.Col = n.Line, n.Column
	}
	*d.errs = append(*d.errs, e)
}

// decodeStruct decodes mapping node n into the struct v points to. where names the block in
// messages (e.g. `check "api" with`). It returns the parameters it saw, by name.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, where string) map[string]seenParam {
	seen := map[string]seenParam{}
	if n == nil || n.Kind == 0 || isNull(n) {
		return seen
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s: expected a mapping of parameters, got %s", where, d.refs.describe(n))
		return seen
	}
	v = reflect.Indirect(v)
	params := kind.StructParams(v.Type())
	byName := map[string]kind.Param{}
	names := make([]string, len(params))
	for i, p := range params {
		byName[p.Name] = p
		names[i] = p.Name
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p, ok := byName[k.Value]
		if !ok {
			hint := didYouMean(k.Value, names)
			if hint == "" && len(names) > 0 {
				hint = " (known: " + strings.Join(names, ", ") + ")"
			}
			d.errorf(k, "%s: unknown parameter %q%s", where, k.Value, hint)
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			first := ""
			if prev.key.Line > 0 && d.file != "" {
				first = fmt.Sprintf(" (first on line %d)", prev.key.Line)
			}
			d.errorf(k, "%s: parameter %q is given twice%s", where, k.Value, first)
			continue
		}
		if d.secrets != nil && redact.IsSecretName(k.Value) && val.Kind == yaml.ScalarNode && !notASecret(val.Value) {
			*d.secrets = append(*d.secrets, val.Value)
		}
		before, unexpanded := len(*d.errs), d.anyUnexpanded(val)
		if !unexpanded {
			d.decodeValue(val, v.FieldByIndex(p.Index), where+": "+k.Value)
		}
		seen[k.Value] = seenParam{key: k, val: val, failed: unexpanded || len(*d.errs) > before}
	}
	return seen
}

// anyUnexpanded reports whether n or a value below it kept a variable reference that could not
// be expanded: decoding it would only report that mistake again, as a bad value.
func (d *decoder) anyUnexpanded(n *yaml.Node) bool {
	if d.unexpanded[n] {
		return true
	}
	for _, c := range n.Content {
		if d.anyUnexpanded(c) {
			return true
		}
	}
	return false
}

// decodeValue decodes one value, recursing into plain structs and lists of them so that their
// keys are checked as strictly as the top level.
func (d *decoder) decodeValue(n *yaml.Node, f reflect.Value, where string) {
	t := f.Type()
	if reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(unmarshalerType) {
		d.decodeLeaf(n, f, where)
		return
	}
	switch {
	case t.Kind() == reflect.Struct:
		d.requireAll(n, f.Addr(), d.decodeStruct(n, f.Addr(), where), where)
		return
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct && !t.Implements(unmarshalerType):
		if isNull(n) {
			return
		}
		p := reflect.New(t.Elem())
		d.requireAll(n, p, d.decodeStruct(n, p, where), where)
		f.Set(p)
		return
	case t.Kind() == reflect.Slice && isPlainStruct(t.Elem()):
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, "%s: expected a list, got %s", where, d.refs.describe(n))
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decodeValue(item, s.Index(i), fmt.Sprintf("%s[%d]", where, i))
		}
		f.Set(s)
		return
	}
	d.decodeLeaf(n, f, where)
}

// requireAll reports the required parameters of a nested object (a list item, say) that n lacks.
func (d *decoder) requireAll(n *yaml.Node, v reflect.Value, seen map[string]seenParam, where string) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for _, p := range kind.StructParams(reflect.Indirect(v).Type()) {
		if _, ok := seen[p.Name]; p.Required && !ok {
			d.errorf(n, "%s: missing required parameter %q", where, p.Name)
		}
	}
}

func isPlainStruct(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && !reflect.PointerTo(t).Implements(unmarshalerType)
}

func (d *decoder) decodeLeaf(n *yaml.Node, f reflect.Value, where string) {
	tmp := reflect.New(f.Type())
	tmp.Elem().Set(f)
	if err := n.Decode(tmp.Interface()); err != nil {
		d.errorf(n, "%s: %s", where, cleanDecodeError(err, f.Type(), d.refs.describe(n)))
		return
	}
	// .nan and .inf are YAML numbers, but every comparison with NaN is false: a threshold of
	// .nan would silently turn a check off.
	if v := tmp.Elem(); (v.Kind() == reflect.Float64 || v.Kind() == reflect.Float32) && (math.IsNaN(v.Float()) || math.IsInf(v.Float(), 0)) {
		d.errorf(n, "%s: expected a finite number, got %s", where, d.refs.describe(n))
		return
	}
	if d.secrets != nil && n.Kind == yaml.MappingNode {
		// Secret-looking keys inside a map parameter (headers: {Authorization: …}) hold secrets.
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k, v := n.Content[i], n.Content[i+1]; v.Kind == yaml.ScalarNode && redact.IsSecretName(k.Value) && !notASecret(v.Value) {
				*d.secrets = append(*d.secrets, v.Value)
				// "Bearer abc…": a server may echo just the credential.
				if _, cred, ok := strings.Cut(v.Value, " "); ok && !notASecret(cred) {
					*d.secrets = append(*d.secrets, cred)
				}
			}
		}
	}
	f.Set(tmp.Elem())
}

var yamlLinePrefix = regexp.MustCompile(`^(yaml: )?(unmarshal errors:\s*)?(line \d+: )?`)

// cleanDecodeError rewrites yaml.v3's "line 7: cannot unmarshal !!str `abc` into int" as
// "expected an integer, got "abc"", since the position is already in front of the message.
func cleanDecodeError(err error, t reflect.Type, got string) string {
	msg := err.Error()
	if strings.Contains(msg, "cannot unmarshal") {
		return fmt.Sprintf("expected %s, got %s", article(kind.TypeName(t)), got)
	}
	msg = yamlLinePrefix.ReplaceAllString(strings.TrimSpace(msg), "")
	return msg
}

func article(typeName string) string {
	switch typeName[0] {
	case 'a', 'e', 'i', 'o', 'u':
		return "an " + typeName
	}
	if strings.HasPrefix(typeName, "list") || strings.HasPrefix(typeName, "map") {
		return "a " + typeName
	}
	return "a " + typeName
}

// describeText describes a value for a message; text is the scalar's value as it may be shown.
func describeText(n *yaml.Node, text string) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		if len(text) > 40 {
			cut := 40
			for cut > 0 && !isRuneStart(text[cut]) {
				cut--
			}
			text = text[:cut] + "…"
		}
		return fmt.Sprintf("%q", text)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!null")
}

// flowTemplate is a value a flow fills in while it runs ({{token}}), or a JSON path it captures
// from ($.token): under a secret-looking name, it names where the secret will come from and is
// not one. The flow masks what it captures itself, at run time.
var flowTemplate = regexp.MustCompile(`^(?:[A-Za-z]+ )?(?:\{\{[^{}]*\}\}|\$[.\[][^\s]*)$`)

func notASecret(v string) bool { return flowTemplate.MatchString(strings.TrimSpace(v)) }
