package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
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

// GateStatus is what a check's status counts as at the gate: a failure or error of a warn-only
// check is a warning. The runner's --fail-fast and the report both ask here, so that they never
// disagree about what closes the gate.
func (e *Entry) GateStatus(s kind.Status) kind.Status {
	if e.Severity == WarnOnly && (s == kind.Fail || s == kind.Error || s == kind.Blocked) {
		return kind.Warn
	}
	return s
}

// Waiver accepts a known failure of a check for a while: until its end, the check's failure or
// error is reported waived and keeps the gate open.
type Waiver struct {
	// Check is a check id, or tag:NAME for every check with that tag.
	Check string
	// Until is the first instant the waiver no longer covers.
	Until time.Time
	// UntilText is until: as written, for messages.
	UntilText string
	Reason    string
	Owner     string
	// File, Line and Column locate the waiver: File is the checklist file that declares it
	// (an included one, maybe).
	File         string
	Line, Column int
}

// DefaultTimeout is a check's deadline when neither the check nor the checklist sets one.
const DefaultTimeout = 10 * time.Second

// MaxTimeout bounds a check's deadline: a gate that waits longer than a week is stuck, and
// the runner adds its grace to the deadline, which must not overflow.
const MaxTimeout = 7 * 24 * time.Hour

// Checklist is a loaded, validated checklist.
type Checklist struct {
	Name string
	// File names the checklist in messages: its path, StdinName, or the embedded default's name.
	File string
	// Dir is the directory that relative paths in the checklist (a ca_file, say) resolve
	// against: the file's own directory; empty for standard input and data given to Parse,
	// whose relative paths resolve against the working directory. A check declared in an
	// included file resolves against that file's directory instead (Entry.Dir).
	Dir string
	// Embedded is set for the checklist built into launchgate, which is no file of the
	// repository a report could point at.
	Embedded bool
	Version  int
	Timeout  time.Duration
	Checks   []*Entry
	// Secrets are values that must never be printed: expanded from secret-looking variables,
	// or given to secret-looking parameters.
	Secrets []string
	Policy  Policy
	Waivers []Waiver
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
	// Retry, when set, runs the check again while it fails or errors (retry:); nil runs it once,
	// unless --wait says otherwise.
	Retry *Retry
	// Needs are the ids of checks that must not fail or error before this one runs.
	Needs     []string
	needNodes []*yaml.Node
	// File names the checklist file that declares the check: the checklist's own, or one it
	// includes. Line and Column locate the check in it (0 when it did not come from a file).
	File         string
	Line, Column int
	// Dir is the directory the check's relative paths resolve against: that of the file that
	// declares it; empty when that is the working directory (standard input, the embedded
	// default, `launchgate check`).
	Dir   string
	Kind  kind.Kind
	Check kind.Check

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
	// Vars are the variables given on the command line (--var over --vars files, already
	// layered): they win over the environment and over the checklist's vars:.
	Vars map[string]string
	// Dir is the working directory: what the includes of a checklist read from standard input
	// or given to Parse resolve against; the process's working directory when empty.
	Dir string
	// Stdin is read when the path given to LoadFile is "-"; os.Stdin when nil.
	Stdin io.Reader
	// Now is today for policy.max_waiver_days; time.Now when nil.
	Now func() time.Time
}

// StdinName names a checklist read from standard input in messages.
const StdinName = "<stdin>"

// LoadFile reads and parses a checklist file, or standard input when path is "-". Only a
// regular file is read, never more than kind.MaxFileSize bytes, and a named pipe left where
// the checklist should be is refused rather than waited on. The files it includes are read the
// same way.
func LoadFile(path string, opts Options) (*Checklist, error) {
	if path == "-" {
		in := opts.Stdin
		if in == nil {
			in = os.Stdin
		}
		data, err := kind.ReadCapped(in, kind.MaxFileSize)
		if err != nil {
			return nil, Errors{{File: StdinName, Msg: "cannot read checklist from standard input: " + err.Error()}}
		}
		return parse(&unit{file: StdinName, dir: opts.Dir}, data, opts)
	}
	data, err := kind.ReadSmallFile(path, kind.MaxFileSize)
	if err != nil {
		return nil, Errors{{File: path, Msg: "cannot read checklist: " + unwrapPathError(err)}}
	}
	return parse(&unit{file: path, path: path, dir: filepath.Dir(path)}, data, opts)
}

func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

var topKeys = []string{"version", "name", "include", "vars", "defaults", "policy", "waivers", "checks"}
var checkKeys = []string{"id", "type", "title", "severity", "tags", "timeout", "retry", "needs_env", "needs", "serve", "with"}

// Parse parses checklist data; file names it in messages, and its includes resolve against
// opts.Dir. Every mistake in the checklist is reported, as Errors, not just the first.
func Parse(file string, data []byte, opts Options) (*Checklist, error) {
	return parse(&unit{file: file, dir: opts.Dir}, data, opts)
}

// parse reads the checklist whose top file is top, with data its content.
func parse(top *unit, data []byte, opts Options) (*Checklist, error) {
	root, e := readDocument(top.file, data)
	if e != nil {
		return nil, Errors{e}
	}
	top.root = root
	var errs Errors
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	p := newParser(top.file, &errs, opts)
	p.now = now()
	cl := p.parse(top)
	if len(errs) > 0 {
		return nil, p.maskErrors(errs).sortedIn(p.files)
	}
	cl.Secrets = p.secretValues()
	return cl, nil
}

// readDocument decodes a checklist file into its one YAML document's root.
func readDocument(file string, data []byte) (*yaml.Node, *Error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, syntaxError(file, data, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &Error{File: file, Msg: "the checklist is empty: start with `version: 1` and a `checks:` list (see `launchgate init`)"}
	}
	if e := extraDocument(file, data, dec); e != nil {
		return nil, e
	}
	return doc.Content[0], nil
}

// extraDocument reports a second YAML document after a ---: yaml.Unmarshal would read the first
// and silently drop the checks of the others. An empty document (a trailing ---) is harmless.
func extraDocument(file string, data []byte, dec *yaml.Decoder) *Error {
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return syntaxError(file, data, err)
		}
		if len(doc.Content) == 0 || isNull(doc.Content[0]) && doc.Content[0].Value == "" {
			continue
		}
		n := doc.Content[0]
		return &Error{File: file, Line: n.Line, Col: n.Column,
			Msg: "a second YAML document starts here: a checklist is one document, so put all checks in one `checks:` list"}
	}
}

func newParser(file string, errs *Errors, opts Options) *parser {
	return &parser{file: file, errs: errs, opts: opts, getenv: opts.lookup(nil), used: map[string]string{},
		refs: &secretRefs{spans: map[*yaml.Node][]span{}}, unexpanded: map[*yaml.Node]bool{}, budget: maxExpanded,
		loaded: map[string]bool{}}
}

// secretValues is what must never be printed: values of secret-looking variables that were
// expanded, values given to secret-looking parameters, and every value given on the command
// line under a secret-looking name, used or not.
func (p *parser) secretValues() []string {
	seen := map[string]bool{}
	for _, v := range p.secrets {
		seen[v] = true
	}
	for _, v := range p.secretVars() {
		seen[v] = true
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// secretVars are the values of secret-looking variables that must not be printed, by name:
// those expanded, and those given on the command line.
func (p *parser) secretVars() map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{p.opts.Vars, p.used} {
		for name, v := range m {
			if v != "" && redact.IsSecretName(name) {
				out[name] = v
			}
		}
	}
	return out
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func syntaxError(file string, data []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if line, col, ok := tabIndent(data, msg); ok {
		return &Error{File: file, Line: line, Col: col, Msg: "invalid YAML: tabs are not allowed for indentation: indent with spaces"}
	}
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

// tabIndent finds, when yaml.v3 failed on a tab (its messages for that are "found character
// that cannot start any token" and "found a tab character that violates indentation"), the
// line indented with a tab: the line yaml.v3 named or the next (it sometimes names the line
// before).
func tabIndent(data []byte, msg string) (line, col int, ok bool) {
	if !strings.Contains(msg, "tab character") && !strings.Contains(msg, "cannot start any token") {
		return 0, 0, false
	}
	from := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		from, _ = strconv.Atoi(m[1])
	}
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n"), "\n")
	for i := from - 1; i >= 0 && i < len(lines) && i <= from; i++ {
		l := lines[i]
		indent := len(l) - len(strings.TrimLeft(l, " \t"))
		if t := strings.IndexByte(l[:indent], '\t'); t >= 0 && indent < len(l) {
			return i + 1, t + 1, true
		}
	}
	return 0, 0, false
}

type parser struct {
	// file is the checklist file being read, which messages name: the top file or one it
	// includes.
	file string
	errs *Errors
	opts Options
	// getenv looks variables up (see Options.lookup): the command line, the environment, then
	// the checklist's vars: once they are read.
	getenv  func(string) string
	used    map[string]string
	secrets []string
	refs    *secretRefs
	// unexpanded holds the scalars whose variables could not be expanded: their mistake is
	// reported once, not again as a bad value.
	unexpanded map[*yaml.Node]bool
	// budget is what expansion may still add (maxExpanded over the whole checklist).
	budget int
	// now is today, for how far ahead a waiver may end.
	now time.Time
	// files are the checklist's files in the order they were read, for sorting messages;
	// loaded holds those read from a path, by identity, so that each is read once.
	files  []string
	loaded map[string]bool
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.report(n, n, fmt.Sprintf(format, args...))
}

// report records msg at the position of at; about is the value the message is about, whose
// variables it must not print.
func (p *parser) report(at, about *yaml.Node, msg string) {
	e := &Error{File: p.file, Msg: p.refs.mask(about, msg)}
	if at != nil && p.file != "" {
		e.Line, e.Col = at.Line, at.Column
	}
	*p.errs = append(*p.errs, e)
}

// fields checks a mapping's keys against the known ones and returns key and value nodes by name.
func (p *parser) fields(n *yaml.Node, known []string, where string) map[string][2]*yaml.Node {
	out := map[string][2]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s: expected a mapping, got %s", where, p.refs.describe(n))
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
		v, spans, err := x.expand(n.Value)
		if err != nil {
			p.unexpanded[n] = true
			p.errorf(n, "%v", err)
			return
		}
		n.Value = v
		p.refs.add(n, spans)
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

// parse reads the checklist whose top file is top: the files it includes first, so that their
// vars: are known before any value is expanded, then every file's checks, the policy they
// share, and the waivers.
func (p *parser) parse(top *unit) *Checklist {
	cl := &Checklist{File: top.file, Timeout: DefaultTimeout}
	if top.path != "" {
		cl.Dir = filepath.Dir(top.path)
	}
	if !p.open(top) {
		return cl
	}
	if top.path != "" {
		if id, err := fileID(top.path); err == nil {
			top.id = id
			p.loaded[id] = true
		}
	}
	p.include(top, []*unit{top})
	p.getenv = p.opts.lookup(mergedVars(top))
	units := postOrder(top, nil)
	for _, u := range units {
		p.file = u.file
		p.header(u)
	}
	p.file = top.file
	if kv, ok := top.top["name"]; ok {
		if kv[1].Kind != yaml.ScalarNode {
			p.errorf(kv[1], "name: expected a string, got %s", p.refs.describe(kv[1]))
		} else {
			cl.Name = kv[1].Value
		}
	}
	cl.Timeout = top.timeout
	p.checks(top, units, cl)
	p.checkNeeds(cl)
	cl.Policy = p.policy(p.mergedPolicy(top))
	// An including file's waivers come before those of the files it includes: the first
	// waiver that covers a check is the one that applies, and the including file decides.
	for i := len(units) - 1; i >= 0; i-- {
		if kv, ok := units[i].top["waivers"]; ok {
			p.file = units[i].file
			p.waivers(kv[1], cl, p.now)
		}
	}
	return cl
}

// header reads what a file says about itself: its variables expanded (but not in checks:,
// whose entries expand their own, nor in vars: and include:, which are literal), its version
// and its default timeout.
func (p *parser) header(u *unit) {
	strict := &expander{getenv: p.getenv, used: p.used, budget: &p.budget}
	for k, kv := range u.top {
		if k != "checks" && k != "vars" && k != "include" {
			p.expandTree(kv[1], strict)
		}
	}
	if kv, ok := u.top["version"]; !ok {
		p.errorf(u.root, "checklist: missing `version: 1`")
	} else if kv[1].Value != "1" || kv[1].Kind != yaml.ScalarNode {
		p.errorf(kv[1], "version: unsupported checklist version %s (this launchgate reads version 1)", p.refs.describe(kv[1]))
	}
	u.timeout = DefaultTimeout
	if kv, ok := u.top["defaults"]; ok {
		d := p.fields(kv[1], []string{"timeout"}, "defaults")
		if t, ok := d["timeout"]; ok {
			u.timeout = p.duration(t[1], "defaults: timeout")
		}
	}
}

// checks reads the checks of every file, those of included files before those of the file that
// includes them. An id is unique across all of them.
func (p *parser) checks(top *unit, units []*unit, cl *Checklist) {
	declared := false
	byID := map[string]*Entry{}
	for _, u := range units {
		kv, ok := u.top["checks"]
		if !ok {
			continue
		}
		declared = true
		p.file = u.file
		if kv[1].Kind != yaml.SequenceNode {
			p.errorf(kv[1], "checks: expected a list of checks, got %s", p.refs.describe(kv[1]))
			continue
		}
		if len(kv[1].Content) == 0 {
			p.errorf(kv[1], "checks: the list is empty")
		}
		ids := map[string]*yaml.Node{}
		for i, n := range kv[1].Content {
			e := p.entry(n, i, u.timeout, ids)
			if e == nil {
				continue
			}
			e.File, e.Dir = u.file, u.entryDir()
			if first := byID[e.ID]; first != nil {
				p.errorf(n, "check %q: duplicate id: %s:%d:%d declares it too (ids are unique across included files)",
					e.ID, first.File, first.Line, first.Column)
				continue
			}
			byID[e.ID] = e
			cl.Checks = append(cl.Checks, e)
		}
	}
	if !declared {
		p.file = top.file
		p.errorf(top.root, "checklist: missing `checks:` (a list of checks)")
	}
}

func (p *parser) duration(n *yaml.Node, where string) time.Duration {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "%s: expected a duration like 10s, got %s", where, p.refs.describe(n))
		return 0
	}
	d, err := kind.ParseDuration(n.Value)
	if err != nil {
		p.errorf(n, "%s: %v", where, err)
		return 0
	}
	switch {
	case d <= 0:
		p.errorf(n, "%s: must be greater than zero", where)
	case d > MaxTimeout:
		p.errorf(n, "%s: %s is longer than the longest timeout, %s", where, n.Value, kind.FormatDuration(MaxTimeout))
	}
	return d
}

var varRef = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

// varNames reports the needs_env entries that are not variable names: such a variable is never
// set, so its check would be skipped on every run without anyone noticing.
func (p *parser) varNames(n *yaml.Node, where string) {
	items := n.Content
	if n.Kind == yaml.ScalarNode {
		items = []*yaml.Node{n}
	}
	for _, c := range items {
		if c.Kind != yaml.ScalarNode || isNull(c) || isVarName(c.Value) {
			continue
		}
		if m := varRef.FindStringSubmatch(c.Value); m != nil {
			p.errorf(c, "%s: %q is a reference, not a name: write %s", where, c.Value, m[1])
			continue
		}
		p.errorf(c, "%s: %q is not a variable name (letters, digits and _, not starting with a digit)", where, c.Value)
	}
}

func isVarName(s string) bool {
	if s == "" || !isVarStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isVarChar(s[i]) {
			return false
		}
	}
	return true
}

func (p *parser) stringList(n *yaml.Node, where string) []string {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s: expected a list of strings, got %s", where, p.refs.describe(n))
		return nil
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			p.errorf(c, "%s: expected a string, got %s", where, p.refs.describe(c))
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
	p.entryVariables(e, f, where)
	where = p.entryIdentity(e, n, f, where, ids)
	p.entrySettings(e, f, where)
	if e.Kind.New == nil {
		return e
	}
	p.entryCheck(e, n, f, where)
	if len(*p.errs) > errsBefore {
		return nil
	}
	if min, why, short := tooShort(e); short {
		at := n
		if kv, ok := f["timeout"]; ok {
			at = kv[1]
		}
		p.errorf(at, "%s: timeout %s is shorter than this check runs (%s = %s): set timeout: %s or more on the check",
			where, kind.FormatDuration(e.Timeout), why, kind.FormatDuration(min), kind.FormatDuration(min))
		return nil
	}
	return e
}

// entryVariables expands the variables in a check's fields. needs_env comes first: it decides
// whether the rest may refer to unset variables.
func (p *parser) entryVariables(e *Entry, f map[string][2]*yaml.Node, where string) {
	if kv, ok := f["needs_env"]; ok {
		e.NeedsEnv = p.stringList(kv[1], where+": needs_env")
		p.varNames(kv[1], where+": needs_env")
		for _, v := range e.NeedsEnv {
			if p.getenv(v) == "" {
				e.Missing = append(e.Missing, v)
			}
		}
	}
	x := &expander{getenv: p.getenv, used: p.used, optional: map[string]bool{}, budget: &p.budget}
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
}

// entryIdentity reads a check's id and type, and returns how later messages name the check.
func (p *parser) entryIdentity(e *Entry, n *yaml.Node, f map[string][2]*yaml.Node, where string, ids map[string]*yaml.Node) string {
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
	} else if k, ok := kind.Lookup(kv[1].Value); !ok {
		hint := didYouMean(kv[1].Value, kind.KindNames())
		if hint == "" {
			hint = " (run `launchgate checks` to list them)"
		}
		p.errorf(kv[1], "%s: unknown check type %q%s", where, kv[1].Value, hint)
	} else {
		e.Type, e.Kind = k.Name, k
	}
	return where
}

// entrySettings reads what the gate does with a check, beside what the check itself does.
func (p *parser) entrySettings(e *Entry, f map[string][2]*yaml.Node, where string) {
	if kv, ok := f["title"]; ok {
		e.Title = kv[1].Value
	}
	if kv, ok := f["needs"]; ok {
		p.readNeeds(e, kv[1], where)
	}
	if kv, ok := f["severity"]; ok {
		switch s := Severity(kv[1].Value); s {
		case Block, WarnOnly:
			e.Severity = s
		default:
			p.errorf(kv[1], "%s: severity must be block or warn, got %s%s", where, p.refs.describe(kv[1]),
				didYouMean(kv[1].Value, []string{"block", "warn"}))
		}
	}
	if kv, ok := f["tags"]; ok {
		e.Tags = p.stringList(kv[1], where+": tags")
	}
	if kv, ok := f["timeout"]; ok {
		e.Timeout = p.duration(kv[1], where+": timeout")
	}
	if kv, ok := f["retry"]; ok {
		e.Retry = p.retry(kv[1], where)
	}
	if kv, ok := f["serve"]; ok && (kv[1].Kind != yaml.ScalarNode || kv[1].Decode(&e.Serve) != nil) {
		p.errorf(kv[1], "%s: serve must be true or false, got %s", where, p.refs.describe(kv[1]))
	}
}

// entryCheck decodes a check's with: block into its kind's check and gives it its title.
func (p *parser) entryCheck(e *Entry, n *yaml.Node, f map[string][2]*yaml.Node, where string) {
	e.Check = e.Kind.New()
	withKey, withVal := n, (*yaml.Node)(nil)
	if kv, ok := f["with"]; ok {
		withKey, withVal = kv[0], kv[1]
	}
	p.decodeWith(e, withKey, withVal, where)
	if e.Title == "" {
		e.Title = e.Kind.Title
		if t, ok := e.Check.(kind.Titler); ok && len(e.Missing) == 0 {
			e.Title = t.Title()
		}
	}
}

// tooShort reports whether a check that runs for as long as its parameters say (kind.Lasting)
// was given less time than that: the runner would cut it off at its deadline every time.
func tooShort(e *Entry) (min time.Duration, why string, short bool) {
	l, ok := e.Check.(kind.Lasting)
	if !ok || len(e.Missing) > 0 {
		return 0, "", false
	}
	min, why = l.MinTimeout()
	return min, why, e.Timeout < min
}

// decodeWith decodes the with: block, enforces required parameters and runs Validate. A check
// whose needs_env variables are unset is still decoded and validated, so typos are caught, but
// what Validate says of values that came from variables is not reported: they are placeholders.
//
// Validate runs even when some parameters are wrong, so that every mistake in the file is
// reported at once. What it says of a parameter that was already reported (or is missing) is a
// consequence and is left out, and so, once any parameter is wrong, is a complaint that blames
// no parameter.
func (p *parser) decodeWith(e *Entry, withKey, withVal *yaml.Node, where string) {
	d := &decoder{file: p.file, errs: p.errs, secrets: &p.secrets, refs: p.refs, unexpanded: p.unexpanded}
	v := reflect.ValueOf(e.Check)
	seen := d.decodeStruct(withVal, v, where+": with")
	if withVal != nil && withVal.Kind != yaml.MappingNode && !isNull(withVal) {
		return
	}
	reported := map[string]bool{}
	for name, sp := range seen {
		if sp.failed {
			reported[name] = true
		}
	}
	for _, prm := range kind.Params(e.Check) {
		if _, ok := seen[prm.Name]; prm.Required && !ok {
			p.errorf(withKey, "%s: missing required parameter %q for %s", where, prm.Name, e.Type)
			reported[prm.Name] = true
		}
	}
	p.validateWith(e, withKey, seen, reported, where)
}

// validateWith runs the check's Validate and reports each mistake it returns (errors.Join may
// bundle several) at the line of the parameter it blames, unless decoding already reported that
// parameter or the value is a placeholder for an unset needs_env variable.
func (p *parser) validateWith(e *Entry, withKey *yaml.Node, seen map[string]seenParam, reported map[string]bool, where string) {
	val, ok := e.Check.(kind.Validator)
	if !ok {
		return
	}
	err, crash := validate(val)
	if crash != nil {
		p.errorf(withKey, "%s: %v", where, crash)
		return
	}
	if err == nil {
		return
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, err := range errs {
		var pe *kind.ParamError
		blamed := errors.As(err, &pe)
		if (blamed && reported[topParam(pe.Param)]) || (!blamed && len(reported) > 0) {
			continue
		}
		tmpl, fromVars := "", false
		if blamed {
			tmpl, fromVars = e.templated[pe.Param]
		}
		if len(e.Missing) > 0 && (!blamed || fromVars) {
			continue
		}
		at, about, msg := withKey, (*yaml.Node)(nil), fmt.Sprintf("%s: %v", where, err)
		if blamed {
			msg = fmt.Sprintf("%s: with: %v", where, err)
			if sp, ok := seen[topParam(pe.Param)]; ok {
				// A scalar is pointed at itself, as decoding errors are; a list or mapping at
				// its key, which is where a person reads it.
				at, about = sp.key, sp.val
				if sp.val.Kind == yaml.ScalarNode {
					at = sp.val
				}
			}
		}
		if fromVars {
			// The file may be the embedded default: name what the user can change.
			msg = fmt.Sprintf("%s (the value comes from %s)", msg, tmpl)
		}
		p.report(at, about, msg)
	}
}

// validate runs a check's Validate, which also sees checks with wrong or missing parameters
// (left at their defaults or zero): a panic there is a bug in the kind, returned as crash to be
// reported whatever else is wrong, rather than taking the process down.
func validate(v kind.Validator) (err, crash error) {
	defer func() {
		if r := recover(); r != nil {
			crash = fmt.Errorf("cannot validate the parameters (a bug in launchgate, please report it): %v", r)
		}
	}()
	return v.Validate(), nil
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

// topParam is the top-level parameter a Validate error blames: a kind with nested parameters
// names a place inside one (steps[0].name), which is reported at the parameter's own line.
func topParam(param string) string {
	if i := strings.IndexAny(param, ".["); i > 0 {
		return param[:i]
	}
	return param
}
