package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/launchgate/launchgate/internal/kind"
)

// unknownKind explains a kind name that is not registered. A family name (postgres, http) is
// what people type first, so the family's kinds come before the nearest name.
func unknownKind(name string) error {
	var family []string
	for _, k := range kind.KindNames() {
		if strings.HasPrefix(k, name+".") {
			family = append(family, k)
		}
	}
	hint := " (run `launchgate checks` to list them)"
	if len(family) == 0 {
		if m := kind.Suggest(name, kind.KindNames()); m != "" {
			family = []string{m}
		}
	}
	if len(family) > 0 {
		hint = " (did you mean " + quotedOr(family) + "?)"
	}
	return fmt.Errorf("unknown check kind %q%s", name, hint)
}

// quotedOr lists names as "a", "b" or "c".
func quotedOr(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// withParamHint adds, to an unknown-flag error of `launchgate check`, the key=value form of a
// flag that names one of the kind's parameters: `--max-latency 300ms` is max_latency=300ms.
// args is the whole command line, which holds the flag's value.
func withParamHint(c *cobra.Command, args []string, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok || c.Name() != "check" || len(c.Flags().Args()) == 0 {
		return err
	}
	k, ok := kind.Lookup(c.Flags().Args()[0])
	if !ok {
		return err
	}
	param := strings.ReplaceAll(name, "-", "_")
	known := false
	for _, p := range kind.KindParamNames(k) {
		known = known || p == param
	}
	if !known {
		return err
	}
	value := "VALUE"
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			value = v
		} else if a == "--"+name && i+1 < len(args) {
			value = args[i+1]
		}
	}
	return fmt.Errorf("%w: parameters of %s are key=value arguments: %s=%s", err, k.Name, param, value)
}
