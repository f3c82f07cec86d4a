package postgrescheck

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// bkDump is the newest entry of the dump directory that matches the pattern.
type bkDump struct {
	path, name string
	mod        time.Time
	size       int64
	dir        bool // a directory-format dump (-Fd): a directory with toc.dat
}

// bkHeadBytes is how much of a dump's beginning is read to tell its format and versions.
const bkHeadBytes = 8 << 10

// bkTailBytes is how much of a plain dump's end is kept to find pg_dump's completion line.
const bkTailBytes = 4 << 10

// The lines pg_dump and pg_dumpall write last, only once the dump is complete.
var bkCompletionLines = []string{"-- PostgreSQL database dump complete", "-- PostgreSQL database cluster dump complete"}

// judge finds the newest dump and judges its age, size and (with verify) readability.
func (d *DumpFiles) judge(ctx context.Context, env *kind.Env) bkOutcome {
	var o bkOutcome
	dir := d.Path
	if !filepath.IsAbs(dir) && env.BaseDir != "" {
		dir = filepath.Join(env.BaseDir, dir)
	}
	label := "dumps in " + bkName(dir)
	newest, err := bkNewestDump(dir, d.Pattern)
	switch {
	case err != nil:
		o.add(kind.Line{Label: label, Observed: err.Error(), Expected: "a readable directory", Status: kind.Error,
			Problem: "cannot list the dumps: " + err.Error(), Remedy: "check dumps.path and that this user may read the directory"})
		return o
	case newest == nil:
		o.add(kind.Line{Label: label, Observed: fmt.Sprintf("no entry matches %q", d.Pattern), Expected: "a dump within " + d.MaxAge.String(), Status: kind.Fail,
			Problem: fmt.Sprintf("no dump matching %q in %s", d.Pattern, bkName(dir)),
			Remedy:  "check that the dump job runs and writes where dumps.path and dumps.pattern say"})
		return o
	}
	o.evidence = true
	now := env.Now()
	age := now.Sub(newest.mod)
	name := bkName(newest.name)
	obs := fmt.Sprintf("%s, %s, written %s", name, bkSize(newest.size), bkWhen(newest.mod, now))
	expected := fmt.Sprintf("within %s, at least %s", d.MaxAge, d.minSizeText())
	line := kind.Line{Label: "newest dump", Observed: obs, Expected: expected, Status: kind.Pass}
	switch {
	case age > d.MaxAge.D():
		line.Status = kind.Fail
		line.Problem = fmt.Sprintf("the newest dump, %s, was written %s ago (max %s)", name, bkAge(age), d.MaxAge)
		line.Remedy = "check that the scheduled dump job runs and succeeds (its log and exit status), and that it writes to dumps.path"
	case newest.size == 0 || newest.size < int64(d.MinSize):
		line.Status = kind.Fail
		line.Problem = fmt.Sprintf("the newest dump, %s, is %s, less than %s: a dump that stopped early", name, bkSize(newest.size), d.minSizeText())
		line.Remedy = "read the dump job's log: pg_dump stopped early (killed, out of disk, lost its connection) or dumped the wrong database"
	}
	o.add(line)
	o.note = "newest dump " + obs
	if d.Verify {
		o.add(d.verify(ctx, newest))
	}
	return o
}

// bkSize prints a size the way a person reads it: 4.5KiB, 12.3MiB.
func bkSize(n int64) string {
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	if n < 1<<10 {
		return fmt.Sprintf("%d bytes", n)
	}
	f, u := float64(n)/(1<<10), 0
	for f >= 1<<10 && u < len(units)-1 {
		f, u = f/(1<<10), u+1
	}
	return fmt.Sprintf("%.1f%s", f, units[u])
}

func (d *DumpFiles) minSizeText() string {
	if d.MinSize > 0 {
		return d.MinSize.String()
	}
	return "1 byte"
}

// bkName shows a file name from outside on one line, as itself and nothing more.
func bkName(s string) string { return qyClip(s, 200) }

// bkNewestDump is the most recently modified entry of dir whose name matches pattern: a file, or
// a directory holding toc.dat. Symbolic links are followed (latest.dump → …).
func bkNewestDump(dir, pattern string) (*bkDump, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var newest *bkDump
	for _, e := range entries {
		if ok, _ := filepath.Match(pattern, e.Name()); !ok {
			continue
		}
		p := filepath.Join(dir, e.Name())
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		cand := &bkDump{path: p, name: e.Name(), mod: st.ModTime(), size: st.Size()}
		switch {
		case st.IsDir():
			size, ok := bkDirDumpSize(p)
			if !ok {
				continue
			}
			cand.dir, cand.size = true, size
		case !st.Mode().IsRegular():
			continue
		}
		if newest == nil || cand.mod.After(newest.mod) {
			newest = cand
		}
	}
	return newest, nil
}

// bkDirDumpSize is the size of a directory-format dump, or false when dir is not one.
func bkDirDumpSize(dir string) (int64, bool) {
	if st, err := os.Stat(filepath.Join(dir, "toc.dat")); err != nil || !st.Mode().IsRegular() {
		return 0, false
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, false
	}
	var size int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			size += info.Size()
		}
	}
	return size, true
}

// bkOpen opens a file to read without waiting on a FIFO (O_NONBLOCK), refusing anything that is
// not a regular file.
func bkOpen(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", bkName(path))
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func bkHead(path string) ([]byte, error) {
	f, err := bkOpen(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, bkHeadBytes)
	n, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:n], nil
}

// verify reads the dump the way a restore would start to.
func (d *DumpFiles) verify(ctx context.Context, dump *bkDump) kind.Line {
	label := "dump readable"
	headPath := dump.path
	if dump.dir {
		headPath = filepath.Join(dump.path, "toc.dat")
	}
	head, err := bkHead(headPath)
	if err != nil {
		return kind.Line{Label: label, Observed: err.Error(), Expected: "readable", Status: kind.Error,
			Problem: "cannot read the newest dump: " + err.Error(), Remedy: "check that this user may read the dumps"}
	}
	switch {
	case dump.dir || bytes.HasPrefix(head, []byte("PGDMP")):
		return d.verifyArchive(ctx, dump, head)
	case len(head) > 262 && string(head[257:262]) == "ustar":
		return d.verifyArchive(ctx, dump, head[min(512, len(head)):])
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return bkVerifyPlain(ctx, dump, true)
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}), bytes.HasPrefix(head, []byte{0x04, 0x22, 0x4d, 0x18}):
		return kind.Line{Label: label, Observed: "a zstd or lz4 compressed file, which verify does not read", Expected: "custom, directory or tar format, or plain SQL (optionally gzip)",
			Status: kind.Error, Problem: "cannot verify the newest dump: it is compressed with zstd or lz4",
			Remedy: "dump in custom format (pg_dump -Fc, which compresses too), or turn verify off"}
	}
	return bkVerifyPlain(ctx, dump, false)
}

// verifyArchive runs pg_restore --list on a custom, directory or tar format dump. When that
// fails, a dump from a newer pg_dump than the local pg_restore is a warning naming both: it
// cannot be read here, which says nothing about the dump.
func (d *DumpFiles) verifyArchive(ctx context.Context, dump *bkDump, head []byte) kind.Line {
	label, expected := "dump readable", "pg_restore --list reads it"
	hdr, herr := bkArchiveHeader(head)
	entries := &bkLineCounter{}
	restore := bkProgram{path: bkFindRestore(d.PgRestore, bkDebianBinRoot), name: d.PgRestore}
	err := bkRun(ctx, entries, restore, "--list", dump.path)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return kind.Line{Label: label, Observed: err.Error(), Expected: expected, Status: kind.Error,
			Problem: "could not verify the newest dump in time: " + err.Error(), Remedy: "raise the check's timeout"}
	case errors.Is(err, exec.ErrNotFound):
		return kind.Line{Label: label, Observed: err.Error(), Expected: expected, Status: kind.Error,
			Problem: "cannot verify the newest dump: " + err.Error(), Remedy: "install the PostgreSQL client (pg_restore) where the check runs, or set dumps.pg_restore"}
	default:
		local, verr := bkRestoreVersion(ctx, restore)
		if herr == nil && verr == nil && bkMajor(hdr.dumpVersion) > bkMajor(local) && bkMajor(local) > 0 {
			return kind.Line{Label: label, Observed: fmt.Sprintf("written by pg_dump %s, newer than the local pg_restore %s, which cannot read it: not verified", hdr.dumpVersion, local),
				Expected: expected, Status: kind.Warn,
				Problem: fmt.Sprintf("the newest dump comes from pg_dump %s and the local pg_restore is %s: it cannot be verified here (nor restored with it)", hdr.dumpVersion, local),
				Remedy:  fmt.Sprintf("install pg_restore %d or newer where the check runs (and where you would restore), or set dumps.pg_restore to it", bkMajor(hdr.dumpVersion))}
		}
		return kind.Line{Label: label, Observed: fmt.Sprintf("pg_restore --list fails: %v", err), Expected: expected, Status: kind.Fail,
			Problem: fmt.Sprintf("the newest dump, %s, cannot be read: %v", bkName(dump.name), err),
			Remedy:  "it is damaged or incomplete: read the dump job's log and exit status (a full disk or a killed pg_dump leaves a cut file), and take a new dump"}
	}
	what := "custom format"
	if dump.dir {
		what = "directory format"
	} else if !bytes.HasPrefix(head, []byte("PGDMP")) {
		what = "tar format"
	}
	if herr == nil {
		what += fmt.Sprintf(" by pg_dump %s from server %s", bkVersionNumber.FindString(hdr.dumpVersion), bkVersionNumber.FindString(hdr.serverVersion))
	}
	return kind.Line{Label: label, Observed: fmt.Sprintf("%s; pg_restore --list read %d entries", what, entries.entries), Expected: expected, Status: kind.Pass}
}

// bkRestoreVersion is the local pg_restore's version, e.g. 15.20.
func bkRestoreVersion(ctx context.Context, restore bkProgram) (string, error) {
	out := &bkLimitedBuffer{max: 4 << 10}
	if err := bkRun(ctx, out, restore, "--version"); err != nil {
		return "", err
	}
	return bkVersionNumber.FindString(out.String()), nil
}

// bkDebianBinRoot is where Debian and Ubuntu install each PostgreSQL major version's programs,
// side by side: /usr/lib/postgresql/15/bin/pg_restore.
const bkDebianBinRoot = "/usr/lib/postgresql"

// bkFindRestore is the file verify runs for dumps.pg_restore. A program the checklist names is
// run as it is named. The default, pg_restore on PATH, is on Debian and Ubuntu a link to
// pg_wrapper, a Perl script that spends some 60 ms choosing a version before the real program
// starts (more than the rest of the check): it is passed over for the newest major version under
// binRoot, whose pg_restore reads the dumps of every older pg_dump too. PATH decides when its
// pg_restore is a real one, or when binRoot holds none.
func bkFindRestore(configured, binRoot string) string {
	if configured != "pg_restore" {
		return configured
	}
	path, err := exec.LookPath(configured)
	if err == nil {
		if real, err := filepath.EvalSymlinks(path); err != nil || filepath.Base(real) != "pg_wrapper" {
			return path
		}
	}
	if newest := bkNewestInstalled(binRoot, configured); newest != "" {
		return newest
	}
	if err == nil {
		return path
	}
	return configured
}

// bkNewestInstalled is program in the bin directory of the newest major version under binRoot
// (16 before 9.6), or "" when there is none.
func bkNewestInstalled(binRoot, program string) string {
	dirs, _ := os.ReadDir(binRoot)
	best, bestVersion := "", []int(nil)
	for _, d := range dirs {
		version, ok := bkVersionParts(d.Name())
		p := filepath.Join(binRoot, d.Name(), "bin", program)
		if fi, err := os.Stat(p); !ok || err != nil || fi.IsDir() {
			continue
		}
		if best == "" || slices.Compare(version, bestVersion) > 0 {
			best, bestVersion = p, version
		}
	}
	return best
}

// bkVersionParts reads a directory name such as 15 or 9.6 as a version.
func bkVersionParts(name string) ([]int, bool) {
	var parts []int
	for _, f := range strings.Split(name, ".") {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, false
		}
		parts = append(parts, n)
	}
	return parts, true
}

var bkVersionNumber = regexp.MustCompile(`\d+(\.\d+)*`)

// bkMajor is the major version of a PostgreSQL version string: 15 of 15.20, 9 of 9.6.24.
func bkMajor(v string) int {
	n, _ := strconv.Atoi(strings.SplitN(bkVersionNumber.FindString(v), ".", 2)[0])
	return n
}

// bkLineCounter counts the entries of pg_restore --list (lines that are not comments) without
// keeping them.
type bkLineCounter struct {
	entries int
	mid     bool // inside a line
	comment bool
}

func (c *bkLineCounter) Write(p []byte) (int, error) {
	for _, b := range p {
		switch {
		case b == '\n':
			c.mid = false
		case !c.mid:
			c.mid, c.comment = true, b == ';'
			if !c.comment {
				c.entries++
			}
		}
	}
	return len(p), nil
}

// bkHeader is what the header of a custom, directory or tar format dump says.
type bkHeader struct {
	archiveVersion             string
	dumpVersion, serverVersion string
}

// bkArchiveHeader reads the header pg_dump writes at the start of a custom format dump (and of
// toc.dat in the directory and tar formats): PGDMP, the archive version, integer and offset
// sizes, format, compression, creation time, then the database name, the server's version and
// pg_dump's own (pg_backup_archiver.c, WriteHead).
func bkArchiveHeader(b []byte) (bkHeader, error) {
	var h bkHeader
	r := &bkHeaderReader{b: b}
	if string(r.bytes(5)) != "PGDMP" {
		return h, errors.New("no PGDMP header")
	}
	vmaj, vmin, vrev := int(r.byte()), int(r.byte()), int(r.byte())
	h.archiveVersion = fmt.Sprintf("%d.%d.%d", vmaj, vmin, vrev)
	version := vmaj<<16 | vmin<<8 | vrev
	v := func(maj, min int) int { return maj<<16 | min<<8 }
	if version < v(1, 10) {
		return h, fmt.Errorf("archive version %s is older than pg_dump versions are recorded in", h.archiveVersion)
	}
	r.intSize = int(r.byte())
	if r.intSize < 1 || r.intSize > 8 {
		return h, fmt.Errorf("integer size %d", r.intSize)
	}
	r.byte() // offset size
	r.byte() // format
	if version >= v(1, 15) {
		r.byte() // compression algorithm
	} else {
		r.int() // compression level
	}
	for range 7 { // creation time: seconds, minutes, hours, day, month, year, DST
		r.int()
	}
	r.str() // database name
	h.serverVersion = r.str()
	h.dumpVersion = r.str()
	if r.err != nil {
		return h, r.err
	}
	return h, nil
}

// bkHeaderReader reads pg_dump's header encoding, remembering the first error.
type bkHeaderReader struct {
	b       []byte
	intSize int
	err     error
}

func (r *bkHeaderReader) bytes(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		if r.err == nil {
			r.err = errors.New("header cut short")
		}
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *bkHeaderReader) byte() byte {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

// int reads a sign byte and then intSize bytes, least significant first.
func (r *bkHeaderReader) int() int64 {
	neg := r.byte() != 0
	b := r.bytes(r.intSize)
	var buf [8]byte
	copy(buf[:], b)
	n := int64(binary.LittleEndian.Uint64(buf[:]) & (1<<63 - 1))
	if neg {
		return -n
	}
	return n
}

// str reads a length and that many bytes; a negative length is NULL.
func (r *bkHeaderReader) str() string {
	n := r.int()
	if n < 0 || r.err != nil {
		return ""
	}
	if n > 256 {
		r.err = fmt.Errorf("a header string of %d bytes", n)
		return ""
	}
	return string(r.bytes(int(n)))
}

// bkVerifyPlain checks that a plain SQL dump is whole: that it decompresses to the end (gzip)
// and that its last lines hold pg_dump's completion line.
func bkVerifyPlain(ctx context.Context, dump *bkDump, gzipped bool) kind.Line {
	label := "dump readable"
	what := "plain SQL"
	tail, err := bkPlainTail(ctx, dump.path, gzipped)
	if gzipped {
		what = "gzip-compressed plain SQL"
	}
	switch {
	case ctx.Err() != nil:
		return kind.Line{Label: label, Observed: "not read to the end in time", Expected: what + " that ends with pg_dump's completion line", Status: kind.Error,
			Problem: "could not verify the newest dump in time: decompressing it takes longer than the check's timeout", Remedy: "raise the check's timeout, or dump in custom format (pg_dump -Fc), which verify reads without decompressing"}
	case err != nil:
		return kind.Line{Label: label, Observed: fmt.Sprintf("%s that does not decompress: %v", what, err), Expected: what + " that decompresses to the end", Status: kind.Fail,
			Problem: fmt.Sprintf("the newest dump, %s, is damaged: %v", bkName(dump.name), err),
			Remedy:  "read the dump job's log and exit status (a full disk or a killed pg_dump leaves a cut file), and take a new dump"}
	}
	for _, l := range bkCompletionLines {
		if bytes.Contains(tail, []byte(l)) {
			return kind.Line{Label: label, Observed: fmt.Sprintf("%s ending with %q", what, strings.TrimPrefix(l, "-- ")), Expected: what + " that ends with pg_dump's completion line", Status: kind.Pass}
		}
	}
	return kind.Line{Label: label, Observed: what + " without pg_dump's completion line at its end", Expected: what + " that ends with pg_dump's completion line", Status: kind.Fail,
		Problem: fmt.Sprintf("the newest dump, %s, is incomplete: it does not end with pg_dump's completion line", bkName(dump.name)),
		Remedy:  "pg_dump stopped before the end (killed, out of disk, lost its connection): read the dump job's log and exit status, and take a new dump"}
}

// bkPlainTail returns the last bytes of a plain dump, decompressing all of it when gzipped.
func bkPlainTail(ctx context.Context, path string, gzipped bool) ([]byte, error) {
	f, err := bkOpen(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !gzipped {
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		if _, err := f.Seek(max(st.Size()-bkTailBytes, 0), io.SeekStart); err != nil {
			return nil, err
		}
		return io.ReadAll(io.LimitReader(f, bkTailBytes))
	}
	zr, err := gzip.NewReader(&bkCtxReader{ctx: ctx, r: f})
	if err != nil {
		return nil, err
	}
	tail := &bkTail{}
	if _, err := io.Copy(tail, zr); err != nil {
		return nil, err
	}
	return tail.b, nil
}

// bkCtxReader stops reading once ctx is done, so decompressing a big dump ends at the deadline.
type bkCtxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r *bkCtxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// bkTail keeps the last bkTailBytes written to it.
type bkTail struct{ b []byte }

func (t *bkTail) Write(p []byte) (int, error) {
	if len(p) >= bkTailBytes {
		t.b = append(t.b[:0], p[len(p)-bkTailBytes:]...)
		return len(p), nil
	}
	t.b = append(t.b, p...)
	if over := len(t.b) - bkTailBytes; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}
