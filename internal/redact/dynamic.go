package redact

import "context"

type runSetKey struct{}

// WithRunSet returns a context carrying r, the redaction set of a whole run. Checks run under
// it, and one that learns a secret while it runs (a token a flow captured from a response)
// hands it to Learn: from that moment every output of the run built with r masks it.
func WithRunSet(ctx context.Context, r *Redactor) context.Context {
	return context.WithValue(ctx, runSetKey{}, r)
}

// RunSet returns the run's redaction set carried by ctx, or nil; a nil *Redactor still
// redacts the patterns String knows.
func RunSet(ctx context.Context) *Redactor {
	r, _ := ctx.Value(runSetKey{}).(*Redactor)
	return r
}

// Learn adds secrets found during the run to the set ctx carries; without one it does nothing
// (the caller still masks them in its own output).
func Learn(ctx context.Context, values ...string) {
	if r := RunSet(ctx); r != nil {
		r.Add(values...)
	}
}
