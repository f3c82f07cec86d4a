package serve

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/report"
)

// metrics are what /metrics exposes. Gauges describe the last run; counters only count (runs,
// and runs in which a check failed), so that rate() and increase() mean something.
type metrics struct {
	reg         *prometheus.Registry
	status      *prometheus.GaugeVec
	duration    *prometheus.GaugeVec
	failures    *prometheus.CounterVec
	gateOpen    prometheus.Gauge
	lastRun     prometheus.Gauge
	runDuration prometheus.Gauge
	runs        *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		status: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "launchgate_check_status",
			Help: "1 for the status each check had in the last run (what counted for the gate), 0 for the others."},
			[]string{"id", "kind", "severity", "status"}),
		duration: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "launchgate_check_duration_seconds",
			Help: "How long each check took in the last run."}, []string{"id"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "launchgate_check_failures_total",
			Help: "Runs in which the check itself failed or could not decide (fail or error), whatever its severity."}, []string{"id"}),
		gateOpen: prometheus.NewGauge(prometheus.GaugeOpts{Name: "launchgate_gate_open",
			Help: "1 when the last run opened the gate; 0 when it closed it, or before the first run has finished."}),
		lastRun: prometheus.NewGauge(prometheus.GaugeOpts{Name: "launchgate_last_run_timestamp_seconds",
			Help: "When the last run finished, in seconds since the Unix epoch; 0 before the first."}),
		runDuration: prometheus.NewGauge(prometheus.GaugeOpts{Name: "launchgate_run_duration_seconds",
			Help: "How long the last run took."}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "launchgate_runs_total",
			Help: "Finished runs of the checklist, by verdict."}, []string{"verdict"}),
	}
	m.reg.MustRegister(m.status, m.duration, m.failures, m.gateOpen, m.lastRun, m.runDuration, m.runs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Both series exist from the start, so that increase() sees the first closed run.
	m.runs.WithLabelValues(string(report.Open))
	m.runs.WithLabelValues(string(report.Closed))
	return m
}

// statuses lists every status there is, taken from the status type itself: a status added to it
// gets its series here with no change.
func statuses() []kind.Status {
	var out []kind.Status
	for s := kind.Status(0); ; s++ {
		var back kind.Status
		if back.UnmarshalText([]byte(s.String())) != nil || back != s {
			return out
		}
		out = append(out, s)
	}
}

var allStatuses = statuses()

func (m *metrics) record(rep *report.Report) {
	for _, e := range rep.Results {
		for _, st := range allStatuses {
			v := 0.0
			if st == e.Status {
				v = 1
			}
			m.status.WithLabelValues(e.ID, e.Type, string(e.Severity), st.String()).Set(v)
		}
		m.duration.WithLabelValues(e.ID).Set(e.Duration.Seconds())
		failures := m.failures.WithLabelValues(e.ID)
		if e.CheckStatus == kind.Fail || e.CheckStatus == kind.Error {
			failures.Inc()
		}
	}
	open := 0.0
	if rep.Verdict == report.Open {
		open = 1
	}
	m.gateOpen.Set(open)
	m.lastRun.Set(float64(rep.StartedAt.Add(rep.Duration).UnixMilli()) / 1000)
	m.runDuration.Set(rep.Duration.Seconds())
	m.runs.WithLabelValues(string(rep.Verdict)).Inc()
}
