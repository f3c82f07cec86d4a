package secretscheck

import (
	"reflect"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// TestBaselineFlagsReachOptions runs the command with its run function replaced (as cli/cli
// does), so that what each flag means is pinned without scanning anything.
func TestBaselineFlagsReachOptions(t *testing.T) {
	t.Run("secrets baseline", func(t *testing.T) {
		var got *BaselineOptions
		cmd := NewBaselineCmd(kind.CommandEnv{}, func(o *BaselineOptions) error { got = o; return nil })
		cmd.SetArgs([]string{"services/api", "--output", "ci/baseline.yaml", "--history=false", "--ignore", "testdata/**", "--timeout", "1m"})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if got.Path != "services/api" || got.Output != "ci/baseline.yaml" || !got.outputSet || got.History || !got.historySet ||
			!reflect.DeepEqual(got.IgnorePaths, []string{"testdata/**"}) || got.Timeout != time.Minute {
			t.Errorf("got %+v", *got)
		}
	})
}
