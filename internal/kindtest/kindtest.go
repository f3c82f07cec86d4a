// Package kindtest runs checks in tests the way the runner does, so that every family's tests
// share one way to validate, run under a deadline and look at a result.
package kindtest

import (
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
)

// Run validates c, failing the test on a mistake, and runs it in env (the default environment
// when nil) under a deadline of timeout, as the runner would. The result is logged, so a failing
// test shows what the check said.
func Run(t testing.TB, c kind.Check, env *kind.Env, timeout time.Duration) kind.Result {
	t.Helper()
	if v, ok := c.(kind.Validator); ok {
		if err := v.Validate(); err != nil {
			t.Fatalf("Validate: %v", err)
		}
	}
	if env == nil {
		env = kind.DefaultEnv("test")
	}
	ctx, cancel := kind.WithTimeout(t.Context(), timeout)
	defer cancel()
	r := c.Run(ctx, env)
	t.Log(golden.Result(r))
	return r
}

// Evidence finds the line of evidence with the label.
func Evidence(r kind.Result, label string) (kind.Evidence, bool) {
	for _, e := range r.Evidence {
		if e.Label == label {
			return e, true
		}
	}
	return kind.Evidence{}, false
}
