package httpcheck

import (
	"encoding/base64"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// serializeSFList writes items back as RFC 9651 text, so the fuzz test can check that what
// the parser accepts survives a round trip unchanged.
func serializeSFList(items []sfItem) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = serializeSFItem(it)
	}
	return strings.Join(parts, ", ")
}

func serializeSFItem(it sfItem) string {
	var b strings.Builder
	if inner, ok := it.Value.([]sfItem); ok {
		b.WriteByte('(')
		for i, x := range inner {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(serializeSFItem(x))
		}
		b.WriteByte(')')
	} else {
		b.WriteString(serializeBare(it.Value))
	}
	for _, p := range it.Params {
		b.WriteString(";" + p.Key)
		if v, ok := p.Value.(bool); !ok || !v {
			b.WriteString("=" + serializeBare(p.Value))
		}
	}
	return b.String()
}

func serializeBare(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		s := strconv.FormatFloat(x, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	case string:
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(x) + `"`
	case sfToken:
		return string(x)
	case []byte:
		return ":" + base64.StdEncoding.EncodeToString(x) + ":"
	case bool:
		if x {
			return "?1"
		}
		return "?0"
	case sfDate:
		return "@" + strconv.FormatInt(int64(x), 10)
	}
	panic("unknown bare item")
}

// FuzzSFList: whatever the List parser accepts must serialize and parse back to the same value.
func FuzzSFList(f *testing.F) {
	for _, s := range []string{
		`"default";r=0;t=30`, `a, b;x;y=?0, 1.5, -7, :aGk=:, @1700000000, (1 "two");p=tok/x`,
		`"a \"q\" \\"`, `x;a=1;a=2`, `()`, `(a b);c`, `0.001, -999999999999.999`, `*tok:en/x`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		items, err := parseSFList([]string{v})
		if err != nil {
			return
		}
		out := serializeSFList(items)
		again, err := parseSFList([]string{out})
		if err != nil {
			t.Fatalf("%q parsed, but its serialization %q does not: %v", v, out, err)
		}
		if !reflect.DeepEqual(items, again) {
			t.Fatalf("round trip of %q via %q changed\n%#v\nto\n%#v", v, out, items, again)
		}
	})
}
