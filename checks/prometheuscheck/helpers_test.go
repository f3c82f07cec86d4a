package prometheuscheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// The tests run Debian's prometheus and prometheus-alertmanager, each instance with its own
// configuration, data directory and loopback port, scraping targets the tests serve.
const (
	prometheusBin   = "prometheus"
	alertmanagerBin = "prometheus-alertmanager"
	installHint     = "apt-get install prometheus prometheus-alertmanager (or run .ci/services/30-prometheus.sh)"
)

// promSetup is what one test's Prometheus scrapes and evaluates.
type promSetup struct {
	// jobs maps a job name to its targets (host:port).
	jobs map[string][]string
	// rules is the content of a rule file, if any.
	rules string
	// alertmanager is the host:port of an Alertmanager to send alerts to, if any.
	alertmanager string
}

func (s promSetup) config(ruleFile string) string {
	var b strings.Builder
	b.WriteString("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\n")
	if s.rules != "" {
		fmt.Fprintf(&b, "rule_files: [%q]\n", ruleFile)
	}
	if s.alertmanager != "" {
		fmt.Fprintf(&b, "alerting:\n  alertmanagers:\n    - static_configs: [{targets: [%q]}]\n", s.alertmanager)
	}
	b.WriteString("scrape_configs:\n")
	names := make([]string, 0, len(s.jobs))
	for name := range s.jobs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		targets, _ := json.Marshal(s.jobs[name])
		fmt.Fprintf(&b, "  - job_name: %q\n    static_configs: [{targets: %s}]\n", name, targets)
	}
	return b.String()
}

// startPrometheus starts a Prometheus for the test and returns its base URL. It is stopped
// when the test ends.
func startPrometheus(t *testing.T, s promSetup) string {
	t.Helper()
	dir := t.TempDir()
	ruleFile := filepath.Join(dir, "rules.yml")
	if s.rules != "" {
		writeFile(t, ruleFile, s.rules)
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	writeFile(t, cfg, s.config(ruleFile))
	return startDaemon(t, prometheusBin, func(addr string) []string {
		return []string{"--config.file=" + cfg, "--storage.tsdb.path=" + filepath.Join(dir, "data"),
			"--web.listen-address=" + addr, "--log.level=warn"}
	})
}

// startAlertmanager starts an Alertmanager that routes every alert to a receiver that sends
// nothing, and returns its base URL.
func startAlertmanager(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alertmanager.yml")
	writeFile(t, cfg, "route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n")
	return startDaemon(t, alertmanagerBin, func(addr string) []string {
		return []string{"--config.file=" + cfg, "--storage.path=" + filepath.Join(dir, "data"),
			"--web.listen-address=" + addr, "--cluster.listen-address=", "--log.level=warn"}
	})
}

// startDaemon runs bin on a free loopback port until /-/ready answers. Another process can take
// the port between choosing it and the daemon binding it, so a daemon that exits early is tried
// again on another port.
func startDaemon(t *testing.T, bin string, args func(addr string) []string) string {
	t.Helper()
	path, err := exec.LookPath(bin)
	if err != nil {
		testsvc.Unavailable(t, bin, installHint, err)
	}
	for attempt := 0; attempt < 3; attempt++ {
		addr := testsvc.ClosedAddr(t)
		var logs syncBuffer
		cmd := exec.Command(path, args(addr)...)
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting %s: %v", bin, err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		base := "http://" + addr
		if waitReady(base, exited) {
			t.Cleanup(func() { stop(t, cmd, exited, bin, &logs) })
			return base
		}
		select {
		case <-exited:
			t.Logf("%s exited at start, trying another port:\n%s", bin, logs.String())
		default:
			stop(t, cmd, exited, bin, &logs)
			t.Fatalf("%s did not become ready within %s:\n%s", bin, testsvc.WaitLimit, logs.String())
		}
	}
	t.Fatalf("%s did not start on three ports", bin)
	return ""
}

func waitReady(base string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(testsvc.WaitLimit)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		if resp, err := http.Get(base + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func stop(t *testing.T, cmd *exec.Cmd, exited <-chan struct{}, bin string, logs *syncBuffer) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	if t.Failed() {
		t.Logf("%s output:\n%s", bin, logs.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds, failing the test with cond's last word after
// testsvc.WaitLimit.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(testsvc.WaitLimit)
	last := ""
	for time.Now().Before(deadline) {
		ok, why := cond()
		if ok {
			return
		}
		last = why
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("waited %s for %s; last: %s", testsvc.WaitLimit, what, last)
}

// apiGet decodes the data of a Prometheus API answer, for tests that wait on its state.
func apiGet(base, path string, v any) error {
	resp, err := http.Get(base + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return err
	}
	return json.Unmarshal(env.Data, v)
}

// targetHealth is the health Prometheus reports for each target, by job and instance.
func targetHealth(base string) (map[string]string, error) {
	var ts struct {
		Active []target `json:"activeTargets"`
	}
	if err := apiGet(base, "/api/v1/targets", &ts); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, t := range ts.Active {
		out[t.job()+" "+t.instance()] = t.Health
	}
	return out, nil
}

// waitHealth waits until Prometheus reports every given target ("job host:port") with health.
func waitHealth(t *testing.T, base, health string, targets ...string) {
	t.Helper()
	eventually(t, fmt.Sprintf("%v to be %s", targets, health), func() (bool, string) {
		h, err := targetHealth(base)
		if err != nil {
			return false, err.Error()
		}
		for _, tg := range targets {
			if h[tg] != health {
				return false, fmt.Sprintf("%v", h)
			}
		}
		return true, ""
	})
}

// metricsServer serves a Prometheus text exposition that body writes, on its own listener.
type metricsServer struct {
	srv  *httptest.Server
	addr string
}

func serveMetrics(t *testing.T, body func() string) *metricsServer {
	t.Helper()
	srv := httptest.NewServer(metricsHandler(body))
	t.Cleanup(srv.Close)
	return &metricsServer{srv: srv, addr: srv.Listener.Addr().String()}
}

func metricsHandler(body func() string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprint(w, body())
	})
}

// restart serves again on the same address after the server was closed, as a target that
// comes back after a crash.
func (m *metricsServer) restart(t *testing.T, body func() string) {
	t.Helper()
	var ln net.Listener
	eventually(t, "the address to be free again", func() (bool, string) {
		var err error
		ln, err = net.Listen("tcp", m.addr)
		return err == nil, fmt.Sprint(err)
	})
	srv := &http.Server{Handler: metricsHandler(body), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
}

func steady() string {
	return "# TYPE app_ready gauge\napp_ready 1\n"
}

// run runs a check the way the runner does, under its own deadline, with the real clock.
func run(t *testing.T, c kind.Check) kind.Result {
	t.Helper()
	if v, ok := c.(kind.Validator); ok {
		if err := v.Validate(); err != nil {
			t.Fatalf("invalid check: %v", err)
		}
	}
	ctx, cancel := kind.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return c.Run(ctx, kind.DefaultEnv("test"))
}
