package probe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestExplainNamesTheTimeoutAsConfigured(t *testing.T) {
	err := fmt.Errorf("Get %q: %w", "http://127.0.0.1:9/", context.DeadlineExceeded)
	for _, tc := range []struct {
		timeout time.Duration
		want    string
	}{
		{3 * time.Second, "within 3s"},
		{1500 * time.Millisecond, "within 1.5s"},
		{90 * time.Second, "within 1m30s"},
		{0, "within the deadline"},
	} {
		if f := Explain(err, "127.0.0.1:9", tc.timeout, nil); !strings.Contains(f.Summary, tc.want) {
			t.Errorf("timeout %s: %q lacks %q", tc.timeout, f.Summary, tc.want)
		}
	}
}

func TestExplainClipsWhatTheServerSent(t *testing.T) {
	err := fmt.Errorf("Get %q: %w", "http://127.0.0.1:9/", errors.New(`malformed HTTP response "`+strings.Repeat("A", 100_000)+`"`))
	f := Explain(err, "127.0.0.1:9", time.Second, nil)
	if len(f.Summary) > 400 || !strings.HasSuffix(f.Summary, "…") {
		t.Errorf("a server's 100 kB reply made a %d-byte summary", len(f.Summary))
	}
}
