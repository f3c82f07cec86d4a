package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/launchgate/launchgate/internal/report"
)

// output is a report file named by --output. It is prepared before any check runs, so that a
// path that cannot be written stops launchgate (exit 2) before it probes anything. The report
// goes to a temporary file beside the target, renamed over it once complete: while checks run,
// and after a run killed half-way, the path holds the previous report or nothing, never an
// empty or truncated one.
type output struct {
	format string
	// path is where the report goes, symbolic links resolved, so the link itself survives.
	path string
	tmp  *os.File
	// mode is the permission the report gets: the replaced file's, or 0644 for a new one.
	mode fs.FileMode
	// direct is a target that is not a regular file (/dev/stdout, a pipe): written in place.
	direct *os.File
}

func openOutputs(outputs []string) ([]output, error) {
	var opened []output
	for _, out := range outputs {
		format, path, _ := strings.Cut(out, "=")
		o, err := openOutput(format, path)
		if err != nil {
			discardOutputs(opened)
			return nil, fmt.Errorf("--output %s: %w", out, unwrapPath(err))
		}
		opened = append(opened, o)
	}
	return opened, nil
}

func openOutput(format, path string) (output, error) {
	o := output{format: format, path: path, mode: 0o644}
	fi, err := os.Stat(path)
	switch {
	case err == nil && !fi.Mode().IsRegular():
		o.direct, err = os.OpenFile(path, os.O_WRONLY, 0)
		return o, err
	case err == nil:
		if o.path, err = filepath.EvalSymlinks(path); err != nil {
			return o, err
		}
		o.mode = fi.Mode().Perm()
		// Renaming over a file needs only the directory: ask the file itself, as writing it
		// in place would.
		f, err := os.OpenFile(o.path, os.O_WRONLY, 0)
		if err != nil {
			return o, err
		}
		f.Close()
	case !errors.Is(err, fs.ErrNotExist):
		return o, err
	}
	o.tmp, err = os.CreateTemp(filepath.Dir(o.path), "."+filepath.Base(o.path)+".*.tmp")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			// The temporary name means nothing to the user; the path they gave does.
			err = &os.PathError{Op: pe.Op, Path: path, Err: pe.Err}
		}
	}
	return o, err
}

// write renders the report into the output and puts it in place.
func (o output) write(rep *report.Report) error {
	f, _ := report.Lookup(o.format)
	if o.direct != nil {
		err := f.New(report.Style{}).Write(o.direct, rep)
		if cerr := o.direct.Close(); err == nil {
			err = cerr
		}
		return err
	}
	err := f.New(report.Style{}).Write(o.tmp, rep)
	if err == nil {
		err = o.tmp.Chmod(o.mode)
	}
	if cerr := o.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.tmp.Name(), o.path)
	}
	if err != nil {
		os.Remove(o.tmp.Name())
	}
	return err
}

func (o output) discard() {
	if o.direct != nil {
		o.direct.Close()
		return
	}
	o.tmp.Close()
	os.Remove(o.tmp.Name())
}

func discardOutputs(outs []output) {
	for _, o := range outs {
		o.discard()
	}
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot write %s: %w", pe.Path, pe.Err)
	}
	return err
}

// writeOutputs writes the --output reports, and in GitHub Actions appends the markdown summary
// to $GITHUB_STEP_SUMMARY. A summary that cannot be written is a warning: it must not turn the
// gate's verdict into "could not run".
func writeOutputs(app *App, rep *report.Report, outs []output) error {
	for i, o := range outs {
		if err := o.write(rep); err != nil {
			discardOutputs(outs[i+1:])
			return fmt.Errorf("writing the %s report to %s: %w", o.format, o.path, err)
		}
	}
	summary := app.Getenv("GITHUB_STEP_SUMMARY")
	md, ok := report.Lookup("markdown")
	if summary == "" || app.Getenv("GITHUB_ACTIONS") != "true" || !ok {
		return nil
	}
	f, err := os.OpenFile(summary, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err == nil {
		err = md.New(report.Style{}).Write(f, rep)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(app.IO.ErrOut, "launchgate: warning: could not append the summary to $GITHUB_STEP_SUMMARY: %v\n", unwrapPath(err))
	}
	return nil
}
