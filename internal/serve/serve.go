// Package serve runs a checklist again and again and serves what the last run found: /metrics
// for Prometheus, /gate for deploy tooling, /healthz for liveness, and /report and / for people.
//
// Runs never overlap: the next starts an interval (jittered) after the previous ended. Until the
// first run has finished the gate is closed: a deploy must not go ahead on a verdict nobody has
// reached yet.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/report"
)

// DefaultJitter is the largest share of the interval by which a wait is lengthened or
// shortened, so that replicas started together do not probe the same targets in step.
const DefaultJitter = 0.1

// shutdownGrace is how long requests in flight may take to finish after SIGTERM.
const shutdownGrace = 10 * time.Second

// Options configure a Server.
type Options struct {
	// Run runs the checklist once and returns its report. It must return soon after ctx ends.
	Run func(ctx context.Context) *report.Report
	// Interval is the time from the end of one run to the start of the next.
	Interval time.Duration
	// Jitter is the largest share of Interval added to or taken from each wait; DefaultJitter
	// when 0, none when negative.
	Jitter float64
	Logger *slog.Logger
	// Now is the clock of the page's "next run" line; time.Now when nil.
	Now func() time.Time
}

// Server runs the checklist and serves the last run's verdict.
type Server struct {
	o       Options
	metrics *metrics

	mu   sync.RWMutex
	last *report.Report
	next time.Time
}

// New returns a Server; nothing runs until Serve.
func New(o Options) *Server {
	if o.Jitter == 0 {
		o.Jitter = DefaultJitter
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{o: o, metrics: newMetrics()}
}

// Serve answers HTTP on ln and runs the checklist until ctx ends (SIGTERM), then stops taking
// requests, lets those in flight finish, and returns. A run cut short by the end is not
// recorded: it would report the checks it could not finish as errors.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.o.Logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	s.o.Logger.Info("serving", "address", "http://"+ln.Addr().String(), "interval", kind.FormatDuration(s.o.Interval))

	loopCtx, stopLoop := context.WithCancel(ctx)
	defer stopLoop()
	looped := make(chan struct{})
	go func() {
		defer close(looped)
		s.loop(loopCtx)
	}()

	var err error
	select {
	case <-ctx.Done():
		s.o.Logger.Info("stopping: finishing the requests in flight")
	case err = <-served:
		err = fmt.Errorf("serving on %s: %w", ln.Addr(), err)
	}
	stopLoop()
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if serr := srv.Shutdown(shutCtx); serr != nil && err == nil {
		err = fmt.Errorf("stopping the HTTP server: %w", serr)
	}
	<-looped
	if err == nil {
		s.o.Logger.Info("stopped")
	}
	return err
}

// loop runs the checklist now and then an interval after each run ends, until ctx ends.
func (s *Server) loop(ctx context.Context) {
	for {
		rep := s.o.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		s.record(rep)
		wait := s.wait()
		s.mu.Lock()
		s.next = s.o.Now().Add(wait)
		s.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// wait is the interval, moved by up to Jitter of itself either way.
func (s *Server) wait() time.Duration {
	if s.o.Jitter <= 0 {
		return s.o.Interval
	}
	shift := (rand.Float64()*2 - 1) * s.o.Jitter * float64(s.o.Interval)
	return s.o.Interval + time.Duration(shift)
}

// record makes rep the last run's report, updates the metrics and logs the verdict.
func (s *Server) record(rep *report.Report) {
	s.mu.Lock()
	s.last = rep
	s.mu.Unlock()
	s.metrics.record(rep)
	level, msg := slog.LevelInfo, "gate open"
	if rep.Verdict != report.Open {
		level, msg = slog.LevelWarn, "gate closed"
	}
	attrs := []any{"verdict", string(rep.Verdict), "counts", rep.Counts.Summary(), "duration", kind.Elapsed(rep.Duration)}
	var blocking []string
	for _, e := range rep.Results {
		if e.Blocking {
			blocking = append(blocking, e.ID+" "+e.Status.String())
		}
	}
	if len(blocking) > 0 {
		attrs = append(attrs, "blocking", blocking)
	}
	s.o.Logger.Log(context.Background(), level, msg, attrs...)
}

// snapshot is the last report and when the next run starts; both zero before the first run.
func (s *Server) snapshot() (*report.Report, time.Time) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.last, s.next
}

var errNoRun = errors.New("no run has finished yet")
