package secretscheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// vendoredDirs hold other people's code: dependency trees a package manager wrote.
var vendoredDirs = map[string]bool{
	"vendor": true, "node_modules": true, "bower_components": true, "jspm_packages": true,
	"site-packages": true, "dist-packages": true, ".venv": true, "venv": true, "Pods": true,
	"Carthage": true, ".bundle": true,
}

// binaryExts are skipped without reading: images, archives, compiled objects, media, fonts.
var binaryExts = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".bmp": true, ".ico": true,
	".webp": true, ".tif": true, ".tiff": true, ".psd": true, ".pdf": true, ".zip": true,
	".gz": true, ".tgz": true, ".bz2": true, ".xz": true, ".zst": true, ".7z": true, ".rar": true,
	".jar": true, ".war": true, ".ear": true, ".class": true, ".o": true, ".a": true, ".so": true,
	".dylib": true, ".dll": true, ".exe": true, ".bin": true, ".obj": true, ".lib": true,
	".pyc": true, ".pyo": true, ".whl": true, ".woff": true, ".woff2": true, ".ttf": true,
	".otf": true, ".eot": true, ".mp3": true, ".mp4": true, ".mov": true, ".avi": true,
	".mkv": true, ".wav": true, ".flac": true, ".ogg": true, ".webm": true, ".iso": true,
	".dmg": true, ".deb": true, ".rpm": true, ".apk": true, ".ipa": true, ".wasm": true,
	".syso": true, ".golden.gz": true,
}

// binarySniff is how much of a file is looked at for a NUL byte, as git does.
const binarySniff = 8000

func isVendored(rel string) bool {
	for _, seg := range strings.Split(rel, "/") {
		if vendoredDirs[seg] {
			return true
		}
	}
	return false
}

// skipKind says why a working-tree entry was not read.
type skipKind int

const (
	skipNone    skipKind = iota
	skipSymlink          // never followed: its target is scanned where it lives
	skipDir              // a submodule or a nested repository: another repository's files
	skipSpecial          // a FIFO, socket or device: no content to scan, and reading could block
)

// treeStats counts what the working-tree scan looked at and why it skipped the rest.
type treeStats struct {
	files, bytes                              int64
	binary, oversize, vendored, ignored, gone int64
	// submodules are directories git lists as one entry: a submodule, or an untracked nested
	// repository. Their files belong to another repository and are not scanned.
	submodules, symlinks, special int64
	// unreadable directories (outside a repository) could not be listed.
	unreadable int64
}

func (a *treeStats) add(b treeStats) {
	a.files += b.files
	a.bytes += b.bytes
	a.binary += b.binary
	a.oversize += b.oversize
	a.vendored += b.vendored
	a.ignored += b.ignored
	a.gone += b.gone
	a.submodules += b.submodules
	a.symlinks += b.symlinks
	a.special += b.special
	a.unreadable += b.unreadable
}

// listFiles returns the files to scan under root, as slash paths relative to it: in a git work
// tree the tracked plus the untracked-but-not-ignored files (an untracked nested repository is
// listed as one entry, "dir/"), elsewhere every regular file.
func listFiles(ctx context.Context, root string, inRepo bool) ([]string, treeStats, error) {
	var st treeStats
	if inRepo {
		out, err := gitOutput(ctx, root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
		if err != nil {
			return nil, st, err
		}
		var files []string
		last := ""
		for _, f := range bytes.Split(out, []byte{0}) {
			if len(f) == 0 || string(f) == last {
				continue // unmerged paths are listed once per stage
			}
			last = string(f)
			if strings.HasSuffix(last, "/") {
				st.submodules++
				continue
			}
			files = append(files, last)
		}
		return files, st, nil
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			st.unreadable++
			return nil
		}
		switch {
		case d.IsDir():
			if d.Name() == ".git" && p != root {
				return filepath.SkipDir
			}
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			st.symlinks++
			return nil
		case !d.Type().IsRegular():
			st.special++
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return nil
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	return files, st, err
}

// fileFinding is a match located in a working-tree file.
type fileFinding struct {
	file string
	m    match
}

// scanTree reads the files in parallel and scans each.
func (sc *Secrets) scanTree(ctx context.Context, rs *ruleSet, root string, files []string) ([]fileFinding, treeStats, error) {
	workers := runtime.GOMAXPROCS(0) + 2 // a little over the CPUs, so that reads overlap scans
	jobs := make(chan string, 256)
	scans := make([]treeScan, workers)
	var wg sync.WaitGroup
	for i := range scans {
		wg.Go(func() { scans[i] = sc.scanFiles(rs, root, jobs) })
	}
	stats, ctxErr := sc.feedFiles(ctx, files, jobs)
	wg.Wait()
	var findings []fileFinding
	var firstErr error
	for _, t := range scans {
		findings = append(findings, t.findings...)
		stats.add(t.st)
		if firstErr == nil {
			firstErr = t.err
		}
	}
	if ctxErr != nil {
		return nil, stats, fmt.Errorf("working tree scan stopped after %d files: %w", stats.files, ctxErr)
	}
	return findings, stats, firstErr
}

// treeScan is what one worker found in the files it read, and the first file it could not read.
type treeScan struct {
	findings []fileFinding
	st       treeStats
	err      error
}

// scanFiles reads and scans the files that come on jobs until it is closed.
func (sc *Secrets) scanFiles(rs *ruleSet, root string, jobs <-chan string) (out treeScan) {
	scn := newScanner(rs)
	var buf []byte
	for rel := range jobs {
		var err error
		buf, err = sc.scanFile(scn, root, rel, buf, &out.st, &out.findings)
		if err != nil && out.err == nil {
			out.err = err
		}
	}
	return out
}

// feedFiles hands the files to the workers, counting those it skips by name (ignored, vendored,
// binary by their extension), until they are all handed over or the context ends; it closes
// jobs either way.
func (sc *Secrets) feedFiles(ctx context.Context, files []string, jobs chan<- string) (treeStats, error) {
	defer close(jobs)
	var st treeStats
	for _, rel := range files {
		switch {
		case sc.ignored(rel):
			st.ignored++
		case isVendored(rel):
			st.vendored++
		case binaryExts[strings.ToLower(path.Ext(rel))]:
			st.binary++
		default:
			select {
			case jobs <- rel:
			case <-ctx.Done():
				return st, ctx.Err()
			}
		}
	}
	return st, nil
}

// scanFile reads one file into buf (reused across files) and scans it.
func (sc *Secrets) scanFile(scn *scanner, root, rel string, buf []byte, st *treeStats, out *[]fileFinding) ([]byte, error) {
	data, buf, size, skip, err := readFile(filepath.Join(root, filepath.FromSlash(rel)), buf, int64(sc.MaxFileSize))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		st.gone++ // tracked but deleted in the work tree
		return buf, nil
	case err != nil:
		return buf, fmt.Errorf("read %s: %w", printable(rel), err)
	case skip == skipSymlink:
		st.symlinks++
		return buf, nil
	case skip == skipDir:
		st.submodules++
		return buf, nil
	case skip == skipSpecial:
		st.special++
		return buf, nil
	case size < 0:
		st.oversize++
		return buf, nil
	}
	if bytes.IndexByte(data[:min(len(data), binarySniff)], 0) >= 0 {
		st.binary++
		return buf, nil
	}
	st.files++
	st.bytes += int64(len(data))
	for _, m := range scn.scan(data, optsFor(rel)) {
		*out = append(*out, fileFinding{file: rel, m: m})
	}
	return buf, nil
}
