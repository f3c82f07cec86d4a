package cli

import (
	"reflect"
	"testing"
	"time"
)

// TestFlagsReachOptions runs each command with its run function replaced (as cli/cli does), so
// that what a flag means is pinned without running a gate: a flag that no longer reaches its
// option fails here, not in a user's CI.
func TestFlagsReachOptions(t *testing.T) {
	t.Run("run", func(t *testing.T) {
		var got *RunOptions
		cmd := newCmdRun(&App{}, func(o *RunOptions) error { got = o; return nil })
		cmd.SetArgs([]string{"gate.yaml", "--only", "tls,db", "--skip", "slow", "--format", "json", "--strict",
			"--timeout", "2m", "--fail-fast", "-v", "--output", "junit=out.xml", "--allow-empty", "--fail-on-skip"})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		want := GateOptions{Format: "json", Strict: true, Timeout: 2 * time.Minute, FailFast: true, Verbose: true,
			Outputs: []string{"junit=out.xml"}, AllowEmpty: true, FailOnSkip: true, Concurrency: got.Concurrency}
		if got.File != "gate.yaml" || !reflect.DeepEqual(got.Only, []string{"tls", "db"}) || !reflect.DeepEqual(got.Skip, []string{"slow"}) ||
			!reflect.DeepEqual(got.GateOptions, want) {
			t.Errorf("got %+v", *got)
		}
	})
	t.Run("check", func(t *testing.T) {
		var got *CheckOptions
		cmd := newCmdCheck(&App{}, func(o *CheckOptions) error { got = o; return nil })
		cmd.SetArgs([]string{"http.health", "https://example.com/healthz", "max_latency=300ms", "--check-timeout", "3s", "--format", "json"})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if got.Kind != "http.health" || !reflect.DeepEqual(got.Args, []string{"https://example.com/healthz", "max_latency=300ms"}) ||
			got.CheckTimeout != 3*time.Second || got.Format != "json" {
			t.Errorf("got %+v", *got)
		}
	})

}
