package httpcheck

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// flowRun is one run of a flow: its variables, its clients, the secrets it learned and the
// record of every request it sent.
type flowRun struct {
	f        *Flow
	env      *kind.Env
	ctx      context.Context // the check's own, to hand learned secrets to the run
	plain    *http.Client    // does not follow redirects
	follow   *http.Client
	vars     *scope
	red      *redact.Redactor
	spec     *openAPISpec
	now      func() time.Time
	budget   time.Duration // the steps' share of the timeout, named when it runs out
	reserved time.Duration // kept for finally

	mu       sync.Mutex
	answered map[string]bool      // origins that sent a response
	wroteAt  map[string]time.Time // when each writing step got its answer

	steps   []*stepOutcome
	notRun  int
	finally []*stepOutcome
	sent    int
}

// Run sends the steps in order until one fails, then the finally steps, within the check's
// timeout; the finally steps get a reserve of it that the steps cannot use.
func (f *Flow) Run(ctx context.Context, env *kind.Env) kind.Result {
	if err := f.Validate(); err != nil {
		return kind.Errorf("fix the check's parameters", "invalid parameters: %v", err)
	}
	r := newFlowRun(ctx, f, env)
	defer r.plain.CloseIdleConnections()
	defer r.follow.CloseIdleConnections()
	stepsCtx, cancel := r.stepsContext(ctx)
	defer cancel()
	if f.OpenAPI != "" {
		spec, err := loadOpenAPI(stepsCtx, env, r.plain, f)
		if err != nil {
			return kind.Errorf("fix the openapi document, or its path", "cannot use the openapi document %s: %v", redact.String(f.OpenAPI), err)
		}
		r.spec = spec
	}
	r.computeLets()
	started := r.now()
	r.runSteps(stepsCtx)
	finCtx, cancelFin := finallyContext(ctx, r.reserved)
	defer cancelFin()
	r.runFinally(finCtx)
	return r.judge(r.now().Sub(started))
}

func newFlowRun(ctx context.Context, f *Flow, env *kind.Env) *flowRun {
	now := env.Now
	if now == nil {
		now = time.Now
	}
	return &flowRun{
		f: f, env: env, ctx: ctx, now: now,
		plain:    probe.NewClient(env, probe.ClientOptions{InsecureSkipVerify: f.InsecureSkipVerify}),
		follow:   probe.NewClient(env, probe.ClientOptions{InsecureSkipVerify: f.InsecureSkipVerify, FollowRedirects: true}),
		vars:     newScope(now),
		red:      &redact.Redactor{},
		answered: map[string]bool{},
		wroteAt:  map[string]time.Time{},
	}
}

// stepsContext ends the steps early enough to leave the finally steps their reserve:
// finally_budget, or 20% of the timeout and at least 2s, but never more than half the time left.
func (r *flowRun) stepsContext(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	timeout := kind.Timeout(ctx)
	r.budget = timeout
	if !ok || len(r.f.Finally) == 0 {
		return context.WithCancel(ctx)
	}
	reserve := r.f.FinallyBudget.D()
	if reserve == 0 {
		reserve = max(timeout/5, minFinallyBudget)
	}
	reserve = min(reserve, timeout/2)
	r.reserved = reserve
	r.budget = max(timeout-reserve, 0)
	return context.WithDeadline(ctx, dl.Add(-reserve))
}

// finallyContext outlives a cancelled gate (cleanup still runs) but not the check's deadline,
// which the runner enforces anyway.
func finallyContext(ctx context.Context, reserve time.Duration) (context.Context, context.CancelFunc) {
	base := context.WithoutCancel(ctx)
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(base, dl)
	}
	return context.WithTimeout(base, max(reserve, minFinallyBudget))
}

// computeLets evaluates the let: values once, in order; a secret-looking one is masked from the
// start.
func (r *flowRun) computeLets() {
	for i, name := range r.f.Let.names {
		v, _ := r.f.Let.values[i].render(r.vars)
		r.vars.set(name, v)
		if redact.IsSecretName(name) {
			r.learn(v)
		}
	}
}

// learn masks a secret in everything this flow reports and in every output of the run.
func (r *flowRun) learn(v string) {
	r.red.Add(v)
	redact.Learn(r.ctx, v)
}

func (r *flowRun) runSteps(ctx context.Context) {
	for i := range r.f.Steps {
		o := r.runStep(ctx, &r.f.Steps[i], false)
		r.steps = append(r.steps, o)
		if o.status().Problem() {
			r.notRun = len(r.f.Steps) - i - 1
			return
		}
	}
}

// runFinally runs every finally step, whatever happened before; a step whose variables were
// never captured (the step capturing them failed) is skipped, saying so.
func (r *flowRun) runFinally(ctx context.Context) {
	for i := range r.f.Finally {
		r.finally = append(r.finally, r.runStep(ctx, &r.f.Finally[i], true))
	}
}

func (r *flowRun) markAnswered(origin string) {
	r.mu.Lock()
	r.answered[origin] = true
	r.mu.Unlock()
}

func (r *flowRun) hasAnswered(origin string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.answered[origin]
}

func (r *flowRun) countSent() {
	r.mu.Lock()
	r.sent++
	r.mu.Unlock()
}
