package golden

import (
	"strings"
	"testing"
)

func TestFirstDifference(t *testing.T) {
	got := firstDifference("a\nb\nc", "a\nx\nc")
	if !strings.Contains(got, "line 2") || !strings.Contains(got, `"x"`) {
		t.Errorf("firstDifference = %q", got)
	}
}
