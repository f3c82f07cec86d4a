package envcheck

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
)

// compareStore adds a line for every item on which the sides differ (the first side is the
// reference) and returns how many items are the same everywhere.
func (p *Parity) compareStore(j *kind.Judgement, s *store, sides []side) int {
	same := 0
	own := p.items(s)
	for _, item := range append(own, extensions(sides)...) {
		var known []side
		var unknown []string
		for _, sd := range sides {
			if why := sd.r.unknown[item]; why != "" {
				unknown = append(unknown, sd.env+" ("+why+")")
				continue
			}
			known = append(known, sd)
		}
		label := s.name + "." + item
		if len(known) < 2 {
			if len(unknown) > 0 {
				j.Add(kind.Line{Label: label, Observed: "cannot be read in " + joinAnd(unknown), Status: kind.Skip})
			}
			continue
		}
		vals := make([]string, len(known))
		present := false
		for i, sd := range known {
			v, ok := sd.r.values[item]
			vals[i], present = show(item, v, ok), present || ok
		}
		switch {
		case !present && !slices.Contains(s.fixed, item) && !slices.Contains(s.defaults, item):
			j.Add(kind.Line{Label: label, Observed: "not a setting in " + joinAnd(envNames(known)), Expected: "a setting to compare", Status: kind.Warn,
				Problem: label + " is not a setting in any environment", Remedy: "check the names listed in " + extraParam(s)})
		case allSame(vals):
			same++
		case p.ignored(s, item):
			j.Add(kind.Line{Label: label, Observed: sideBySide(known[1:], vals[1:]) + " (ignored)", Expected: sideBySide(known[:1], vals[:1]), Status: kind.Skip})
		default:
			j.Add(difference(s, item, known, vals))
		}
	}
	return same
}

// extensions lists the PostgreSQL extensions any side has, by name.
func extensions(sides []side) []string {
	var out []string
	for _, sd := range sides {
		for item := range sd.r.values {
			if strings.HasPrefix(item, extensionPrefix) && !slices.Contains(out, item) {
				out = append(out, item)
			}
		}
	}
	sort.Strings(out)
	return out
}

// show is a value as the evidence prints it.
func show(item, v string, ok bool) string {
	switch {
	case !ok && strings.HasPrefix(item, extensionPrefix):
		return "not installed"
	case !ok:
		return "not set"
	case v == "":
		return `""`
	}
	return v
}

func allSame(vals []string) bool {
	for _, v := range vals[1:] {
		if v != vals[0] {
			return false
		}
	}
	return true
}

func extraParam(s *store) string {
	return map[string]string{"postgres": "postgres_settings", "mysql": "mysql_variables", "redis": "redis_config"}[s.name]
}

// sideBySide prints values with their environments: "staging 30s, qa 0".
func sideBySide(sides []side, vals []string) string {
	parts := make([]string, len(sides))
	for i, sd := range sides {
		parts[i] = sd.env + " " + vals[i]
	}
	return strings.Join(parts, ", ")
}

// difference judges one item the sides disagree on; known[0] is the reference.
func difference(s *store, item string, known []side, vals []string) kind.Line {
	l := kind.Line{Label: s.name + "." + item, Observed: sideBySide(known[1:], vals[1:]), Expected: sideBySide(known[:1], vals[:1])}
	var off []string
	for i, sd := range known[1:] {
		if vals[i+1] != vals[0] {
			off = append(off, sd.env)
		}
	}
	switch {
	case item == "version":
		versionRule(&l, s, known, vals, off)
	case s.name == "mysql" && item == "sql_mode":
		sqlModeRule(&l, s, known, vals, off)
	case strings.HasPrefix(item, extensionPrefix):
		extensionRule(&l, item, known, vals)
	case s.sizeLike(item) || slices.ContainsFunc(known, func(sd side) bool { return sd.r.sizes[item] }):
		l.Status = kind.Warn
		l.Problem = fmt.Sprintf("%s differs: %s (a size, which may differ on purpose)", l.Label, sideBySide(known, vals))
		l.Remedy = fmt.Sprintf("if %s is sized differently on purpose, add %s to ignore:; otherwise set %s to %s there, as in %s",
			joinAnd(off), l.Label, item, vals[0], known[0].env)
	default:
		l.Status = kind.Fail
		l.Problem = fmt.Sprintf("%s differs: %s", l.Label, sideBySide(known, vals))
		if c := consequences[l.Label]; c != "" {
			l.Problem += " (" + c + ")"
		}
		l.Remedy = fmt.Sprintf("set %s to %s in %s, as in %s (%s), or add %s to ignore: if the difference is deliberate",
			item, vals[0], joinAnd(off), known[0].env, s.howToSet, l.Label)
	}
	return l
}

// versionRule: another major version (minor for MySQL and Redis, whose minor releases change
// behaviour) fails; another patch release warns.
func versionRule(l *kind.Line, s *store, known []side, vals []string, off []string) {
	product, sig, _ := versionParts(s, vals[0])
	major := false
	parts := []string{known[0].env + " runs " + product + " " + sig}
	for i, sd := range known[1:] {
		p, sg, _ := versionParts(s, vals[i+1])
		if p != product || sg != sig {
			major = true
		}
		if p != product {
			sg = p + " " + sg
		}
		parts = append(parts, sd.env+" "+sg)
	}
	if major {
		l.Status = kind.Fail
		l.Problem = strings.Join(parts, ", ")
		l.Remedy = fmt.Sprintf("run %s on %s %s, as %s does: what passes on another version proves little", joinAnd(off), product, sig, known[0].env)
		return
	}
	l.Status = kind.Warn
	l.Problem = fmt.Sprintf("%s runs %s, %s (the same %s release, other patch levels)", known[0].env, vals[0], sideBySide(known[1:], trimProducts(vals[1:])), product)
	l.Remedy = fmt.Sprintf("update %s to %s, as %s runs", joinAnd(off), vals[0], known[0].env)
}

// versionParts splits "PostgreSQL 15.6" into the product, the part of the version that decides
// behaviour ("15"; "10.11" for MariaDB and "7.0" for Redis) and the whole version.
func versionParts(s *store, v string) (product, significant, full string) {
	i := strings.LastIndex(v, " ")
	product, full = v[:max(i, 0)], v[i+1:]
	f := strings.Split(full, ".")
	n := 2
	if s.name == "postgres" && len(f[0]) > 1 {
		n = 1 // from PostgreSQL 10 on, the first number is the major release
	}
	return product, strings.Join(f[:min(n, len(f))], "."), full
}

func trimProducts(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = v[strings.LastIndex(v, " ")+1:]
	}
	return out
}

// sqlModeRule names each flag set on one side only and what it changes there.
func sqlModeRule(l *kind.Line, s *store, known []side, vals []string, off []string) {
	ref := modeSet(vals[0])
	var parts []string
	for i, sd := range known[1:] {
		other := modeSet(vals[i+1])
		for _, f := range other {
			if !slices.Contains(ref, f) {
				parts = append(parts, modeDifference(f, sd.env, known[0].env))
			}
		}
		for _, f := range ref {
			if !slices.Contains(other, f) {
				parts = append(parts, modeDifference(f, known[0].env, sd.env))
			}
		}
	}
	l.Status = kind.Fail
	l.Problem = "sql_mode differs: " + strings.Join(kind.Unique(parts), "; ")
	l.Remedy = fmt.Sprintf("set sql_mode = '%s' in %s, as in %s (%s)", strings.Trim(vals[0], `"`), joinAnd(off), known[0].env, s.howToSet)
}

func modeSet(v string) []string {
	var out []string
	for _, f := range strings.Split(strings.Trim(v, `"`), ",") {
		if f = strings.ToUpper(strings.TrimSpace(f)); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func modeDifference(flag, with, without string) string {
	m, ok := sqlModes[flag]
	if !ok {
		return flag + " only in " + with
	}
	return fmt.Sprintf("%s only in %s: there %s, while in %s %s", flag, with, m.with, without, m.without)
}

// extensionRule: an extension missing on one side fails (what uses it breaks there); another
// version of it warns.
func extensionRule(l *kind.Line, item string, known []side, vals []string) {
	name := strings.TrimPrefix(item, extensionPrefix)
	ref, refHas := known[0].env, vals[0] != "not installed"
	var missing, extra, extraEnvs, older []string
	for i, sd := range known[1:] {
		switch has := vals[i+1] != "not installed"; {
		case refHas && !has:
			missing = append(missing, sd.env)
		case !refHas && has:
			extra = append(extra, sd.env+" ("+vals[i+1]+")")
			extraEnvs = append(extraEnvs, sd.env)
		case vals[i+1] != vals[0]:
			older = append(older, sd.env+" "+vals[i+1])
		}
	}
	var problems, remedies []string
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("extension %s is installed in %s (%s) but not in %s: queries and migrations that use it fail there", name, ref, vals[0], joinAnd(missing)))
		remedies = append(remedies, fmt.Sprintf("CREATE EXTENSION %s in %s (%s has %s)", name, joinAnd(missing), ref, vals[0]))
	}
	if len(extra) > 0 {
		problems = append(problems, fmt.Sprintf("extension %s is installed in %s but not in %s: what works there fails in %s", name, joinAnd(extra), ref, ref))
		remedies = append(remedies, fmt.Sprintf("drop %s in %s, or install it in %s before anything relies on it", name, joinAnd(extraEnvs), ref))
	}
	l.Status = kind.Fail
	if len(older) > 0 {
		problems = append(problems, fmt.Sprintf("extension %s is %s in %s, %s", name, vals[0], ref, strings.Join(older, ", ")))
		remedies = append(remedies, fmt.Sprintf("ALTER EXTENSION %s UPDATE TO '%s' where it differs", name, vals[0]))
		if len(missing)+len(extra) == 0 {
			l.Status = kind.Warn
		}
	}
	l.Problem, l.Remedy = strings.Join(problems, "; "), strings.Join(remedies, "; ")
}
