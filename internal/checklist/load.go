package checklist

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/check"
	"github.com/launchgate/launchgate/internal/redact"
)

// Severity says whether a failing check closes the gate.
type Severity string

const (
	// Block closes the gate when the check fails or errors (the default).
	Block Severity = "block"
	// WarnOnly turns a failing check into a warning.
	WarnOnly Severity = "warn"
)

// DefaultTimeout is a check's deadline when neither the check nor the checklist sets one.
const DefaultTimeout = 10 * time.Second

// Checklist is a loaded, validated checklist.
type Checklist struct {
	Name    string
	File    string
	Version int
	Timeout time.Duration
	Checks  []*Entry
	// Secrets are values that must never be printed: expanded from secret-looking variables,
	// or given to secret-looking parameters.
	Secrets []string
}

// Entry is one check of a checklist, ready to run.
type Entry struct {
	ID       string
	Type     string
	Title    string
	Severity Severity
	Tags     []string
	Timeout  time.Duration
	NeedsEnv []string
	// Missing lists the needs_env variables that are unset; such a check is skipped.
	Missing []string
	// Serve lets `launchgate serve` run the check every interval although it sends traffic or
	// writes (load tests are refused even so).
	Serve bool
	// Line and Column locate the check in its file (0 when it did not come from a file).
	Line, Column int
	Kind         check.Kind
	Check        check.Check

	// templated holds, for the with: parameters whose values refer to variables, the value as
	// written (${API_URL}/healthz): a mistake in it is the variable's, and while a needs_env
	// variable is unset the value is a placeholder that Validate cannot judge.
	templated map[string]string
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Options controls loading.
type Options struct {
	// Getenv looks up variables for ${VAR} expansion; os.Getenv when nil.
	Getenv func(string) string
}

// LoadFile reads and parses a checklist file.
func LoadFile(path string, opts Options) (*Checklist, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Errors{{File: path, Msg: "cannot read checklist: " + unwrapPathError(err)}}
	}
	return Parse(path, data, opts)
}

func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

var topKeys = []string{"version", "name", "defaults", "checks"}
var checkKeys = []string{"id", "type", "title", "severity", "tags", "timeout", "needs_env", "serve", "with"}

// Parse parses checklist data; file names it in messages. Every mistake in the file is
// reported, as Errors, not just the first.
func Parse(file string, data []byte, opts Options) (*Checklist, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var errs Errors
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Errors{syntaxError(file, data, err)}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, Errors{{File: file, Msg: "the checklist is empty: start with `version: 1` and a `checks:` list (see `launchgate init`)"}}
	}
	root := doc.Content[0]
	p := &parser{file: file, errs: &errs, getenv: getenv, used: map[string]string{}}
	cl := p.parse(root)
	if len(errs) > 0 {
		return nil, errs.sorted()
	}
	cl.Secrets = p.secretValues()
	return cl, nil
}

// secretValues is what must never be printed: values of secret-looking variables that were
// expanded, and values given to secret-looking parameters.
func (p *parser) secretValues() []string {
	out := append([]string(nil), p.secrets...)
	for name, v := range p.used {
		if redact.IsSecretName(name) {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func syntaxError(file string, data []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: file, Msg: "invalid YAML: " + msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		// yaml.v3 counts a line past the end when the document stops mid-structure.
		e.Line, _ = strconv.Atoi(m[1])
		if last := strings.Count(string(data), "\n") + strings.Count(string(data), "\r") + 1; e.Line > last {
			e.Line = last
		}
		e.Msg = "invalid YAML: " + strings.TrimSpace(yamlLine.ReplaceAllString(msg, ""))
		e.Msg = strings.TrimSuffix(strings.ReplaceAll(e.Msg, ":  ", ": "), ":")
		e.Msg = strings.ReplaceAll(e.Msg, "invalid YAML: : ", "invalid YAML: ")
	}
	return e
}

type parser struct {
	file    string
	errs    *Errors
	getenv  func(string) string
	used    map[string]string
	secrets []string
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	e := &Error{File: p.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil && p.file != "" {
		e.Line, e.Col = n.Line, n.Column
	}
	*p.errs = append(*p.errs, e)
}

// fields checks a mapping's keys against the known ones and returns key and value nodes by name.
func (p *parser) fields(n *yaml.Node, known []string, where string) map[string][2]*yaml.Node {
	out := map[string][2]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s: expected a mapping, got %s", where, describe(n))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !contains(known, k.Value) {
			p.errorf(k, "%s: unknown field %q%s", where, k.Value, didYouMean(k.Value, known))
			continue
		}
		if prev, dup := out[k.Value]; dup {
			p.errorf(k, "%s: field %q is given twice (first on line %d)", where, k.Value, prev[0].Line)
			continue
		}
		out[k.Value] = [2]*yaml.Node{k, v}
	}
	return out
}

// expandTree substitutes variables in every scalar below n.
func (p *parser) expandTree(n *yaml.Node, x *expander) {
	switch n.Kind {
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return
		}
		v, err := x.expand(n.Value)
		if err != nil {
			p.errorf(n, "%v", err)
			return
		}
		n.Value = v
		if n.Style == 0 || n.Style == yaml.TaggedStyle {
			// Let YAML resolve the type of the expanded text, so ${PORT} can fill an integer.
			n.Tag = ""
		}
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			p.expandTree(n.Content[i], x)
		}
	default:
		for _, c := range n.Content {
			p.expandTree(c, x)
		}
	}
}

func (p *parser) parse(root *yaml.Node) *Checklist {
	cl := &Checklist{File: p.file, Timeout: DefaultTimeout}
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "a checklist is a mapping with version, name and checks; got %s", describe(root))
		return cl
	}
	top := p.fields(root, topKeys, "checklist")
	strict := &expander{getenv: p.getenv, used: p.used}
	for _, kv := range top {
		if kv[0].Value != "checks" {
			p.expandTree(kv[1], strict)
		}
	}
	if kv, ok := top["version"]; !ok {
		p.errorf(root, "checklist: missing `version: 1`")
	} else if kv[1].Value != "1" || kv[1].Kind != yaml.ScalarNode {
		p.errorf(kv[1], "version: unsupported checklist version %s (this launchgate reads version 1)", describe(kv[1]))
	} else {
		cl.Version = 1
	}
	if kv, ok := top["name"]; ok {
		if kv[1].Kind != yaml.ScalarNode {
			p.errorf(kv[1], "name: expected a string, got %s", describe(kv[1]))
		} else {
			cl.Name = kv[1].Value
		}
	}
	if kv, ok := top["defaults"]; ok {
		d := p.fields(kv[1], []string{"timeout"}, "defaults")
		if t, ok := d["timeout"]; ok {
			cl.Timeout = p.duration(t[1], "defaults: timeout")
		}
	}
	kv, ok := top["checks"]
	if !ok {
		p.errorf(root, "checklist: missing `checks:` (a list of checks)")
		return cl
	}
	if kv[1].Kind != yaml.SequenceNode {
		p.errorf(kv[1], "checks: expected a list of checks, got %s", describe(kv[1]))
		return cl
	}
	if len(kv[1].Content) == 0 {
		p.errorf(kv[1], "checks: the list is empty")
	}
	ids := map[string]*yaml.Node{}
	for i, n := range kv[1].Content {
		if e := p.entry(n, i, cl.Timeout, ids); e != nil {
			cl.Checks = append(cl.Checks, e)
		}
	}
	return cl
}

func (p *parser) duration(n *yaml.Node, where string) time.Duration {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "%s: expected a duration like 10s, got %s", where, describe(n))
		return 0
	}
	d, err := check.ParseDuration(n.Value)
	if err != nil {
		p.errorf(n, "%s: %v", where, err)
		return 0
	}
	if d <= 0 {
		p.errorf(n, "%s: must be greater than zero", where)
	}
	return d
}

func (p *parser) stringList(n *yaml.Node, where string) []string {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s: expected a list of strings, got %s", where, describe(n))
		return nil
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			p.errorf(c, "%s: expected a string, got %s", where, describe(c))
			continue
		}
		out = append(out, c.Value)
	}
	return out
}

func (p *parser) entry(n *yaml.Node, index int, defTimeout time.Duration, ids map[string]*yaml.Node) *Entry {
	where := fmt.Sprintf("checks[%d]", index)
	f := p.fields(n, checkKeys, where)
	if n.Kind != yaml.MappingNode {
		return nil
	}
	errsBefore := len(*p.errs)
	e := &Entry{Severity: Block, Timeout: defTimeout, Line: n.Line, Column: n.Column}
	if p.file == "" {
		e.Line, e.Column = 0, 0
	}
	// needs_env decides whether the rest may refer to unset variables.
	if kv, ok := f["needs_env"]; ok {
		e.NeedsEnv = p.stringList(kv[1], where+": needs_env")
		for _, v := range e.NeedsEnv {
			if p.getenv(v) == "" {
				e.Missing = append(e.Missing, v)
			}
		}
	}
	x := &expander{getenv: p.getenv, used: p.used, optional: map[string]bool{}}
	for _, v := range e.NeedsEnv {
		x.optional[v] = true
	}
	if kv, ok := f["with"]; ok && kv[1].Kind == yaml.MappingNode {
		e.templated = map[string]string{}
		for i := 0; i+1 < len(kv[1].Content); i += 2 {
			if v := kv[1].Content[i+1]; refersToVariables(v) {
				e.templated[kv[1].Content[i].Value] = templateText(v)
			}
		}
	}
	for name, kv := range f {
		if name != "needs_env" {
			p.expandTree(kv[1], x)
		}
	}

	if kv, ok := f["id"]; !ok {
		p.errorf(n, "%s: missing id", where)
	} else {
		e.ID = kv[1].Value
		switch {
		case !idPattern.MatchString(e.ID):
			p.errorf(kv[1], "%s: id %q must use only a-z, 0-9 and -", where, e.ID)
		case ids[e.ID] != nil:
			p.errorf(kv[1], "%s: duplicate id %q (first used on line %d)", where, e.ID, ids[e.ID].Line)
		default:
			ids[e.ID] = kv[1]
			where = fmt.Sprintf("check %q", e.ID)
		}
	}
	if kv, ok := f["type"]; !ok {
		p.errorf(n, "%s: missing type (run `launchgate checks` to list them)", where)
	} else if k, ok := check.Lookup(kv[1].Value); !ok {
		hint := didYouMean(kv[1].Value, check.KindNames())
		if hint == "" {
			hint = " (run `launchgate checks` to list them)"
		}
		p.errorf(kv[1], "%s: unknown check type %q%s", where, kv[1].Value, hint)
	} else {
		e.Type, e.Kind = k.Name, k
	}
	if kv, ok := f["title"]; ok {
		e.Title = kv[1].Value
	}
	if kv, ok := f["severity"]; ok {
		switch s := Severity(kv[1].Value); s {
		case Block, WarnOnly:
			e.Severity = s
		default:
			p.errorf(kv[1], "%s: severity must be block or warn, got %s%s", where, describe(kv[1]),
				didYouMean(kv[1].Value, []string{"block", "warn"}))
		}
	}
	if kv, ok := f["tags"]; ok {
		e.Tags = p.stringList(kv[1], where+": tags")
	}
	if kv, ok := f["timeout"]; ok {
		e.Timeout = p.duration(kv[1], where+": timeout")
	}
	if kv, ok := f["serve"]; ok && (kv[1].Kind != yaml.ScalarNode || kv[1].Decode(&e.Serve) != nil) {
		p.errorf(kv[1], "%s: serve must be true or false, got %s", where, describe(kv[1]))
	}
	if e.Kind.New == nil {
		return e
	}
	e.Check = e.Kind.New()
	withKey, withVal := n, (*yaml.Node)(nil)
	if kv, ok := f["with"]; ok {
		withKey, withVal = kv[0], kv[1]
	}
	p.decodeWith(e, withKey, withVal, where, len(*p.errs) > errsBefore)
	if e.Title == "" {
		e.Title = e.Kind.Title
		if t, ok := e.Check.(check.Titler); ok && len(e.Missing) == 0 {
			e.Title = t.Title()
		}
	}
	if len(*p.errs) > errsBefore {
		return nil
	}
	return e
}

// decodeWith decodes the with: block, enforces required parameters and runs Validate. A check
// whose needs_env variables are unset is still decoded and validated, so typos are caught, but
// what Validate says of values that came from variables is not reported: they are placeholders.
//
// hadErrors says whether the entry already has mistakes (a bad variable reference, say), in
// which case Validate would only report their consequences.
func (p *parser) decodeWith(e *Entry, withKey, withVal *yaml.Node, where string, hadErrors bool) {
	d := &decoder{file: p.file, errs: p.errs, secrets: &p.secrets}
	v := reflect.ValueOf(e.Check)
	before := len(*p.errs)
	seen := d.decodeStruct(withVal, v, where+": with")
	if withVal != nil && withVal.Kind != yaml.MappingNode && !isNull(withVal) {
		return
	}
	for _, prm := range check.Params(e.Check) {
		if prm.Required && seen[prm.Name] == nil {
			p.errorf(withKey, "%s: missing required parameter %q for %s", where, prm.Name, e.Type)
		}
	}
	if hadErrors || len(*p.errs) > before {
		return
	}
	val, ok := e.Check.(check.Validator)
	if !ok {
		return
	}
	err := val.Validate()
	if err == nil {
		return
	}
	// Validate may return several mistakes at once (errors.Join); each is reported at the line
	// of the parameter it blames.
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, err := range errs {
		var pe *check.ParamError
		blamed := errors.As(err, &pe)
		tmpl, fromVars := "", false
		if blamed {
			tmpl, fromVars = e.templated[pe.Param]
		}
		if len(e.Missing) > 0 && (!blamed || fromVars) {
			continue
		}
		at := withKey
		if blamed && seen[pe.Param] != nil {
			at = seen[pe.Param]
		}
		if fromVars {
			// The file may be the embedded default: name what the user can change.
			p.errorf(at, "%s: %v (the value comes from %s)", where, err, tmpl)
			continue
		}
		p.errorf(at, "%s: %v", where, err)
	}
}

// templateText is a value as written, for messages: a scalar's text, or its YAML otherwise.
func templateText(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	b, err := yaml.Marshal(n)
	if err != nil {
		return "variables"
	}
	return strings.TrimSpace(string(b))
}

// refersToVariables reports whether any scalar below n contains a ${VAR} reference.
func refersToVariables(n *yaml.Node) bool {
	if n.Kind == yaml.ScalarNode {
		return strings.Contains(n.Value, "${")
	}
	for _, c := range n.Content {
		if refersToVariables(c) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
