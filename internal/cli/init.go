package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/launchgate/launchgate/checklists"
)

func newCmdInit(app *App) *cobra.Command {
	var force bool
	var file string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented starter launchgate.yaml",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			path := file
			if path == "" {
				path = filepath.Join(app.Dir, "launchgate.yaml")
			}
			if _, err := os.Stat(path); err == nil && !force {
				return cannotRun(fmt.Errorf("%s already exists (use --force to overwrite it)", path))
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return cannotRun(err)
			}
			data, err := checklists.FS.ReadFile("starter.yaml")
			if err != nil {
				return cannotRun(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				return cannotRun(err)
			}
			fmt.Fprintf(app.IO.Out, "wrote %s: edit it, then run `launchgate validate` and `launchgate run`\n", path)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	cmd.Flags().StringVarP(&file, "file", "f", "", "where to write (default ./launchgate.yaml)")
	return cmd
}
