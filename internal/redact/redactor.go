package redact

import (
	"slices"
	"strings"
	"sync"
)

// Redactor removes known secret values as well as the patterns String removes. It is safe for
// concurrent use; its zero value and a nil *Redactor know no values.
type Redactor struct {
	mu      sync.RWMutex
	secrets map[string]bool
	// m matches every secret in one pass; nil until the first String after an Add.
	m *matcher
}

// minSecretLen keeps short values (a port, "true") from being masked everywhere they occur.
const minSecretLen = 4

// New returns a Redactor that knows values.
func New(values ...string) *Redactor {
	r := &Redactor{}
	r.Add(values...)
	return r
}

// FromEnviron returns a Redactor that knows the values of the secret-looking variables in
// environ ("NAME=value" entries, as os.Environ returns them): what a message about a checklist
// that could not be loaded may quote before any check has said which values are secret.
//
// Every environment has secret-looking names that hold ordinary words (XDG_SESSION_CLASS=user)
// or paths (SSH_AUTH_SOCK); masking "user" in every error would hide more than it protects. So
// values shorter than minEnvSecretLen and absolute paths are left out: the loader, which knows
// which variables a checklist used, registers those values whatever their length.
func FromEnviron(environ []string) *Redactor {
	r := &Redactor{}
	for _, kv := range environ {
		if name, v, ok := strings.Cut(kv, "="); ok && IsSecretName(name) && len(v) >= minEnvSecretLen && !strings.HasPrefix(v, "/") {
			r.Add(v)
		}
	}
	return r
}

// minEnvSecretLen is the shortest value FromEnviron takes for a secret.
const minEnvSecretLen = 8

// Add registers values that must never appear in output, together with what a driver may print
// instead of them (see derived).
func (r *Redactor) Add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.secrets == nil {
		r.secrets = map[string]bool{}
	}
	for _, v := range values {
		for _, s := range append([]string{v}, derived(v)...) {
			if len(s) >= minSecretLen && !r.secrets[s] {
				r.secrets[s] = true
				r.m = nil
			}
		}
	}
}

// String redacts s.
func (r *Redactor) String(s string) string {
	var spans []span
	if m := r.matcher(); m != nil {
		spans = m.spans(s, spans)
	}
	return apply(s, patternSpans(s, spans))
}

// Error returns err with its message redacted; errors.Is and errors.As still see err. Nil stays
// nil.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := r.String(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// matcher returns the automaton for the current secrets, building it after an Add: adding
// values one at a time costs nothing until the first String.
func (r *Redactor) matcher() *matcher {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	m, stale := r.m, r.m == nil && len(r.secrets) > 0
	r.mu.RUnlock()
	if !stale {
		return m
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		words := make([]string, 0, len(r.secrets))
		for s := range r.secrets {
			words = append(words, s)
		}
		r.m = newMatcher(words)
	}
	return r.m
}

// span is a half-open byte range [start, end) of secret text.
type span struct{ start, end int }

// apply replaces the union of spans in s with one Mask per run of secret text: overlapping or
// touching secrets become one mask, never a mask and a fragment.
func apply(s string, spans []span) string {
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for i := 0; i < len(spans); {
		start, end := spans[i].start, spans[i].end
		for i++; i < len(spans) && spans[i].start <= end; i++ {
			end = max(end, spans[i].end)
		}
		b.WriteString(s[last:start])
		b.WriteString(Mask)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}
