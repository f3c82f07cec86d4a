package rabbitmqcheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/testsvc"
)

// rabbitNode is a RabbitMQ node of the tests' own, with the management plugin enabled: its own
// node name, ports, data directory and plugins file, so that nothing of the shared node's
// plugins or configuration is touched.
type rabbitNode struct {
	name    string
	amqpURL string
	mgmtURL string // without credentials
	dir     string
	cmd     *exec.Cmd
	done    chan struct{}
	ctlEnv  []string
}

var node struct {
	once sync.Once
	n    *rabbitNode
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if node.n != nil {
		node.n.stop()
	}
	os.Exit(code)
}

// managementNode starts the node on first use; it is stopped when the package's tests end.
func managementNode(t *testing.T) *rabbitNode {
	t.Helper()
	node.once.Do(func() { node.n, node.err = startNode() })
	if node.err != nil {
		testsvc.Unavailable(t, "a RabbitMQ node of the test's own, with rabbitmq_management", "apt-get install rabbitmq-server (the tests start their own node from it)", node.err)
	}
	return node.n
}

const rabbitBin = "/usr/lib/rabbitmq/bin"

func startNode() (*rabbitNode, error) {
	server := filepath.Join(rabbitBin, "rabbitmq-server")
	if _, err := os.Stat(server); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "lg-rabbit-")
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	n := &rabbitNode{
		name:    "lgtest-" + randomSuffix() + "@localhost",
		amqpURL: "amqp://guest:guest@127.0.0.1:" + ports[0] + "/",
		mgmtURL: "http://127.0.0.1:" + ports[1],
		dir:     dir, done: make(chan struct{}),
	}
	conf := fmt.Sprintf("listeners.tcp.default = 127.0.0.1:%s\nmanagement.tcp.ip = 127.0.0.1\nmanagement.tcp.port = %s\n"+
		// Rates settle within a second instead of five.
		"collect_statistics_interval = 500\n", ports[0], ports[1])
	files := map[string]string{
		"rabbitmq.conf":   conf,
		"enabled_plugins": "[rabbitmq_management].\n",
		"env.conf":        "",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return nil, err
		}
	}
	n.ctlEnv = append(os.Environ(),
		"HOME="+dir, // the Erlang cookie lives here
		"RABBITMQ_NODENAME="+n.name,
		"RABBITMQ_CONF_ENV_FILE="+filepath.Join(dir, "env.conf"),
		"RABBITMQ_CONFIG_FILE="+filepath.Join(dir, "rabbitmq.conf"),
		"RABBITMQ_ADVANCED_CONFIG_FILE="+filepath.Join(dir, "advanced.config"),
		"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(dir, "enabled_plugins"),
		"RABBITMQ_MNESIA_BASE="+filepath.Join(dir, "mnesia"),
		"RABBITMQ_LOG_BASE="+filepath.Join(dir, "log"),
		"RABBITMQ_PID_FILE="+filepath.Join(dir, "pid"),
		"RABBITMQ_DIST_PORT="+ports[2],
		"ERL_EPMD_ADDRESS=127.0.0.1",
	)
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	n.cmd = exec.Command(server)
	n.cmd.Env, n.cmd.Dir = n.ctlEnv, dir
	n.cmd.Stdout, n.cmd.Stderr = log, log
	// Its own process group, so that stopping it stops the Erlang VM the script starts.
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := n.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { n.cmd.Wait(); close(n.done) }()
	if err := n.waitUp(3 * time.Minute); err != nil {
		n.stop()
		return nil, err
	}
	return n, nil
}

// waitUp polls the management API until it answers; starting a node takes seconds to a minute
// on a busy machine.
func (n *rabbitNode) waitUp(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-n.done:
			b, _ := os.ReadFile(filepath.Join(n.dir, "server.log"))
			return fmt.Errorf("rabbitmq-server exited: %s", b)
		default:
		}
		req, _ := http.NewRequest(http.MethodGet, n.mgmtURL+"/api/overview", nil)
		req.SetBasicAuth("guest", "guest")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the node did not answer on %s within %s", n.mgmtURL, limit)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func (n *rabbitNode) stop() {
	if n.cmd.Process != nil {
		syscall.Kill(-n.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-n.done:
		case <-time.After(30 * time.Second):
			syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
			<-n.done
		}
	}
	os.RemoveAll(n.dir)
}

// ctl runs rabbitmqctl against the node.
func (n *rabbitNode) ctl(t *testing.T, args ...string) {
	t.Helper()
	// rabbitmqctl boots an Erlang VM of its own: seconds when idle, over a minute on a loaded
	// 2-core machine.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(rabbitBin, "rabbitmqctl"), append([]string{"-n", n.name}, args...)...)
	cmd.Env, cmd.Dir = n.ctlEnv, n.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rabbitmqctl %v: %v\n%s", args, err, out)
	}
}

// api reads a management API path as guest, for tests that wait on what the API reports.
func (n *rabbitNode) api(t *testing.T, path string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, n.mgmtURL+path, nil)
	req.SetBasicAuth("guest", "guest")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testsvc.WaitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePorts(k int) ([]string, error) {
	var ports []string
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for len(ports) < k {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, errors.Join(errors.New("no free port"), err)
		}
		lns = append(lns, ln)
		_, p, _ := net.SplitHostPort(ln.Addr().String())
		ports = append(ports, p)
	}
	return ports, nil
}
