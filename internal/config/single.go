package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
)

// Single builds a one-check checklist from `key=value` arguments, for `launchgate check`. Values
// are read as YAML, so lists ([a, b]) and maps ({k: v}) work; a bare argument without '=' fills
// the kind's positional parameter.
func Single(kindName string, args []string, timeout time.Duration, opts Options) (*Checklist, error) {
	k, ok := kind.Lookup(kindName)
	if !ok {
		hint := didYouMean(kindName, kind.KindNames())
		if hint == "" {
			hint = " (run `launchgate checks` to list them)"
		}
		return nil, Errors{{Msg: fmt.Sprintf("unknown check type %q%s", kindName, hint)}}
	}
	with, errs := singleWith(k, args)
	if len(errs) > 0 {
		return nil, errs
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	p := newParser("", &errs, opts)
	e := &Entry{ID: strings.ReplaceAll(strings.ReplaceAll(k.Name, ".", "-"), "_", "-"), Type: k.Name, Kind: k,
		Severity: Block, Timeout: timeout, Check: k.New()}
	p.expandTree(with, &expander{getenv: p.getenv, used: p.used, budget: &p.budget})
	if len(errs) == 0 {
		p.decodeWith(e, with, with, "check "+k.Name)
	}
	if min, why, short := tooShort(e); short && len(errs) == 0 {
		errs = append(errs, &Error{Msg: fmt.Sprintf("check %s: timeout %s is shorter than this check runs (%s = %s): give --check-timeout %s or more",
			k.Name, kind.FormatDuration(timeout), why, kind.FormatDuration(min), kind.FormatDuration(min))})
	}
	if len(errs) > 0 {
		return nil, p.maskErrors(errs)
	}
	e.Title = k.Title
	if t, ok := e.Check.(kind.Titler); ok {
		e.Title = t.Title()
	}
	cl := &Checklist{Name: "launchgate check " + k.Name, Version: 1, Timeout: timeout, Checks: []*Entry{e}, Secrets: p.secretValues()}
	return cl, nil
}

var paramName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// isParamName reports whether s looks like a parameter name rather than the start of a URL or DSN.
func isParamName(s string) bool { return paramName.MatchString(s) }

// singleWith turns `key=value` and bare arguments into the with: block of a check of kind k.
func singleWith(k kind.Kind, args []string) (*yaml.Node, Errors) {
	with := &yaml.Node{Kind: yaml.MappingNode}
	var errs Errors
	params := map[string]bool{}
	for _, p := range kind.Params(k.New()) {
		params[p.Name] = true
	}
	for _, a := range args {
		key, val, hasEq := strings.Cut(a, "=")
		// Only a known parameter name before '=' makes a key=value pair: URLs and DSNs carry '='
		// of their own (?sslmode=require, host=db password=…) and go to the positional parameter.
		if !hasEq || !params[key] {
			// A libpq-style DSN (host=db user=app …) is several key=value words in one argument.
			dsn := strings.Contains(a, " ") && strings.Count(a, "=") > 1
			switch {
			case hasEq && isParamName(key) && !dsn:
				errs = append(errs, &Error{Msg: fmt.Sprintf("unknown parameter %q for %s%s (see `launchgate explain %s`)",
					key, k.Name, didYouMean(key, kind.KindParamNames(k)), k.Name)})
				continue
			case k.Positional == "":
				errs = append(errs, &Error{Msg: fmt.Sprintf("argument %q: write parameters as key=value (see `launchgate explain %s`)", a, k.Name)})
				continue
			}
			key, val = k.Positional, a
		}
		var v yaml.Node
		if err := yaml.Unmarshal([]byte(val), &v); err != nil || len(v.Content) == 0 {
			v = yaml.Node{Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: val}}}
		}
		with.Content = append(with.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v.Content[0])
	}
	return with, errs
}
