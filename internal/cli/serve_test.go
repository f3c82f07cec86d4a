package cli

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// effectful is a kind that does more than read, to try serve's policy on; it registers as
// servetest.* in this test binary only.
type effectful struct{ effects kind.Effects }

func (e *effectful) Run(context.Context, *kind.Env) kind.Result { return kind.Passf("ran") }
func (e *effectful) Effects() kind.Effects                      { return e.effects }

func init() {
	kind.Register(kind.Kind{Name: "servetest.traffic", Summary: "Sends traffic (a test kind).",
		New: func() kind.Check { return &effectful{kind.Effects{SendsTraffic: true}} }})
	kind.Register(kind.Kind{Name: "servetest.load", Summary: "A load test (a test kind).",
		New: func() kind.Check { return &effectful{kind.Effects{SendsTraffic: true, Load: true}} }})
}

// lockedBuffer is stderr for a serve that logs from several goroutines while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serving is a `launchgate serve` running in the test process.
type serving struct {
	base string
	logs *lockedBuffer
	stop func() int
}

var servingAddress = regexp.MustCompile(`"?address"?[=:]"?(http://[0-9.:]+)`)

// startServe runs the command line `launchgate serve args…` as Main would, under a context the
// test cancels (what SIGTERM does), and waits until it serves.
func startServe(t *testing.T, args ...string) *serving {
	t.Helper()
	logs := &lockedBuffer{}
	app := &App{IO: &IOStreams{Out: io.Discard, ErrOut: logs},
		Env: func() *kind.Env {
			env := kind.DefaultEnv("test")
			env.Getenv = func(string) string { return "" }
			return env
		}, Dir: t.TempDir()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		root := NewRootCmd(app)
		root.SetArgs(append([]string{"serve", "--listen", "127.0.0.1:0"}, args...))
		err := root.ExecuteContext(ctx)
		var ee *exitError
		switch {
		case err == nil:
			done <- ExitOpen
		case errors.As(err, &ee):
			fmt.Fprintln(logs, "launchgate: "+ee.Error())
			done <- ee.code
		default:
			fmt.Fprintln(logs, "launchgate: "+err.Error())
			done <- ExitCannotRun
		}
	}()
	s := &serving{logs: logs, stop: func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(20 * time.Second):
			t.Fatalf("serve did not stop:\n%s", logs)
			return -1
		}
	}}
	t.Cleanup(func() { cancel() })
	deadline := time.Now().Add(testsvc.WaitLimit)
	for time.Now().Before(deadline) {
		if m := servingAddress.FindStringSubmatch(logs.String()); m != nil {
			s.base = m[1]
			return s
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d before serving:\n%s", code, logs)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not log its address:\n%s", logs)
	return nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitStatus(t *testing.T, url string, code int) {
	t.Helper()
	deadline := time.Now().Add(testsvc.WaitLimit)
	for time.Now().Before(deadline) {
		if got, _ := get(t, url); got == code {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("GET %s never answered %d", url, code)
}

// series reads /metrics as Prometheus would and returns every sample by name and labels, as
// name{a="x",b="y"} → value.
func series(t *testing.T, base string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	out := map[string]float64{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			ls := model.LabelSet{}
			for _, l := range m.GetLabel() {
				ls[model.LabelName(l.GetName())] = model.LabelValue(l.GetValue())
			}
			key := name
			if len(ls) > 0 {
				key += ls.String()
			}
			switch {
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}

func writeChecklist(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "launchgate.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestServeGateFlipsWhenACheckStartsFailing runs serve against a real endpoint that is healthy
// at first, holding the first answer to see the gate before any verdict, then makes it fail:
// /gate goes 503 while /healthz stays 200, and the metrics and logs follow.
func TestServeGateFlipsWhenACheckStartsFailing(t *testing.T) {
	var failing atomic.Bool
	first := make(chan struct{})
	var once sync.Once
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-first
		if failing.Load() {
			http.Error(w, `{"status":"fail"}`, http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"status":"pass"}`)
	}))
	defer api.Close()
	repo := t.TempDir()
	file := writeChecklist(t, fmt.Sprintf(`version: 1
name: api service
checks:
  - id: api
    type: http.health
    with: {url: %q}
  - id: no-secrets
    type: secrets
    with: {path: %q}
`, api.URL+"/healthz", repo))
	s := startServe(t, file, "--interval", "50ms", "--slow-interval", "1h", "--log-format", "json")

	if code, body := get(t, s.base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz during the first run: %d %q", code, body)
	}
	if code, body := get(t, s.base+"/gate"); code != 503 || !strings.Contains(body, "no run has finished yet") {
		t.Errorf("/gate before the first verdict: %d %q", code, body)
	}
	once.Do(func() { close(first) })
	waitStatus(t, s.base+"/gate", 200)
	m := series(t, s.base)
	for _, st := range statusNames() {
		want := 0.0
		if st == "pass" {
			want = 1
		}
		key := fmt.Sprintf(`launchgate_check_status{id="api", kind="http.health", severity="block", status=%q}`, st)
		if got, ok := m[key]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", key, got, ok, want)
		}
	}
	if m["launchgate_gate_open"] != 1 || m[`launchgate_runs_total{verdict="open"}`] < 1 || m["launchgate_last_run_timestamp_seconds"] < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("gate metrics after an open run: %v", m)
	}
	if _, ok := m[`launchgate_check_duration_seconds{id="api"}`]; !ok {
		t.Errorf("no duration for api: %v", m)
	}

	failing.Store(true)
	waitStatus(t, s.base+"/gate", 503)
	if code, _ := get(t, s.base+"/healthz"); code != 200 {
		t.Errorf("/healthz with the gate closed: %d", code)
	}
	m = series(t, s.base)
	if m[`launchgate_check_status{id="api", kind="http.health", severity="block", status="fail"}`] != 1 ||
		m[`launchgate_check_failures_total{id="api"}`] < 1 || m["launchgate_gate_open"] != 0 ||
		m[`launchgate_runs_total{verdict="closed"}`] < 1 || m[`launchgate_check_failures_total{id="no-secrets"}`] != 0 {
		t.Errorf("metrics after the check started failing: %v", m)
	}
	_, rep := get(t, s.base+"/report")
	var doc struct {
		Gate    struct{ Verdict string }
		Results []struct {
			ID       string
			Evidence []kind.Evidence
		}
	}
	if err := json.Unmarshal([]byte(rep), &doc); err != nil || doc.Gate.Verdict != "closed" {
		t.Fatalf("/report: %v\n%s", err, rep)
	}
	if ev := doc.Results[1].Evidence; len(ev) == 0 || !strings.Contains(ev[len(ev)-1].Observed, "reused: serve runs this check at most every 1h") {
		t.Errorf("the secrets scan ran again within --slow-interval: %+v", doc.Results[1])
	}
	if code, page := get(t, s.base+"/"); code != 200 || !strings.Contains(page, `<span class="closed">closed</span>`) || !strings.Contains(page, "api service") {
		t.Errorf("page: %d\n%s", code, page)
	}

	if code := s.stop(); code != ExitOpen {
		t.Errorf("exit %d after the context ended:\n%s", code, s.logs)
	}
	var open, closed, stopped bool
	for _, line := range strings.Split(strings.TrimSpace(s.logs.String()), "\n") {
		var l struct {
			Msg      string   `json:"msg"`
			Level    string   `json:"level"`
			Blocking []string `json:"blocking"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("--log-format json wrote a line that is not JSON: %q", line)
		}
		open = open || l.Msg == "gate open"
		closed = closed || (l.Msg == "gate closed" && l.Level == "WARN" && len(l.Blocking) == 1 && l.Blocking[0] == "api fail")
		stopped = stopped || l.Msg == "stopped"
	}
	if !open || !closed || !stopped {
		t.Errorf("logs lack a verdict or the stop (open %v, closed %v, stopped %v):\n%s", open, closed, stopped, s.logs)
	}
}

func statusNames() []string {
	var out []string
	for s := kind.Status(0); ; s++ {
		var back kind.Status
		if back.UnmarshalText([]byte(s.String())) != nil {
			return out
		}
		out = append(out, s.String())
	}
}

func TestServeRefusesChecksThatDoMoreThanRead(t *testing.T) {
	traffic := "version: 1\nchecks:\n  - id: probe\n    type: servetest.traffic\n"
	load := "version: 1\nchecks:\n  - id: soak\n    type: servetest.load\n    serve: true\n"
	for _, c := range []struct {
		name, body string
		args       []string
		code       int
		want       string
	}{
		{"traffic without serve: true", traffic, nil, ExitCannotRun,
			`launchgate.yaml:3: check "probe" (servetest.traffic) sends traffic, and serve would do that every 1m: set ` + "`serve: true`" + ` on it to allow that, or leave it out with --skip probe`},
		{"traffic with serve: true", strings.Replace(traffic, "servetest.traffic\n", "servetest.traffic\n    serve: true\n", 1), nil, ExitOpen, "serving"},
		{"a load test, even with serve: true", load, nil, ExitCannotRun, `check "soak" (servetest.load) is a load test: serve never runs one`},
		{"a load test left out", load, []string{"--skip", "soak"}, ExitOpen, "serving"},
		{"serve is a boolean", strings.Replace(load, "true", "sometimes", 1), nil, ExitCannotRun, `serve must be true or false, got "sometimes"`},
		{"a zero interval", traffic, []string{"--interval", "0s"}, ExitCannotRun, "--interval must be positive"},
		{"an unknown log format", traffic, []string{"--log-format", "xml"}, ExitCannotRun, `unknown --log-format "xml"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := writeChecklist(t, c.body)
			app, _, errOut := ciApp(map[string]string{}, t.TempDir())
			ctx, cancel := context.WithCancel(context.Background())
			// A serve that is accepted stops at once: its context has already ended.
			cancel()
			root := NewRootCmd(app)
			root.SetArgs(append([]string{"serve", file, "--listen", "127.0.0.1:0"}, c.args...))
			err := root.ExecuteContext(ctx)
			code := ExitOpen
			var ee *exitError
			if errors.As(err, &ee) {
				code = ee.code
				errOut.WriteString(ee.Error())
			}
			if code != c.code || !strings.Contains(errOut.String(), c.want) {
				t.Errorf("exit %d, want %d with %q:\n%s", code, c.code, c.want, errOut)
			}
		})
	}
}

func TestServeListenAddressTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	file := writeChecklist(t, "version: 1\nchecks:\n  - id: probe\n    type: servetest.traffic\n    serve: true\n")
	app, _, errOut := ciApp(map[string]string{}, t.TempDir())
	if code := Main([]string{"serve", file, "--listen", ln.Addr().String()}, app); code != ExitCannotRun ||
		!strings.Contains(errOut.String(), "--listen "+ln.Addr().String()+": listen tcp") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// TestServeBinaryStopsOnSIGTERM runs the release binary as a container would, sends it SIGTERM
// and expects a clean exit. The binary is static, which is what lets it run on scratch.
func TestServeBinaryStopsOnSIGTERM(t *testing.T) {
	bin := launchgateBinary(t)
	assertStatic(t, bin)
	dir := gateDir(t, false)
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--interval", "1h")
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var logs lockedBuffer
	lines := bufio.NewScanner(stderr)
	base := ""
	for base == "" && lines.Scan() {
		logs.Write(append(lines.Bytes(), '\n'))
		if m := servingAddress.FindStringSubmatch(lines.Text()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("no address logged:\n%s", logs.String())
	}
	// Everything the process writes is read before Wait, which closes the pipe.
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for lines.Scan() {
			logs.Write(append(lines.Bytes(), '\n'))
		}
	}()
	waitStatus(t, base+"/gate", 200)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-drained:
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15s after SIGTERM:\n%s", logs.String())
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "msg=stopped") || !strings.Contains(logs.String(), `msg="gate open"`) {
		t.Errorf("logs:\n%s", logs.String())
	}
}

// assertStatic checks what scratch needs of a binary: no dynamic loader, no cgo.
func assertStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("the release binary is not ELF: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader (PT_INTERP): it cannot run on scratch")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary links shared libraries %v", libs)
	}
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"build\tCGO_ENABLED=0", "build\t-trimpath=true"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("go version -m lacks %q:\n%s", want, out)
		}
	}
	if file, err := exec.LookPath("file"); err == nil {
		if out, err := exec.Command(file, bin).Output(); err == nil && !strings.Contains(string(out), "statically linked") {
			t.Errorf("file says: %s", out)
		}
	}
}

type dockerRelease struct {
	Builds []struct {
		ID     string   `yaml:"id"`
		Binary string   `yaml:"binary"`
		Goarch []string `yaml:"goarch"`
	} `yaml:"builds"`
	DockersV2 []struct {
		IDs        []string          `yaml:"ids"`
		Dockerfile string            `yaml:"dockerfile"`
		Images     []string          `yaml:"images"`
		Tags       []string          `yaml:"tags"`
		Platforms  []string          `yaml:"platforms"`
		Labels     map[string]string `yaml:"labels"`
	} `yaml:"dockers_v2"`
}

// TestDockerfileTakesWhatTheReleaseBuilds checks, without a Docker engine, that the image
// goreleaser builds gets the release binary for each platform from where dockers_v2 puts it
// ($TARGETPLATFORM/<binary>), on scratch, with a CA bundle, not as root, serving on all
// interfaces.
func TestDockerfileTakesWhatTheReleaseBuilds(t *testing.T) {
	root := repoRoot(t)
	var rel dockerRelease
	readYAML(t, filepath.Join(root, ".goreleaser.yaml"), &rel)
	if len(rel.Builds) != 1 || len(rel.DockersV2) != 1 {
		t.Fatalf("want one build and one dockers_v2 image, got %d and %d", len(rel.Builds), len(rel.DockersV2))
	}
	b, d := rel.Builds[0], rel.DockersV2[0]
	if len(d.IDs) != 1 || d.IDs[0] != b.ID {
		t.Errorf("dockers_v2 ids %v, want the build %q", d.IDs, b.ID)
	}
	var want []string
	for _, arch := range b.Goarch {
		want = append(want, "linux/"+arch)
	}
	if strings.Join(d.Platforms, ",") != strings.Join(want, ",") {
		t.Errorf("platforms %v, want %v (every linux build)", d.Platforms, want)
	}
	if len(d.Images) == 0 || len(d.Tags) == 0 {
		t.Errorf("no image names or tags: %+v", d)
	}
	dockerfile := d.Dockerfile
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	data, err := os.ReadFile(filepath.Join(root, dockerfile))
	if err != nil {
		t.Fatal(err)
	}
	final := lastStage(string(data))
	for _, want := range []string{
		"FROM scratch",
		"ARG TARGETPLATFORM",
		"COPY $TARGETPLATFORM/" + b.Binary + " /" + b.Binary,
		"/etc/ssl/certs/ca-certificates.crt",
		"USER 65532:65532",
		`ENTRYPOINT ["/` + b.Binary + `"]`,
		`"--listen", ":9469"`,
	} {
		if !strings.Contains(final, want) {
			t.Errorf("the final stage of %s lacks %q:\n%s", dockerfile, want, final)
		}
	}
}

// lastStage is the Dockerfile from its last FROM on: what the image is made of.
func lastStage(dockerfile string) string {
	i := strings.LastIndex(dockerfile, "\nFROM ")
	if i < 0 {
		return dockerfile
	}
	return dockerfile[i+1:]
}
