package probe

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	long := strings.Repeat("a", 200)
	tests := []struct{ in, want string }{
		{"", ""},
		{"  ok  ", "ok"},
		{"a\r\n  b\tc", "a b c"},
		{"bell\x07 and \x1b[31mred", "bell? and ?[31mred"},
		{"bad \xff byte", "bad ? byte"},
		{"rtl \u202eoverride", "rtl ?override"},
		{"héllo wörld", "héllo wörld"},
		{long, long[:80] + "…"},
		{strings.Repeat("é", 81), strings.Repeat("é", 80) + "…"},
		{strings.Repeat("a", 79) + " b", strings.Repeat("a", 79) + "…"},
	}
	for _, tc := range tests {
		if got := Clip(tc.in); got != tc.want {
			t.Errorf("Clip(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzClip holds Clip to its promise whatever a server sends: valid UTF-8, one line, no control
// characters, at most 80 characters and the ellipsis.
func FuzzClip(f *testing.F) {
	for _, s := range []string{"", "ok", "a\nb", "\xff\xfe", strings.Repeat("x ", 100), "\u202e\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Clip(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Clip(%q) = %q is not valid UTF-8", s, got)
		}
		if n := utf8.RuneCountInString(got); n > maxShown+1 {
			t.Fatalf("Clip(%q) has %d characters", s, n)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("Clip(%q) = %q keeps %U", s, got, r)
			}
		}
	})
}
