package cli

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/launchgate/launchgate/internal/kind"
)

func newCmdChecks(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "checks",
		Short: "List every check kind",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return listKinds(app.IO.Out)
		},
	}
}

func listKinds(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	for _, k := range kind.Kinds() {
		fmt.Fprintf(tw, "%s\t%s\n", k.Name, k.Summary)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nRun `launchgate explain KIND` for a kind's parameters and an example.")
	return err
}

func newCmdExplain(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "explain [KIND]",
		Short: "Print a check kind's parameters and an example (without KIND, list the kinds)",
		Args:  cobra.MaximumNArgs(1),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			return kind.KindNames(), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return listKinds(app.IO.Out)
			}
			k, ok := kind.Lookup(args[0])
			if !ok {
				return cannotRun(unknownKind(args[0]))
			}
			return explain(app.IO.Out, k)
		},
	}
}

// explain prints a kind's documentation from the same struct tags the loader decodes with.
func explain(w io.Writer, k kind.Kind) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n  %s\n\n", k.Name, k.Summary)
	b.WriteString("Parameters\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tTYPE\tDEFAULT\tMEANING")
	for _, p := range kind.Params(k.New()) {
		writeParam(tw, "  ", p)
		// The fields of list items (e.g. http.burst's requests) are parameters too.
		if item := listItemStruct(p.GoType); item != nil {
			for _, sub := range kind.StructParams(item) {
				sub.Name = p.Name + "[]." + sub.Name
				writeParam(tw, "    ", sub)
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	id := strings.NewReplacer(".", "-", "_", "-").Replace(k.Name)
	fmt.Fprintf(&b, "\nExample\n  checks:\n    - id: %s\n      type: %s\n", id, k.Name)
	if k.ExampleTimeout != "" {
		b.WriteString("      timeout: " + k.ExampleTimeout + "\n")
	}
	if k.Example != "" {
		b.WriteString("      with:\n")
		for _, line := range strings.Split(strings.TrimRight(k.Example, "\n"), "\n") {
			b.WriteString("        " + line + "\n")
		}
	}
	fmt.Fprintf(&b, "\nQuick audit\n  launchgate check %s", k.Name)
	if k.Positional != "" {
		fmt.Fprintf(&b, " <%s>", k.Positional)
	}
	b.WriteString(" [key=value ...]\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeParam(w io.Writer, indent string, p kind.Param) {
	def := p.Default
	if p.Required {
		def = "(required)"
	} else if def == "" {
		def = "-"
	}
	fmt.Fprintf(w, "%s%s\t%s\t%s\t%s\n", indent, p.Name, p.Type, def, p.Doc)
}

// listItemStruct returns the struct type of a list parameter's items, if they are objects.
func listItemStruct(t reflect.Type) reflect.Type {
	if t.Kind() != reflect.Slice {
		return nil
	}
	e := t.Elem()
	if e.Kind() == reflect.Pointer {
		e = e.Elem()
	}
	if e.Kind() != reflect.Struct {
		return nil
	}
	return e
}
