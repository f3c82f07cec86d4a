// Command scanbench runs the secrets check once over a directory and prints its result and
// throughput; scripts/bench-secrets.sh uses it until the CLI can run a check directly.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/launchgate/launchgate/checks/secretscheck"
	"github.com/launchgate/launchgate/internal/kind"
)

func main() {
	path := flag.String("path", ".", "directory to scan")
	history := flag.String("history", "auto", "auto, true or false")
	findings := flag.Bool("findings", false, "print every finding")
	flag.Parse()
	s := &secretscheck.Secrets{Path: *path, MaxFileSize: 5 << 20}
	if *history != "auto" {
		h := *history == "true"
		s.History = &h
	}
	if err := s.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	start := time.Now()
	r := s.Run(context.Background(), kind.DefaultEnv("bench"))
	el := time.Since(start)
	fmt.Printf("status: %s\nsummary: %s\n", r.Status, r.Summary)
	for _, e := range r.Evidence {
		if e.Status != kind.Fail {
			fmt.Printf("  %s: %s\n", e.Label, e.Observed)
		}
	}
	if *findings {
		for _, f := range r.Findings {
			fmt.Printf("  %s %s:%d:%d %s %s\n", f.Rule, f.File, f.Line, f.Column, f.Commit, f.Preview)
		}
	}
	fmt.Printf("findings: %d\nwall: %.3fs\n", len(r.Findings), el.Seconds())
}
