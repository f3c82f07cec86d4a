package httpcheck

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

const replayRemedy = "make the endpoint idempotent: store the first result under its idempotency key and answer a repeat with it, creating nothing new"

// runReplays re-sends the step's first request, identical (the same headers, body and
// idempotency key), and compares each answer with the first.
func (r *flowRun) runReplays(ctx context.Context, o *stepOutcome, budget time.Duration) {
	first := o.attempts[0]
	rp := o.step.Replay
	for k := 1; k <= max(rp.Times, 1); k++ {
		a := newAttempt(first.call, k, first.req)
		r.send(ctx, a, budget)
		o.replays = append(o.replays, a)
		if a.verdict.Problem() {
			return
		}
		if msg := r.compareReplay(first, a, rp); msg != "" {
			a.fail(kind.Fail, "replay created a different result: duplicate? ("+msg+")", replayRemedy)
			return
		}
		if r.spec != nil {
			if msg := r.spec.check(ctx, a); msg != "" {
				a.fail(kind.Fail, "openapi drift on replay: "+r.safe(msg), "make the API and its OpenAPI document agree (the JSON pointer shows where)")
				return
			}
		}
	}
}

// compareReplay says how a replay's answer differs from the first, or "".
func (r *flowRun) compareReplay(first, again *flowAttempt, rp *FlowReplay) string {
	if rp.Expect.same {
		if again.code != first.code {
			return fmt.Sprintf("status %s, the first answer was %s", again.statusLine(), first.statusLine())
		}
		return r.sameBody(first, again, rp.ignore)
	}
	if !rp.Expect.status.Contains(again.code) {
		return fmt.Sprintf("status %s, want %s", again.statusLine(), rp.Expect.status)
	}
	a, b := first.json(), again.json()
	for i, p := range rp.Expect.paths {
		v1, ok1 := p.Lookup(a)
		v2, ok2 := p.Lookup(b)
		text := rp.Expect.pathTexts[i]
		switch {
		case !ok2 && again.code >= 200 && again.code < 300:
			return fmt.Sprintf("%s answered without %s", again.statusLine(), text)
		case ok2 && (!ok1 || !sameJSON(v1, v2)):
			return r.differs(text, v1, ok1, v2)
		}
	}
	return ""
}

// sameBody compares two bodies: as JSON documents without the ignored paths when both are
// JSON, byte for byte otherwise.
func (r *flowRun) sameBody(first, again *flowAttempt, ignore []probe.JSONPath) string {
	a, errA := parseJSON(first.header.Get("Content-Type"), first.body)
	b, errB := parseJSON(again.header.Get("Content-Type"), again.body)
	if a == nil || b == nil || errA != nil || errB != nil {
		if bytes.Equal(first.body, again.body) {
			return ""
		}
		return "the body differs from the first answer: " + r.excerpt(again)
	}
	for _, p := range ignore {
		a, b = p.Remove(a), p.Remove(b)
	}
	path, v1, ok1, v2, ok2 := firstDifference("$", a, b)
	if path == "" {
		return ""
	}
	if !ok2 {
		return fmt.Sprintf("%s was in the first answer, not in the replay's", path)
	}
	return r.differs(path, v1, ok1, v2)
}

func (r *flowRun) differs(path string, v1 any, ok1 bool, v2 any) string {
	show := func(v any) string {
		if redact.IsSecretName(path) {
			return redact.Mask
		}
		b, _ := jsonMarshal(v)
		return r.safe(string(b))
	}
	if !ok1 {
		return fmt.Sprintf("the replay gave %s %s, the first answer had none", path, show(v2))
	}
	return fmt.Sprintf("%s was %s, the replay gave %s", path, show(v1), show(v2))
}

func sameJSON(a, b any) bool {
	x, errX := jsonMarshal(a)
	y, errY := jsonMarshal(b)
	return errX == nil && errY == nil && bytes.Equal(x, y)
}

// firstDifference walks two JSON documents in a stable order and returns the path of the first
// place they differ ("" when they are the same), with both values and whether each is there.
func firstDifference(path string, a, b any) (string, any, bool, any, bool) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, dup := x[k]; !dup {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			va, okA := x[k]
			vb, okB := y[k]
			p := path + "." + k
			if !okA || !okB {
				return p, va, okA, vb, okB
			}
			if d, v1, o1, v2, o2 := firstDifference(p, va, vb); d != "" {
				return d, v1, o1, v2, o2
			}
		}
		return "", nil, false, nil, false
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			break
		}
		for i := range x {
			if d, v1, o1, v2, o2 := firstDifference(path+"["+strconv.Itoa(i)+"]", x[i], y[i]); d != "" {
				return d, v1, o1, v2, o2
			}
		}
		return "", nil, false, nil, false
	}
	if sameJSON(a, b) {
		return "", nil, false, nil, false
	}
	return path, a, true, b, true
}
