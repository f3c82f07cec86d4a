package checklist

import (
	"fmt"
	"strings"
)

// expander substitutes ${VAR} and ${VAR:-default} from the environment. $${ stands for a
// literal ${.
type expander struct {
	getenv func(string) string
	// optional names the variables that may be unset (they expand to ""): a check's needs_env
	// variables, whose absence makes it skip. Any other unset variable is a mistake.
	optional map[string]bool
	// used records the variables read and their values, so secret-looking ones can be redacted.
	used map[string]string
}

func isVarStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isVarChar(c byte) bool  { return isVarStart(c) || (c >= '0' && c <= '9') }

// expand returns s with every reference substituted.
func (x *expander) expand(s string) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := matchingBrace(s, i+2)
		if end < 0 {
			return "", fmt.Errorf("unterminated ${ in %q: close it with }, or write $${ for a literal ${", s)
		}
		v, err := x.reference(s[i+2 : end])
		if err != nil {
			return "", err
		}
		b.WriteString(v)
		i = end + 1
	}
	return b.String(), nil
}

// matchingBrace finds the } closing a ${ whose body starts at from, allowing nested ${...} in
// defaults.
func matchingBrace(s string, from int) int {
	depth := 1
	for i := from; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "${"):
			depth++
			i++
		case s[i] == '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func (x *expander) reference(body string) (string, error) {
	name, def, hasDef := body, "", false
	if i := strings.Index(body, ":-"); i >= 0 {
		name, def, hasDef = body[:i], body[i+2:], true
	}
	if name == "" || !isVarStart(name[0]) {
		return "", fmt.Errorf("invalid variable reference ${%s}: names start with a letter or _", body)
	}
	for i := 1; i < len(name); i++ {
		if !isVarChar(name[i]) {
			return "", fmt.Errorf("invalid variable reference ${%s}: use ${NAME} or ${NAME:-default}", body)
		}
	}
	if v := x.getenv(name); v != "" {
		if x.used != nil {
			x.used[name] = v
		}
		return v, nil
	}
	if hasDef {
		return x.expand(def)
	}
	if x.optional[name] {
		return "", nil
	}
	return "", fmt.Errorf("environment variable %s is not set (set it, or write ${%s:-default})", name, name)
}
