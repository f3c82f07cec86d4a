package secrets

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/check"
)

// goroot is the large real tree the speed floor is measured on.
func goroot(b *testing.B) string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Skip("no go toolchain: ", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "src")
}

// BenchmarkWorkingTreeGOROOT scans $(go env GOROOT)/src as plain files (the floor:
// at least 100 MB/s on a 2-core machine).
func BenchmarkWorkingTreeGOROOT(b *testing.B) {
	root := goroot(b)
	no := false
	var scanned int64
	for i := 0; i < b.N; i++ {
		s := &Secrets{Path: root, History: &no, MaxFileSize: defaultMaxFileSize}
		if err := s.Validate(); err != nil {
			b.Fatal(err)
		}
		rep, err := s.scan(context.Background(), check.DefaultEnv("bench"), false)
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
	_ = runtime.NumCPU
}

// BenchmarkMatcher measures the keyword prefilter alone.
func BenchmarkMatcher(b *testing.B) {
	root := goroot(b)
	data, _ := os.ReadFile(filepath.Join(root, "net", "http", "server.go"))
	rs := mustRules(b)
	b.SetBytes(int64(len(data)))
	hits := 0
	for i := 0; i < b.N; i++ {
		rs.matcher.scan(data, func(int, int) { hits++ })
	}
}
