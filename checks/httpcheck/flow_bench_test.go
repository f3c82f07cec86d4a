package httpcheck

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

const benchSteps = 20

// BenchmarkFlowOverhead measures what a flow adds to each request on loopback: "raw" sends the
// requests with the same client a flow uses and reads each body; "flow" runs a flow of as many
// steps (a template in the path, a header, a status, a JSON value and a capture each). The
// difference of their ns/step is the flow's own cost per step.
func BenchmarkFlowOverhead(b *testing.B) {
	srv := newBenchServer(b)
	env := kind.DefaultEnv("bench")
	b.Run("raw", func(b *testing.B) {
		for b.Loop() {
			client := probe.NewClient(env, probe.ClientOptions{})
			for i := 0; i < benchSteps; i++ {
				req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/users/%d", srv, i), nil)
				req.Header.Set("Authorization", "Bearer bench-token-123456")
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			client.CloseIdleConnections()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchSteps), "ns/step")
	})
	b.Run("flow", func(b *testing.B) {
		var steps strings.Builder
		steps.WriteString("  - {name: s0, request: {path: /users/0, headers: {Authorization: \"Bearer {{token}}\"}}, capture: {id: $.id}}\n")
		for i := 1; i < benchSteps; i++ {
			fmt.Fprintf(&steps, "  - {name: s%d, request: {path: \"/users/{{id}}\", headers: {Authorization: \"Bearer {{token}}\"}}, expect: {status: 200, json: {$.email: \"a@example.invalid\"}}, capture: {id: $.id}}\n", i)
		}
		f := loadFlow(b, "base_url: "+srv+"\nlet: {token: bench-token-123456}\nsteps:\n"+steps.String(), nil)
		for b.Loop() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			r := f.Run(ctx, env)
			cancel()
			if r.Status != kind.Pass {
				b.Fatal(everything(r))
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchSteps), "ns/step")
	})
	// work is the flow's own part of a step, without the network: filling in the request,
	// judging a response and capturing from it.
	b.Run("work", func(b *testing.B) {
		f := loadFlow(b, "base_url: "+srv+"\nlet: {token: bench-token-123456}\nsteps:\n"+
			"  - {name: s0, request: {path: /users/0}, capture: {id: $.id}}\n"+
			"  - {name: s1, request: {path: \"/users/{{id}}\", headers: {Authorization: \"Bearer {{token}}\"}}, expect: {status: 200, json: {$.email: \"a@example.invalid\"}}, capture: {id: $.id}}\n", nil)
		r := newFlowRun(context.Background(), f, env)
		r.computeLets()
		r.vars.set("id", "7")
		call := &f.Steps[1].FlowCall
		body := []byte(`{"id": "7", "email": "a@example.invalid", "name": "A"}`)
		hdr := http.Header{"Content-Type": {"application/json"}}
		for b.Loop() {
			p, err := r.prepare(call)
			if err != nil {
				b.Fatal(err)
			}
			a := newAttempt(call, 1, p)
			a.code, a.header, a.body = 200, hdr, body
			r.judgeResponse(context.Background(), a)
			r.capture(a)
			if a.verdict != kind.Pass {
				b.Fatal(a.problem)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/step")
	})
}

func newBenchServer(b *testing.B) string {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimPrefix(r.URL.Path, "/users/")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id": %q, "email": "a@example.invalid", "name": "A"}`, id)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}
