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
	pool, err := sourceFiles(source)
	if err != nil {
		return err
	}
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
	g := &growth{w: bufio.NewWriterSize(in, 1<<20), r: rand.New(rand.NewSource(1300)), source: source, pool: pool,
		present: map[string][]string{}}
	for i := 1; i <= commits; i++ {
		g.commit(i)
	}
	if err := g.w.Flush(); err != nil {
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

// sourceFiles lists the files of source a history may take: not empty, under 256 KiB, not
// vendored.
func sourceFiles(source string) ([]string, error) {
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
	sort.Strings(pool)
	return pool, err
}

// growth writes the commits of a growing project to git fast-import.
type growth struct {
	w       *bufio.Writer
	r       *rand.Rand
	source  string
	pool    []string
	present map[string][]string // path in the repository → its lines
	paths   []string            // in the order they were added
}

// commit writes commit i: one to eight new files or edits of recently changed ones.
func (g *growth) commit(i int) {
	fmt.Fprintf(g.w, "commit refs/heads/main\ncommitter Bench <bench@example.com> %d +0000\n", 1700000000+i*3600)
	msg := fmt.Sprintf("change %d", i)
	fmt.Fprintf(g.w, "data %d\n%s\n", len(msg), msg)
	touched := map[string]bool{}
	for f := 0; f < 1+g.r.Intn(8); f++ {
		if len(g.paths) == 0 || g.r.Intn(2) == 0 {
			g.add(touched)
		} else {
			g.edit(touched)
		}
	}
	names := make([]string, 0, len(touched))
	for p := range touched {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		body := strings.Join(g.present[p], "")
		fmt.Fprintf(g.w, "M 644 inline %s\ndata %d\n%s\n", p, len(body), body)
	}
}

// read takes a random file of the source: its path in the repository and its lines.
func (g *growth) read() (string, []string) {
	src := g.pool[g.r.Intn(len(g.pool))]
	data, err := os.ReadFile(src)
	if err != nil {
		return "", nil
	}
	rel, _ := filepath.Rel(g.source, src)
	return filepath.ToSlash(rel), strings.SplitAfter(string(data), "\n")
}

// add puts a file in, as it is in the source tree.
func (g *growth) add(touched map[string]bool) {
	p, lines := g.read()
	if lines == nil {
		return
	}
	if _, ok := g.present[p]; !ok {
		g.paths = append(g.paths, p)
	}
	g.present[p] = lines
	touched[p] = true
}

// edit replaces a block of a recently changed file's lines by lines of another file.
func (g *growth) edit(touched map[string]bool) {
	p := g.paths[max(0, len(g.paths)-1-g.r.Intn(min(len(g.paths), 40)))]
	lines := g.present[p]
	_, other := g.read()
	if len(other) == 0 {
		return
	}
	at := g.r.Intn(len(lines) + 1)
	cut := min(len(lines)-at, g.r.Intn(40))
	n := min(len(other), 1+g.r.Intn(80))
	from := g.r.Intn(len(other) - n + 1)
	g.present[p] = append(append(append([]string{}, lines[:at]...), other[from:from+n]...), lines[at+cut:]...)
	touched[p] = true
}
