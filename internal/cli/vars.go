package cli

import (
	"github.com/spf13/cobra"

	"github.com/launchgate/launchgate/internal/config"
)

// VarOptions are the variables given on the command line for ${VAR} in a checklist: they win
// over the process environment and the checklist's vars:, --var over --vars.
type VarOptions struct {
	// Files are --vars files, YAML mappings of NAME: value; a later file wins.
	Files []string
	// Assignments are --var NAME=VALUE arguments; a later one wins.
	Assignments []string
}

func addVarFlags(cmd *cobra.Command, o *VarOptions) {
	cmd.Flags().StringArrayVar(&o.Files, "vars", nil, "read ${VAR} values from a YAML file of NAME: value, e.g. envs/staging.yaml (repeatable; a later file wins)")
	cmd.Flags().StringArrayVar(&o.Assignments, "var", nil, "set a ${VAR} value as NAME=VALUE (repeatable; wins over --vars, the environment and the checklist's vars:)")
}

// layered reads the --vars files and --var arguments into one set of variables. A mistake is
// launchgate being unable to run (exit 2); no message quotes a value.
func (o VarOptions) layered() (map[string]string, error) {
	vars := map[string]string{}
	for _, f := range o.Files {
		m, err := config.ReadVarsFile(f)
		if err != nil {
			return nil, cannotRun(err)
		}
		for k, v := range m {
			vars[k] = v
		}
	}
	for _, a := range o.Assignments {
		k, v, err := config.ParseVarFlag(a)
		if err != nil {
			return nil, cannotRun(err)
		}
		vars[k] = v
	}
	return vars, nil
}
