package main

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// makeHistory builds a git repository in dir whose history replays real files: commits commits,
// each adding or editing a few files taken from source (Go code, test fixtures, JSON, golden
// files), the way a project grows. A generated history of one-line changes says little about
// what git log -p costs on a real project; this one has real file sizes, real diffs and
// fixtures full of hashes and keys.
func makeHistory(dir, source string, commits int) error {
	var pool []string
	err := filepath.WalkDir(source, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil && fi.Size() > 0 && fi.Size() < 256<<10 && !strings.Contains(p, "/vendor/") {
			pool = append(pool, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(pool)
	if err := exec.Command("git", "init", "-q", "-b", "main", dir).Run(); err != nil {
		return fmt.Errorf("git init: %w", err)
	}
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir = dir
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	w := bufio.NewWriterSize(in, 1<<20)
	r := rand.New(rand.NewSource(1300))
	present := map[string][]string{} // path in the repository → its lines
	var paths []string
	read := func() (string, []string) {
		src := pool[r.Intn(len(pool))]
		data, err := os.ReadFile(src)
		if err != nil {
			return "", nil
		}
		rel, _ := filepath.Rel(source, src)
		return filepath.ToSlash(rel), strings.SplitAfter(string(data), "\n")
	}
	for i := 1; i <= commits; i++ {
		fmt.Fprintf(w, "commit refs/heads/main\ncommitter Bench <bench@example.com> %d +0000\n", 1700000000+i*3600)
		msg := fmt.Sprintf("change %d", i)
		fmt.Fprintf(w, "data %d\n%s\n", len(msg), msg)
		touched := map[string]bool{}
		for f := 0; f < 1+r.Intn(8); f++ {
			if len(paths) == 0 || r.Intn(2) == 0 {
				// A new file, as it is in the source tree.
				p, lines := read()
				if lines == nil {
					continue
				}
				if _, ok := present[p]; !ok {
					paths = append(paths, p)
				}
				present[p] = lines
				touched[p] = true
				continue
			}
			// An edit of a recently changed file: a block of its lines replaced by lines of
			// another file.
			p := paths[max(0, len(paths)-1-r.Intn(min(len(paths), 40)))]
			lines := present[p]
			_, other := read()
			if len(other) == 0 {
				continue
			}
			at := r.Intn(len(lines) + 1)
			cut := min(len(lines)-at, r.Intn(40))
			n := min(len(other), 1+r.Intn(80))
			from := r.Intn(len(other) - n + 1)
			present[p] = append(append(append([]string{}, lines[:at]...), other[from:from+n]...), lines[at+cut:]...)
			touched[p] = true
		}
		names := make([]string, 0, len(touched))
		for p := range touched {
			names = append(names, p)
		}
		sort.Strings(names)
		for _, p := range names {
			body := strings.Join(present[p], "")
			fmt.Fprintf(w, "M 644 inline %s\ndata %d\n%s\n", p, len(body), body)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git fast-import: %w", err)
	}
	co := exec.Command("git", "checkout", "-q", "main")
	co.Dir = dir
	co.Stderr = io.Discard
	return co.Run()
}
