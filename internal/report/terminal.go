package report

import (
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// TerminalWidth is the Style.Width for output written to out: 0 when out is not a terminal,
// else the terminal's width, else $COLUMNS, else 80.
func TerminalWidth(out io.Writer, isTerminal bool, getenv func(string) string) int {
	if !isTerminal {
		return 0
	}
	if f, ok := out.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if w, err := strconv.Atoi(getenv("COLUMNS")); err == nil && w > 0 {
		return w
	}
	return 80
}
