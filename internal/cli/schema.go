package cli

import (
	"github.com/spf13/cobra"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/schema"
)

func newCmdSchema(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the checklist format",
		Long: `Print the JSON Schema (draft-07) of the checklist format, generated from the check kinds
built into this launchgate, so every kind and parameter is in it.

Editors that use yaml-language-server (VS Code's YAML extension, Neovim, JetBrains) validate
and complete a checklist whose first line points at the schema:

  # yaml-language-server: $schema=` + schema.ID + `

or at a local copy:

  launchgate schema > launchgate.schema.json
  # yaml-language-server: $schema=./launchgate.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			b, err := schema.JSON(kind.Kinds())
			if err != nil {
				return cannotRun(err)
			}
			_, err = app.IO.Out.Write(b)
			return err
		},
	}
}
