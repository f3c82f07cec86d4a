package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
)

// Variables fill ${VAR} references from four places. The first that holds a non-empty value
// wins, in this order:
//
//  1. --var NAME=VALUE on the command line;
//  2. --vars FILE (a later file wins over an earlier one);
//  3. the process environment;
//  4. the checklist's vars: (an including file wins over the files it includes).
//
// An empty value counts as unset everywhere, as it always has for the environment, so it never
// hides a value below it. Options.Vars holds the first two, already layered by the caller.

// lookup returns the variable lookup of a load: Options.Vars over the environment over
// defaults (the checklist's vars:, nil while they are not known).
func (o Options) lookup(defaults map[string]string) func(string) string {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	return func(name string) string {
		if v := o.Vars[name]; v != "" {
			return v
		}
		if v := getenv(name); v != "" {
			return v
		}
		return defaults[name]
	}
}

// ReadVarsFile reads a --vars file: a YAML mapping of variable names to values. Values are taken
// as written (ports and booleans as their text); a list, a mapping or nothing is a mistake,
// reported at its file:line:col. No message quotes a value: a vars file holds passwords.
func ReadVarsFile(path string) (map[string]string, error) {
	data, err := kind.ReadSmallFile(path, kind.MaxFileSize)
	if err != nil {
		return nil, Errors{{File: path, Msg: "cannot read vars file: " + unwrapPathError(err)}}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, Errors{syntaxError(path, data, err)}
	}
	if e := extraDocument(path, data, dec); e != nil {
		return nil, Errors{e}
	}
	out := map[string]string{}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return out, nil
	}
	var errs Errors
	at := func(n *yaml.Node, format string, args ...any) {
		errs = append(errs, &Error{File: path, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)})
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		at(root, "a vars file is a mapping of variable names to values (API_URL: https://…), got %s", kindOf(root))
		return nil, errs
	}
	lines := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode || !isVarName(k.Value):
			at(k, "%s is not a variable name (letters, digits and _, not starting with a digit)", describeText(k, k.Value))
		case lines[k.Value] > 0:
			at(k, "%s is given twice (first on line %d)", k.Value, lines[k.Value])
		case v.Kind != yaml.ScalarNode || isNull(v):
			at(v, "%s: expected a value (a string, number or boolean), got %s", k.Value, kindOf(v))
		default:
			lines[k.Value] = k.Line
			out[k.Value] = v.Value
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// kindOf names the shape of a value without quoting it.
func kindOf(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		return "a string"
	}
	return describeText(n, "")
}

// ParseVarFlag reads a --var argument, NAME=VALUE. The error never quotes the argument: what was
// meant as NAME=VALUE may be a bare password.
func ParseVarFlag(arg string) (name, value string, err error) {
	name, value, ok := strings.Cut(arg, "=")
	switch {
	case !ok:
		return "", "", errors.New("--var: expected NAME=VALUE, got an argument without =")
	case !isVarName(name):
		return "", "", fmt.Errorf("--var: %q is not a variable name (letters, digits and _, not starting with a digit)", name)
	}
	return name, value, nil
}

// varDef is a value of a checklist's vars:, with where it was written.
type varDef struct {
	value string
	file  string
	node  *yaml.Node
}

// readVars reads a file's vars: mapping. Its values are literal: a ${ in one is reported, since
// a default that refers to another variable would only ever be substituted as text.
func (p *parser) readVars(n *yaml.Node) map[string]varDef {
	out := map[string]varDef{}
	if n.Kind != yaml.MappingNode {
		if !isNull(n) {
			p.errorf(n, "vars: expected a mapping of variable names to values, got %s", p.refs.describe(n))
		}
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode || !isVarName(k.Value):
			p.errorf(k, "vars: %s is not a variable name (letters, digits and _, not starting with a digit)", describeText(k, k.Value))
		case out[k.Value].node != nil:
			p.errorf(k, "vars: %s is given twice (first on line %d)", k.Value, out[k.Value].node.Line)
		case v.Kind != yaml.ScalarNode || isNull(v):
			p.errorf(v, "vars: %s: expected a value (a string, number or boolean), got %s", k.Value, kindOf(v))
		case strings.Contains(v.Value, "${"):
			p.errorf(v, "vars: %s: a value is literal text and cannot refer to other variables", k.Value)
		default:
			out[k.Value] = varDef{value: v.Value, file: p.file, node: k}
		}
	}
	return out
}
