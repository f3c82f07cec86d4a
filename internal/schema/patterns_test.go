package schema

import (
	"regexp"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/kind"
)

// TestPatternsAgreeWithTheParsers: an editor that validates against the schema must accept
// what the loader accepts and flag what it refuses (a value out of range is the loader's call).
func TestPatternsAgreeWithTheParsers(t *testing.T) {
	durations := []string{"0", "500ms", "10s", "1h30m", "30d", "1.5d", "1d12h", "1h1d", ".5s", "5.s", "1us", "1µs",
		"", "10", "+5s", "-5s", "NaNd", "NaN", "Inf", "1e3d", "1d-5h", "fast", "d", "3dd", "1..5s", "107000d"}
	re := regexp.MustCompile(durationPattern)
	for _, s := range durations {
		_, err := kind.ParseDuration(s)
		loader := err == nil || strings.Contains(err.Error(), "out of range")
		if re.MatchString(s) != loader {
			t.Errorf("duration %q: schema accepts %v, loader %v (%v)", s, re.MatchString(s), loader, err)
		}
	}
	sizes := []string{"5MiB", "512 KB", "1048576", "1 GiB", "2k", "1.5KiB", ".5MiB", "5.MiB", "0", "1tb", "1b",
		"", "five", "-1MiB", "1XB", "NaN", "Inf", "1e3", "0x10", "+5MiB", "5T", "5 t", "1..5KiB", "9223372036854775808"}
	re = regexp.MustCompile(sizePattern)
	for _, s := range sizes {
		_, err := kind.ParseByteSize(s)
		loader := err == nil || strings.Contains(err.Error(), "out of range")
		if re.MatchString(s) != loader {
			t.Errorf("size %q: schema accepts %v, loader %v (%v)", s, re.MatchString(s), loader, err)
		}
	}
}
