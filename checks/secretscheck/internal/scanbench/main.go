// Command scanbench runs the secrets check once over a directory and prints its result and
// throughput; scripts/bench-secrets.sh uses it until the CLI can run a check directly.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/launchgate/launchgate/checks/secretscheck"
	"github.com/launchgate/launchgate/internal/kind"
)

func main() {
	path := flag.String("path", ".", "directory to scan")
	history := flag.String("history", "auto", "auto, true or false")
	findings := flag.Bool("findings", false, "print every finding")
	makeRepo := flag.String("make-history", "", "build a repository replaying files of -source in -commits commits here, and exit")
	source := flag.String("source", "", "the tree -make-history takes its files from")
	commits := flag.Int("commits", 1300, "how many commits -make-history makes")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the scan here")
	gitCommand := flag.Bool("git-command", false, "print the single git command a history scan of -path reads, and exit")
	flag.Parse()
	switch {
	case *gitCommand:
		fmt.Println(strings.Join(secretscheck.HistoryGitCommand(*path), " "))
	case *makeRepo != "":
		exitOn(makeHistory(*makeRepo, *source, *commits))
	default:
		if *cpuProfile != "" {
			stop, err := profile(*cpuProfile)
			exitOn(err)
			defer stop()
		}
		exitOn(scan(*path, *history, *findings))
	}
}

func exitOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

// profile starts a CPU profile written to path.
func profile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return nil, err
	}
	return pprof.StopCPUProfile, nil
}

// scan runs the check over path and prints its result, its wall time and the CPU time it and
// its git processes took.
func scan(path, history string, all bool) error {
	s := &secretscheck.Secrets{Path: path, MaxFileSize: 5 << 20}
	if history != "auto" {
		h := history == "true"
		s.History = &h
	}
	if err := s.Validate(); err != nil {
		return err
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
	if all {
		for _, f := range r.Findings {
			fmt.Printf("  %s %s:%d:%d %s %s\n", f.Rule, f.File, f.Line, f.Column, f.Commit, f.Preview)
		}
	}
	fmt.Printf("findings: %d\nwall: %.3fs\n", len(r.Findings), el.Seconds())
	if self, git, ok := cpuTimes(); ok {
		fmt.Printf("cpu: scan %.3fs, git %.3fs\n", self.Seconds(), git.Seconds())
	}
	return nil
}
