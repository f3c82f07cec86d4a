package cli

import (
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"
)

// interrupts turns the first SIGINT or SIGTERM during a gate into a cancel of every running
// check; the runner then reports them as interrupted within its grace, and the gate still
// prints and writes every report before exiting 128 plus the signal's number.
type interrupts struct {
	mu    sync.Mutex
	sig   os.Signal
	unsub func()
	done  chan struct{}
}

// errInterrupted is the cause the checks' context carries after a signal.
type errInterrupted struct{ sig os.Signal }

func (e errInterrupted) Error() string { return "interrupted by " + signalName(e.sig) }

func catchInterrupts(ctx context.Context, app *App) (context.Context, *interrupts) {
	in := &interrupts{unsub: func() {}, done: make(chan struct{})}
	if app.Signals == nil {
		close(in.done)
		return ctx, in
	}
	ctx, cancel := context.WithCancelCause(ctx)
	signals, unsub := app.Signals()
	in.unsub = func() { unsub(); cancel(nil) }
	go func() {
		defer close(in.done)
		select {
		case sig := <-signals:
			in.mu.Lock()
			in.sig = sig
			in.mu.Unlock()
			cancel(errInterrupted{sig})
		case <-ctx.Done():
		}
	}()
	return ctx, in
}

// stop unsubscribes. Until then a second signal is caught too, so that it cannot kill the
// process while reports are being written.
func (in *interrupts) stop() {
	in.unsub()
	<-in.done
}

func (in *interrupts) caught() os.Signal {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.sig
}

func (in *interrupts) exitError() error {
	sig := in.caught()
	code := ExitClosed
	if s, ok := sig.(syscall.Signal); ok {
		code = 128 + int(s)
	}
	return &exitError{code: code, err: fmt.Errorf("%w: the report shows what had finished; checks still running are marked interrupted", errInterrupted{sig})}
}

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}
