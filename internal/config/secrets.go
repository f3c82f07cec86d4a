package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/redact"
)

// minMaskLen keeps short values (a port, "true") from being replaced everywhere they occur in a
// message, as redact.Redactor does; values shorter than that are still masked where the
// message quotes them.
const minMaskLen = 4

// secretRefs knows which parts of expanded values came from secret-looking variables, so that
// a message about a value names the variable (${API_TOKEN}) instead of printing what it holds.
type secretRefs struct {
	spans map[*yaml.Node][]span
}

// add records the secret-looking variables among those n's value was expanded from.
func (r *secretRefs) add(n *yaml.Node, spans []span) {
	var secret []span
	for _, sp := range spans {
		if redact.IsSecretName(sp.name) {
			secret = append(secret, sp)
		}
	}
	if len(secret) > 0 {
		r.spans[n] = secret
	}
}

// shown is n's value as a message may show it: each secret variable's value replaced by the
// reference to it.
func (r *secretRefs) shown(n *yaml.Node) string {
	spans := r.spans[n]
	if len(spans) == 0 {
		return n.Value
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(n.Value[last:sp.start])
		b.WriteString("${" + sp.name + "}")
		last = sp.end
	}
	b.WriteString(n.Value[last:])
	return b.String()
}

func (r *secretRefs) describe(n *yaml.Node) string { return describeText(n, r.shown(n)) }

// mask rewrites a message about n (or a value below it) that quotes a value a secret variable
// filled in. The messages come from many places (a kind's own UnmarshalYAML and Validate), so
// it replaces what they print: the value, quoted or not.
func (r *secretRefs) mask(n *yaml.Node, msg string) string {
	if n == nil || len(r.spans) == 0 {
		return msg
	}
	var pairs []string
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if spans := r.spans[n]; len(spans) > 0 {
			pairs = append(pairs, maskPairs(n.Value, r.shown(n), 0)...)
			for _, sp := range spans {
				pairs = append(pairs, maskPairs(n.Value[sp.start:sp.end], "${"+sp.name+"}", 0)...)
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return newReplacer(pairs).Replace(msg)
}

// maskErrors is the last pass over every message: no value of a secret-looking variable, nor
// of a secret-looking parameter, appears in any of them, whichever value the message is about.
func (p *parser) maskErrors(errs Errors) Errors {
	var pairs []string
	for name, v := range p.secretVars() {
		pairs = append(pairs, maskPairs(v, "${"+name+"}", minMaskLen)...)
	}
	for _, v := range p.secrets {
		pairs = append(pairs, maskPairs(v, redact.Mask, minMaskLen)...)
	}
	rep := newReplacer(pairs)
	for _, e := range errs {
		e.Msg = shorten(rep.Replace(e.Msg))
	}
	return errs
}

// maxMsgLen bounds one message: a kind may quote a whole value, and a value may be megabytes.
// The cut comes after masking, so it cannot leave part of a secret that masking would have
// recognised whole.
const maxMsgLen = 300

func shorten(msg string) string {
	if len(msg) <= maxMsgLen {
		return msg
	}
	cut := maxMsgLen
	for cut > 0 && !isRuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + fmt.Sprintf("… (%d more bytes)", len(msg)-cut)
}

// maskPairs lists, as old, new pairs for strings.NewReplacer, the ways a message may print v:
// quoted ("v", `v`, 'v') whatever its length, and bare or escaped inside a quoted string when
// it is at least minBare long.
func maskPairs(v, ref string, minBare int) []string {
	if v == "" {
		return nil
	}
	q, qref := strconv.Quote(v), strconv.Quote(ref)
	out := []string{q, qref, "`" + v + "`", "`" + ref + "`", "'" + v + "'", "'" + ref + "'"}
	if len(v) >= minBare {
		out = append(out, v, ref)
		if inner := q[1 : len(q)-1]; inner != v {
			out = append(out, inner, ref)
		}
		if inner := strconv.QuoteToASCII(v); inner[1:len(inner)-1] != v {
			out = append(out, inner[1:len(inner)-1], ref)
		}
	}
	return out
}

// newReplacer replaces the longest match first, so that a secret containing another is masked
// whole, in one pass over the message: a replacement is never searched again.
func newReplacer(pairs []string) *strings.Replacer {
	type pair struct{ old, new string }
	ps := make([]pair, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		ps = append(ps, pair{pairs[i], pairs[i+1]})
	}
	sort.SliceStable(ps, func(i, j int) bool { return len(ps[i].old) > len(ps[j].old) })
	flat := make([]string, 0, len(pairs))
	for _, p := range ps {
		flat = append(flat, p.old, p.new)
	}
	return strings.NewReplacer(flat...)
}
