package secretscheck

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/launchgate/launchgate/internal/redact"
)

// A preview shows the line a finding is on, so that a person recognises it, and nothing of any
// credential: not the finding's secret, not another secret on the line, not a value assigned
// next to it (PGPASS=… beside a token), not a random-looking token (an API key beside a flagged
// URL). Masks are whole: a value is replaced entirely, never shortened to a fragment.

// span is a part of a line a preview hides, with what stands in its place.
type span struct {
	start, end int
	text       string
	primary    bool // the finding's own secret
}

// maskFor hides a secret found by rule r, keeping only what is public about it: its length and,
// for a provider's token, the provider's fixed prefix (ghp_, AKIA, sk_live_), which is a keyword
// of the rule: ghp_…[40 chars] is a GitHub token of 40 characters. Passwords, generic values and key bodies keep nothing.
func maskFor(r *Rule, secret string) string {
	keep := ""
	if r != nil && r.Kind != kindAssignment && r.Kind != kindURL && !r.Multiline {
		for _, kw := range r.Keywords {
			if len(kw) > len(keep) && len(secret) >= len(kw)+8 && strings.EqualFold(secret[:len(kw)], kw) {
				keep = secret[:len(kw)]
			}
		}
	}
	return keep + mask(secret)
}

// mask stands for a secret: its length only.
func mask(secret string) string {
	return "…[" + itoa(utf8.RuneCountInString(secret)) + " chars]"
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// maskEnd extends the mask of a password in a URL to the last '@' of the URL's authority: when
// the password holds an unencoded '@' (user:first@second@host) the rule takes it to end at the
// first '@', and its rest ("second") must not show as if it were part of the host.
func maskEnd(r *Rule, line string, end int) int {
	if r == nil || r.Kind != kindURL {
		return end
	}
	last := end
	for i := end; i < len(line); i++ {
		c := line[i]
		if c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '`' {
			break
		}
		if c == '@' {
			last = i
		}
	}
	return last
}

// previewBefore and previewAfter bound the context kept around the secret, in bytes.
const previewBefore, previewAfter = 48, 40

// preview is the finding's line with its secret (at, end: offsets in the line) replaced by
// secretMask, every span in others replaced by its text, and every assigned value and random
// token hidden, shortened around the secret. A secret running past the line (a key block)
// keeps nothing of the line after its start.
func preview(line string, at, end int, secretMask string, others []span) string {
	at = min(max(at, 0), len(line))
	end = min(max(end, at), len(line))
	spans := []span{{start: at, end: end, text: secretMask, primary: true}}
	for _, o := range others {
		spans = addOutside(spans, o, at, end)
	}
	for _, c := range contextSpans(line) {
		if !overlapsAny(c, spans) {
			spans = append(spans, c)
		}
	}
	segs := segments(line, spans)
	p := render(trimAround(segs))
	if redact.String(p) == p {
		return p
	}
	// A redaction pattern would take part of a mask for a value (query=…[12 chars] becomes
	// query=*** chars]), as the report applies it again: use masks it leaves as they are.
	for i := range segs {
		if segs[i].masked {
			segs[i].text = redact.Mask
		}
	}
	p = render(trimAround(segs))
	return redact.String(p)
}

// addOutside adds the parts of o that lie outside [at, end) to spans.
func addOutside(spans []span, o span, at, end int) []span {
	if o.end <= o.start {
		return spans
	}
	if o.start < at {
		spans = append(spans, span{start: o.start, end: min(o.end, at), text: o.text})
	}
	if o.end > end {
		spans = append(spans, span{start: max(o.start, end), end: o.end, text: o.text})
	}
	return spans
}

func overlapsAny(c span, spans []span) bool {
	for _, s := range spans {
		if c.start < s.end && s.start < c.end {
			return true
		}
	}
	return false
}

// segment is a piece of a preview: text of the line (redacted) or a mask standing for a value.
type segment struct {
	text    string
	masked  bool
	primary bool
}

// segments cuts line into text and masks. Overlapping masks merge into one.
func segments(line string, spans []span) []segment {
	sorted := append([]span(nil), spans...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].start < sorted[j].start })
	var segs []segment
	pos := 0
	for _, s := range sorted {
		if s.start < pos && len(segs) > 0 && segs[len(segs)-1].masked && !segs[len(segs)-1].primary {
			pos = max(pos, s.end) // overlaps the mask just placed: one mask for both
			continue
		}
		if s.start > pos {
			segs = append(segs, segment{text: line[pos:s.start]})
		}
		segs = append(segs, segment{text: s.text, masked: true, primary: s.primary})
		pos = max(pos, s.end)
	}
	if pos < len(line) {
		segs = append(segs, segment{text: line[pos:]})
	}
	// Text between masks is redacted on its own, so that a password in a URL no rule found is
	// hidden too and no pattern can reach into a mask.
	for i := range segs {
		if !segs[i].masked {
			segs[i].text = redact.String(segs[i].text)
		}
	}
	return segs
}

// trimAround keeps up to previewBefore bytes of text before the secret's mask and previewAfter
// after it, dropping whole masks beyond that, never cutting one.
func trimAround(segs []segment) []segment {
	p := 0
	for p < len(segs) && !segs[p].primary {
		p++
	}
	if p == len(segs) {
		p = 0
	}
	out := []segment{segs[p]}
	budget := previewBefore
	for i := p - 1; i >= 0 && budget > 0; i-- {
		s := segs[i]
		if i == 0 && !s.masked {
			s.text = strings.TrimLeft(s.text, " \t")
		}
		if len(s.text) > budget {
			if s.masked {
				out = append([]segment{{text: "…"}}, out...)
				break
			}
			s.text = "…" + strings.TrimLeft(trimToRune(s.text[len(s.text)-budget:], false), " \t")
			out = append([]segment{s}, out...)
			break
		}
		budget -= len(s.text)
		out = append([]segment{s}, out...)
	}
	budget = previewAfter
	for i := p + 1; i < len(segs) && budget > 0; i++ {
		s := segs[i]
		if len(s.text) > budget {
			if s.masked {
				out = append(out, segment{text: "…"})
				break
			}
			s.text = strings.TrimRight(trimToRune(s.text[:budget], true), " \t") + "…"
			out = append(out, s)
			break
		}
		budget -= len(s.text)
		out = append(out, s)
	}
	return out
}

func render(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(s.text)
	}
	return strings.TrimRight(b.String(), " \t\r")
}

// assignedValue finds name=value, name: value, name := value, name => value and "name": "value"
// on a line; group 1 is a quoted value (without quotes), group 2 an unquoted one.
var assignedValue = regexp.MustCompile(`[A-Za-z0-9_.\-]["']?\s*(?::=|=>|=|:\s)\s*(?:["'` + "`" + `]([^"'` + "`" + `]*)["'` + "`" + `]?|([^\s"'` + "`" + `,;&#)}\]]+))`)

// reference is a value that names where a secret comes from instead of holding it.
var reference = regexp.MustCompile(`^(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{\{[^}]*\}\}|%s|\*+|…\[\d+ chars\])$`)

// randomToken is a run of the characters tokens are made of (base64, base64url, hex).
var randomToken = regexp.MustCompile(`[A-Za-z0-9+/_\-]{16,}`)

// contextSpans returns the values assigned on the line and the random-looking tokens on it.
func contextSpans(line string) []span {
	var out []span
	for _, m := range assignedValue.FindAllStringSubmatchIndex(line, -1) {
		vs, ve := m[2], m[3]
		if vs < 0 {
			vs, ve = m[4], m[5]
		}
		if vs < 0 || ve <= vs {
			continue
		}
		// a == b compares (the value would start with the second '='); a reference names where
		// a secret comes from.
		if v := line[vs:ve]; strings.HasPrefix(v, "=") || reference.MatchString(v) {
			continue
		}
		out = append(out, span{start: vs, end: ve, text: redact.Mask})
	}
	for _, m := range randomToken.FindAllStringIndex(line, -1) {
		if looksRandom(line[m[0]:m[1]]) {
			out = append(out, span{start: m[0], end: m[1], text: redact.Mask})
		}
	}
	return out
}

// looksRandom tells a generated token (an API key, a hash) from a word, a path or an identifier:
// enough entropy, and digits among letters or letters changing case more than words do.
func looksRandom(t string) bool {
	if entropy(t) < 3.0 {
		return false
	}
	digits, letters, changes := 0, 0, 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case '0' <= c && c <= '9':
			digits++
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			letters++
			if i > 0 && (t[i-1] >= 'a') != (c >= 'a') && ('a' <= t[i-1] && t[i-1] <= 'z' || 'A' <= t[i-1] && t[i-1] <= 'Z') {
				changes++
			}
		}
	}
	if digits > 0 && letters > 0 {
		return true
	}
	return letters > 0 && changes*3 >= len(t)
}
