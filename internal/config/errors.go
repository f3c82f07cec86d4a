// Package checklist loads and validates checklists: strict YAML decoding with file:line:col for
// every mistake, ${VAR} expansion, and decoding of each check's `with:` block into its kind.
package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
)

// Error is one mistake in a checklist, at a position when the checklist came from a file.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	switch {
	case e.File == "":
		return e.Msg
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Col == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Errors is every mistake found in one checklist, in file order.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// sortedIn sorts the mistakes by file, in the order files were read (the checklist's own
// first), then by position.
func (es Errors) sortedIn(files []string) Errors {
	rank := map[string]int{}
	for i := len(files) - 1; i >= 0; i-- {
		rank[files[i]] = i
	}
	sort.SliceStable(es, func(i, j int) bool {
		if ri, rj := rank[es[i].File], rank[es[j].File]; ri != rj {
			return ri < rj
		}
		if es[i].Line != es[j].Line {
			return es[i].Line < es[j].Line
		}
		return es[i].Col < es[j].Col
	})
	return es
}

func didYouMean(s string, candidates []string) string {
	if m := kind.Suggest(s, candidates); m != "" {
		return fmt.Sprintf(" (did you mean %q?)", m)
	}
	return ""
}
