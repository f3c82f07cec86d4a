package probe

import (
	"strconv"
	"strings"
)

// LookupJSON follows a dotted path (checks.db.0.status) through the maps and arrays of a decoded
// JSON document; array elements are addressed by index.
func LookupJSON(doc any, path string) (any, bool) {
	cur := doc
	for _, key := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[key]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}
