package config

import (
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
)

// maxIncludedFiles bounds how many files one checklist reads through include:, directly or
// not. A real checklist includes a handful; each file costs a read of up to kind.MaxFileSize.
const maxIncludedFiles = 100

// unit is one file of a checklist: the file launchgate was given, or one it includes.
type unit struct {
	// file names it in messages; path is where it was read from ("" for standard input and
	// data given to Parse); dir is what its includes resolve against ("" for the working
	// directory); id is the file's identity on disk, for cycles.
	file, path, dir, id string
	root                *yaml.Node
	top                 map[string][2]*yaml.Node
	vars                map[string]varDef
	policy              map[string]setting
	includes            []*unit
	// timeout is defaults.timeout of this file: it applies to the checks written in it.
	timeout time.Duration
}

// entryDir is what relative paths in the file's checks resolve against (see Entry.Dir).
func (u *unit) entryDir() string {
	if u.path == "" {
		return ""
	}
	return filepath.Dir(u.path)
}

// setting is one policy key as a file sets it.
type setting struct {
	val  *yaml.Node
	file string
}

// open reads a file's top-level fields, vars: and policy:, and reports whether it is a mapping
// at all.
func (p *parser) open(u *unit) bool {
	p.file = u.file
	p.files = append(p.files, u.file)
	if u.root.Kind != yaml.MappingNode {
		p.errorf(u.root, "a checklist is a mapping with version, name and checks; got %s", p.refs.describe(u.root))
		return false
	}
	u.top = p.fields(u.root, topKeys, "checklist")
	if kv, ok := u.top["vars"]; ok {
		u.vars = p.readVars(kv[1])
	}
	u.policy = map[string]setting{}
	if kv, ok := u.top["policy"]; ok {
		for k, kv := range p.fields(kv[1], policyKeys, "policy") {
			u.policy[k] = setting{val: kv[1], file: u.file}
		}
	}
	return true
}

// include reads the files u includes, and theirs, depth first. chain is the files that lead
// to u, u last: a file among them included again is a cycle. A file reached a second time by
// another path (two files sharing a base) is read once, where it is first included.
func (p *parser) include(u *unit, chain []*unit) {
	kv, ok := u.top["include"]
	if !ok {
		return
	}
	p.file = u.file
	items := kv[1].Content
	if kv[1].Kind == yaml.ScalarNode && !isNull(kv[1]) {
		items = []*yaml.Node{kv[1]}
	} else if kv[1].Kind != yaml.SequenceNode {
		p.errorf(kv[1], "include: expected a list of checklist files, got %s", p.refs.describe(kv[1]))
		return
	}
	for _, n := range items {
		child := p.includeOne(u, n, chain)
		if child == nil {
			continue
		}
		u.includes = append(u.includes, child)
		p.include(child, append(chain, child))
		p.file = u.file
	}
}

// includeOne reads the file that n names, included by u, or reports why it cannot.
func (p *parser) includeOne(u *unit, n *yaml.Node, chain []*unit) *unit {
	p.file = u.file
	switch {
	case n.Kind != yaml.ScalarNode || strings.TrimSpace(n.Value) == "":
		p.errorf(n, "include: expected the path of a checklist file, got %s", p.refs.describe(n))
		return nil
	case strings.Contains(n.Value, "${"):
		p.errorf(n, "include: %q: paths are not expanded: choose an environment with --vars, not with the files a checklist includes", n.Value)
		return nil
	}
	path := n.Value
	if !filepath.IsAbs(path) {
		path = filepath.Join(u.dir, path)
	}
	id, err := fileID(path)
	switch {
	case err != nil:
		p.errorf(n, "include: cannot read %s: %s", path, unwrapPathError(err))
		return nil
	case p.cycle(n, id, chain) || p.loaded[id]:
		return nil
	case len(p.loaded) > maxIncludedFiles:
		p.errorf(n, "include: more than %d files included: a checklist includes a handful", maxIncludedFiles)
		return nil
	}
	p.loaded[id] = true
	data, err := kind.ReadSmallFile(path, kind.MaxFileSize)
	if err != nil {
		p.errorf(n, "include: cannot read %s: %s", path, unwrapPathError(err))
		return nil
	}
	root, e := readDocument(path, data)
	if e != nil {
		p.files = append(p.files, path)
		*p.errs = append(*p.errs, e)
		return nil
	}
	child := &unit{file: path, path: path, dir: filepath.Dir(path), id: id, root: root}
	if !p.open(child) {
		return nil
	}
	return child
}

// cycle reports, at n, an include of id by the last file of chain when id is already in the
// chain: the file itself, or one that leads to it.
func (p *parser) cycle(n *yaml.Node, id string, chain []*unit) bool {
	for i, c := range chain {
		if c.id != id {
			continue
		}
		if i == len(chain)-1 {
			p.errorf(n, "include: %s includes itself", c.file)
			return true
		}
		names := []string{}
		for _, l := range chain[i:] {
			names = append(names, l.file)
		}
		p.errorf(n, "include: a cycle: %s -> %s", strings.Join(names, " -> "), c.file)
		return true
	}
	return false
}

// fileID is a file's identity: its absolute path with symbolic links resolved, so that a cycle
// through a link is still a cycle.
func fileID(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// postOrder lists u's files, each included file before the file that includes it.
func postOrder(u *unit, out []*unit) []*unit {
	for _, c := range u.includes {
		out = postOrder(c, out)
	}
	return append(out, u)
}

// mergedVars are the defaults u's vars: give, over those of the files it includes: each
// include's in order, a later include winning over an earlier one, and u's own over all.
func mergedVars(u *unit) map[string]string {
	out := map[string]string{}
	for _, c := range u.includes {
		for k, v := range mergedVars(c) {
			out[k] = v
		}
	}
	for k, v := range u.vars {
		out[k] = v.value
	}
	return out
}

// mergedPolicy is the policy u and the files it includes set, key by key: u's own setting wins.
// Two included files that set a key differently, when u does not settle it, are a mistake:
// which of two guardrails applies must not depend on the order of an include: list.
func (p *parser) mergedPolicy(u *unit) map[string]setting {
	out := map[string]setting{}
	for _, c := range u.includes {
		for k, s := range p.mergedPolicy(c) {
			prev, set := out[k]
			if _, own := u.policy[k]; set && !own && prev.val.Value != s.val.Value {
				p.file = s.file
				p.errorf(s.val, "policy: %s: %s here, but %s where %s:%d:%d sets it: set policy.%s in %s, which includes both",
					k, p.refs.describe(s.val), p.refs.describe(prev.val), prev.file, prev.val.Line, prev.val.Column, k, u.file)
			}
			out[k] = s
		}
	}
	for k, s := range u.policy {
		out[k] = s
	}
	return out
}
