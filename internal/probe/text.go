package probe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxShown is how many characters of a server's text a result shows; maxErrorShown is the
// same for an error that quotes a server (Go's "malformed HTTP response ..." or a certificate's
// names), which needs room for its own words too.
const (
	maxShown      = 80
	maxErrorShown = 240
)

// Clip makes text a server sent (a header, a body excerpt, a JSON value, a certificate name) fit
// for a result: runs of white space become one space, other control and format characters
// (a bidi override) and invalid UTF-8 become '?', and it is cut to 80 characters, ending in "…"
// when it was longer. A server decides how long that text is; a summary must not grow with it.
func Clip(s string) string { return clipTo(s, maxShown) }

func clipTo(s string, max int) string {
	var b strings.Builder
	n, space := 0, false
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				r = '?'
			}
		}
		if unicode.IsSpace(r) {
			space = n > 0
			continue
		}
		need := 1
		if space {
			need = 2
		}
		if n+need > max {
			return b.String() + "…"
		}
		if space {
			b.WriteByte(' ')
			n, space = n+1, false
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
