package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/runner"
)

// CheckOptions are the options of `launchgate check`.
type CheckOptions struct {
	App          *App
	Kind         string
	Args         []string
	CheckTimeout time.Duration
	GateOptions
}

func newCmdCheck(app *App, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{App: app}
	cmd := &cobra.Command{
		Use:   "check KIND [ARG] [key=value ...]",
		Short: "Run one check without a checklist (the quick audit)",
		Long: `Run a single check with its parameters given as key=value arguments. Values are read as
YAML, so lists ([a, b]) and maps ({k: v}) work. A bare argument fills the kind's main parameter
(see launchgate explain KIND).`,
		Example: `  launchgate check http.health url=https://api.example.com/healthz
  launchgate check tls api.example.com
  launchgate check http.health https://api.example.com/healthz max_latency=300ms`,
		Args: cobra.MinimumNArgs(1),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return kind.KindNames(), cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Kind, opts.Args = args[0], args[1:]
			if runF != nil {
				return runF(opts)
			}
			return runCheck(cmd.Context(), opts)
		},
	}
	cmd.Flags().DurationVar(&opts.CheckTimeout, "check-timeout", config.DefaultTimeout, "deadline of the check")
	addGateFlags(cmd, &opts.GateOptions)
	return cmd
}

func runCheck(ctx context.Context, opts *CheckOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	if opts.CheckTimeout <= 0 {
		return cannotRun(fmt.Errorf("--check-timeout must be greater than zero"))
	}
	if _, ok := kind.Lookup(opts.Kind); !ok {
		return cannotRun(unknownKind(opts.Kind))
	}
	vars, err := opts.Vars.layered()
	if err != nil {
		return err
	}
	cl, err := config.Single(opts.Kind, opts.Args, opts.CheckTimeout, config.Options{Getenv: opts.App.Getenv, Vars: vars})
	if err != nil {
		return cannotRun(err)
	}
	return runGate(ctx, opts.Now.app(opts.App), cl, []runner.Job{{Entry: cl.Checks[0]}}, opts.GateOptions)
}
