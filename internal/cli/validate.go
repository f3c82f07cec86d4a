package cli

import (
	"fmt"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/spf13/cobra"
)

func newCmdValidate(app *App) *cobra.Command {
	var vars VarOptions
	cmd := &cobra.Command{
		Use:   "validate [FILE]",
		Short: "Check a checklist without running it (exit 0 valid, 2 invalid)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			file := ""
			if len(args) == 1 {
				file = args[0]
			}
			cl, err := loadChecklist(app, file, vars)
			if err != nil {
				return err
			}
			name := cl.File
			fmt.Fprintf(app.IO.Out, "%s: valid, %d %s\n", name, len(cl.Checks), kind.Plural(len(cl.Checks), "check", "checks"))
			for _, e := range cl.Checks {
				if len(e.Missing) > 0 {
					fmt.Fprintf(app.IO.Out, "  %s will be skipped until %s %s set\n", e.ID, joinAnd(e.Missing), kind.Plural(len(e.Missing), "is", "are"))
				}
			}
			return nil
		},
	}
	addVarFlags(cmd, &vars)
	return cmd
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := ""
	for i, v := range s {
		switch {
		case i == 0:
			out = v
		case i == len(s)-1:
			out += " and " + v
		default:
			out += ", " + v
		}
	}
	return out
}
