package secretscheck

import (
	"fmt"
	"regexp"
	"strings"
)

// compileGlob turns an ignore_paths pattern into an expression over slash paths relative to
// the scanned directory. `*` and `?` stay within a path segment, `**` crosses segments, a
// pattern without a slash matches at any depth (like .gitignore), and a pattern that matches a
// directory matches everything under it.
func compileGlob(p string) (*regexp.Regexp, error) {
	orig := p
	p = strings.TrimPrefix(p, "./")
	anchored := strings.Contains(strings.TrimSuffix(p, "/"), "/")
	p = strings.TrimPrefix(strings.TrimSuffix(p, "/"), "/")
	if p == "" {
		return nil, fmt.Errorf("empty pattern %q", orig)
	}
	var b strings.Builder
	b.WriteString("^")
	if !anchored {
		b.WriteString("(?:.*/)?")
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case '*':
			if i+1 < len(p) && p[i+1] == '*' {
				i++
				if i+1 < len(p) && p[i+1] == '/' {
					i++
					b.WriteString("(?:.*/)?")
				} else {
					b.WriteString(".*")
				}
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("unclosed [ in %q", orig)
			}
			b.WriteString(p[i : i+j+1])
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("(?:/.*)?$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("invalid pattern %q: %w", orig, err)
	}
	return re, nil
}
