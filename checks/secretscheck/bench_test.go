package secretscheck

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/kind"
)

// goroot is the large real tree the speed floor is measured on.
func goroot(b *testing.B) string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Skip("no go toolchain: ", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "src")
}

// BenchmarkWorkingTreeGOROOT scans $(go env GOROOT)/src as plain files (the bar: 0.6 s wall
// on an idle 2-core machine; scripts/bench-secrets.sh measures it with peak RSS).
func BenchmarkWorkingTreeGOROOT(b *testing.B) {
	root := goroot(b)
	no := false
	var scanned int64
	for i := 0; i < b.N; i++ {
		s := &Secrets{Path: root, History: &no, MaxFileSize: defaultMaxFileSize}
		if err := s.Validate(); err != nil {
			b.Fatal(err)
		}
		rep, err := s.scan(context.Background(), kind.DefaultEnv("bench"), false)
		if err != nil {
			b.Fatal(err)
		}
		scanned = rep.tree.bytes
	}
	b.SetBytes(scanned)
}

// BenchmarkScanBuffer measures the single-core scanner over Go source held in memory.
func BenchmarkScanBuffer(b *testing.B) {
	root := goroot(b)
	var data []byte
	filepath.WalkDir(filepath.Join(root, "net"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".go") {
			if c, err := os.ReadFile(p); err == nil {
				data = append(data, c...)
			}
		}
		return nil
	})
	sc := newScanner(mustRules(b))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sc.scan(data, optsFor("x.go"))
	}
}

// BenchmarkMatcher measures the keyword prefilter alone.
func BenchmarkMatcher(b *testing.B) {
	root := goroot(b)
	data, _ := os.ReadFile(filepath.Join(root, "net", "http", "server.go"))
	rs := mustRules(b)
	b.SetBytes(int64(len(data)))
	var h hitBuffers
	for i := 0; i < b.N; i++ {
		rs.matcher.scan(data, &h)
	}
}

// BenchmarkHistory1500Commits scans the history of a generated repository of 1,500 commits,
// each changing three files (the bar: 1 s).
func BenchmarkHistory1500Commits(b *testing.B) {
	requireGit(b)
	dir := b.TempDir()
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
		b.Fatalf("%v %s", err, out)
	}
	var stream strings.Builder
	for i := 1; i <= 1500; i++ {
		msg := fmt.Sprintf("change %d", i)
		fmt.Fprintf(&stream, "commit refs/heads/main\ncommitter Bench <bench@example.com> %d +0000\ndata %d\n%s\n", 1700000000+i, len(msg), msg)
		for f := 1; f <= 3; f++ {
			var body strings.Builder
			for l := 0; l < 40; l++ {
				fmt.Fprintf(&body, "func f%d_%d_%d(x int) int { return x*%d + %d } // config token_%d\n", i, f, l, l, i, l)
			}
			fmt.Fprintf(&stream, "M 644 inline pkg%d/file%d.go\ndata %d\n%s\n", i%50, f, body.Len(), body.String())
		}
	}
	imp := exec.Command("git", "fast-import", "--quiet")
	imp.Dir = dir
	imp.Stdin = strings.NewReader(stream.String())
	if out, err := imp.CombinedOutput(); err != nil {
		b.Fatalf("fast-import: %v %s", err, out)
	}
	if out, err := exec.Command("git", "-C", dir, "checkout", "-q", "main").CombinedOutput(); err != nil {
		b.Fatalf("%v %s", err, out)
	}
	b.ResetTimer()
	var added int64
	for i := 0; i < b.N; i++ {
		s := &Secrets{Path: dir, MaxFileSize: defaultMaxFileSize}
		if err := s.Validate(); err != nil {
			b.Fatal(err)
		}
		rep, err := s.scan(context.Background(), kind.DefaultEnv("bench"), false)
		if err != nil {
			b.Fatal(err)
		}
		if rep.diff.commits != 1500 {
			b.Fatalf("%d commits scanned", rep.diff.commits)
		}
		added = rep.diff.bytes
	}
	b.SetBytes(added)
}
