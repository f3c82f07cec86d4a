package secretscheck

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/launchgate/launchgate/internal/kind"
)

// BaselineOptions are the options of `launchgate secrets baseline`.
type BaselineOptions struct {
	App         kind.CommandEnv
	Path        string
	Output      string
	History     bool
	historySet  bool
	outputSet   bool
	IgnorePaths []string
	MaxFileSize string
	Timeout     time.Duration
	// Migrate rewrites an existing baseline in the current format instead of accepting
	// everything found now.
	Migrate bool
}

// NewBaselineCmd is `launchgate secrets baseline`; runF, when set, replaces running it (tests
// pin what each flag means with it).
func NewBaselineCmd(app kind.CommandEnv, runF func(*BaselineOptions) error) *cobra.Command {
	opts := &BaselineOptions{App: app}
	cmd := &cobra.Command{
		Use:   "baseline [PATH]",
		Short: "Accept the secrets found now, so that the secrets check reports only new ones",
		Long: `Scan PATH (default .) as the secrets check does and write every finding to a baseline
file, by default .launchgate/secrets-baseline.yaml at the root of PATH's git repository (outside
a repository, in PATH). A secrets check scanning the same PATH reads that file without any
configuration; with --output FILE, set baseline: FILE in the check. Entries are keyed by file
(relative to PATH) and a hash of file and secret (never the secret, never the line number, not
the rule that found it): a moved line stays accepted, a new secret, even on an accepted line, is
reported. Review what you accept: a real key in the baseline is still a leaked key; rotate it.

With --migrate, an existing baseline written by an older launchgate is rewritten in the current
format, keeping exactly the findings it accepts (nothing new is accepted); entries that match no
current finding are dropped and counted.`,
		Example: `  launchgate secrets baseline
  launchgate secrets baseline services/api
  launchgate secrets baseline --output ci/secrets-baseline.yaml --ignore 'testdata/**'
  launchgate secrets baseline --migrate`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = "."
			if len(args) == 1 {
				opts.Path = args[0]
			}
			opts.historySet = cmd.Flags().Changed("history")
			opts.outputSet = cmd.Flags().Changed("output")
			if runF != nil {
				return runF(opts)
			}
			return runBaseline(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "baseline file to write (default "+DefaultBaseline+" at the root of PATH's git repository, else in PATH)")
	cmd.Flags().BoolVar(&opts.History, "history", true, "include findings in the history (default: in a git repository)")
	cmd.Flags().StringSliceVar(&opts.IgnorePaths, "ignore", nil, "glob of paths not to scan (repeatable), as ignore_paths")
	cmd.Flags().StringVar(&opts.MaxFileSize, "max-file-size", "5MiB", "skip larger files")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "give up after this long")
	cmd.Flags().BoolVar(&opts.Migrate, "migrate", false, "rewrite the existing baseline in the current format, accepting nothing new")
	return cmd
}

func runBaseline(ctx context.Context, opts *BaselineOptions) error {
	s, err := opts.check()
	if err != nil {
		return err
	}
	env := opts.App.Env()
	env.BaseDir = opts.App.Dir
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	// The default is where the check looks when its baseline is not set, so that accepting
	// findings needs no configuration; both come from DefaultBaselinePath.
	root := opts.Path
	if !filepath.IsAbs(root) {
		root = filepath.Join(opts.App.Dir, root)
	}
	def, err := DefaultBaselinePath(ctx, root)
	if err != nil {
		return timedOut(ctx, opts.Timeout, err)
	}
	out := opts.Output
	if !opts.outputSet || out == "" {
		out = def
	} else if !filepath.IsAbs(out) {
		out = filepath.Join(opts.App.Dir, out)
	}
	if opts.Migrate {
		return migrateBaseline(ctx, opts, env, s, out)
	}
	n, err := WriteBaseline(ctx, env, s, out)
	if err != nil {
		return timedOut(ctx, opts.Timeout, err)
	}
	shown := relTo(opts.App.Dir, out)
	if filepath.Clean(out) == filepath.Clean(def) {
		fmt.Fprintf(opts.App.ErrOut, "wrote %d accepted finding(s) to %s; the secrets check of %s reads it without configuration\n", n, shown, opts.Path)
		return nil
	}
	fmt.Fprintf(opts.App.ErrOut, "wrote %d accepted finding(s) to %s; set baseline: %s in the secrets check\n", n, shown, opts.Output)
	return nil
}

// check is the secrets check the flags describe.
func (opts *BaselineOptions) check() (*Secrets, error) {
	size, err := kind.ParseByteSize(opts.MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("--max-file-size: %w", err)
	}
	if opts.Timeout <= 0 {
		return nil, fmt.Errorf("--timeout must be positive, e.g. --timeout 5m (got %s)", opts.Timeout)
	}
	s := &Secrets{Path: opts.Path, IgnorePaths: opts.IgnorePaths, MaxFileSize: size}
	if opts.historySet {
		s.History = &opts.History
	}
	return s, nil
}

// migrateBaseline rewrites the baseline at out in the current format and says what it kept.
func migrateBaseline(ctx context.Context, opts *BaselineOptions, env *kind.Env, s *Secrets, out string) error {
	kept, dropped, err := MigrateBaseline(ctx, env, s, out)
	if err != nil {
		return timedOut(ctx, opts.Timeout, err)
	}
	fmt.Fprintf(opts.App.ErrOut, "%s: %d accepted finding(s) in the current format", relTo(opts.App.Dir, out), kept)
	switch {
	case dropped == 1:
		fmt.Fprint(opts.App.ErrOut, "; dropped 1 old entry that matches no current finding")
	case dropped > 1:
		fmt.Fprintf(opts.App.ErrOut, "; dropped %d old entries that match no current finding", dropped)
	}
	fmt.Fprintln(opts.App.ErrOut)
	return nil
}

// timedOut says so when err came from the --timeout deadline, which git's "signal: killed" does
// not.
func timedOut(ctx context.Context, timeout time.Duration, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("gave up after --timeout %s: %w", timeout, err)
	}
	return err
}

// relTo names p relative to dir when it lies under dir.
func relTo(dir, p string) string {
	if rel, err := filepath.Rel(dir, p); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return p
}
