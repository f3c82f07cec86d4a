package natscheck

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// sharedURL is the NATS server with JetStream every machine of the project runs
// (.ci/services/10-queues.sh).
const sharedURL = "nats://127.0.0.1:4222"

// server is a connection the test sets streams up with.
type server struct {
	url string
	nc  *nats.Conn
	js  jetstream.JetStream
}

func connect(t testing.TB, url string) *server {
	t.Helper()
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second), nats.NoReconnect())
	if err != nil {
		testsvc.Unavailable(t, "NATS with JetStream at "+url, "bash .ci/services/10-queues.sh", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return &server{url: url, nc: nc, js: js}
}

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// stream creates a stream of the test's own on subjects SUBJECT.>, deleted when the test ends.
func (s *server) stream(t testing.TB, cfg jetstream.StreamConfig) (jetstream.Stream, string) {
	t.Helper()
	suffix := strings.ToUpper(randomSuffix())
	cfg.Name = "LGTEST_" + suffix
	subject := "lgtest." + suffix
	cfg.Subjects = []string{subject + ".>"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := s.js.CreateStream(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.js.DeleteStream(ctx, cfg.Name); err != nil {
			t.Errorf("deleting stream %s: %v", cfg.Name, err)
		}
	})
	return st, subject
}

// publish puts n messages on subject and waits for every acknowledgement.
func (s *server) publish(t testing.TB, subject string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := s.js.PublishAsync(subject+".job", []byte("job")); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-s.js.PublishAsyncComplete():
	case <-time.After(testsvc.WaitLimit):
		t.Fatal("publishing did not complete")
	}
}

func (s *server) durable(t testing.TB, st jetstream.Stream, cfg jetstream.ConsumerConfig) jetstream.Consumer {
	t.Helper()
	if cfg.AckPolicy == jetstream.AckNonePolicy {
		cfg.AckPolicy = jetstream.AckExplicitPolicy
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := st.CreateOrUpdateConsumer(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newConsumer(url, stream string, consumers ...string) *Consumer {
	k, _ := kind.Lookup("nats.consumer")
	c := k.New().(*Consumer)
	c.URL, c.Stream, c.Consumers = url, stream, consumers
	c.Sample = kind.Duration(500 * time.Millisecond)
	return c
}

func runCheck(t *testing.T, c *Consumer, timeout time.Duration, secrets ...string) kind.Result {
	t.Helper()
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	r := c.Run(ctx, kind.DefaultEnv("test"))
	out := golden.Result(r)
	t.Log(out)
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the result shows the secret %q:\n%s", s, out)
		}
	}
	return r
}

func expect(t *testing.T, r kind.Result, want kind.Status, parts ...string) {
	t.Helper()
	if r.Status != want {
		t.Errorf("status %s, want %s:\n%s", r.Status, want, golden.Result(r))
	}
	all := golden.Result(r)
	for _, p := range parts {
		if !strings.Contains(all, p) {
			t.Errorf("result does not mention %q:\n%s", p, all)
		}
	}
}

// ownServer starts a nats-server of the test's own on a free port with extra arguments
// (credentials, no JetStream), stopped when the test ends.
func ownServer(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		testsvc.Unavailable(t, "nats-server", "apt-get install nats-server", err)
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, append([]string{"-a", "127.0.0.1", "-p", port, "-l", filepath.Join(dir, "log")}, args...)...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	deadline := time.Now().Add(testsvc.WaitLimit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return addr
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("nats-server exited: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server did not listen on %s", addr)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitInfo polls a consumer's info until ok holds.
func waitInfo(t *testing.T, c jetstream.Consumer, what string, ok func(*jetstream.ConsumerInfo) bool) {
	t.Helper()
	deadline := time.Now().Add(testsvc.WaitLimit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		info, err := c.Info(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if ok(info) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %+v", what, info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ptr(n int64) *int64 { return &n }
