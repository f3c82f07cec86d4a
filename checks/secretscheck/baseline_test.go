package secretscheck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/kind"
)

// TestDefaultBaseline: with baseline unset, the check reads .launchgate/secrets-baseline.yaml
// where `launchgate secrets baseline` writes it (the repository root, or path outside a
// repository) and names it in the evidence; without that file nothing is accepted.
func TestDefaultBaseline(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		inRepo  bool
		path    string // scanned, relative to the checklist directory
		history bool
		wantAt  string // where the default baseline lives, relative to the checklist directory
	}{
		{"repository root", true, ".", true, ".launchgate/secrets-baseline.yaml"},
		{"subdirectory of a repository", true, "svc", true, ".launchgate/secrets-baseline.yaml"},
		{"plain directory", false, "svc", false, "svc/.launchgate/secrets-baseline.yaml"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var dir string
			key := fakeAWSKeyID()
			if tt.inRepo {
				r := newRepo(t)
				r.write("svc/conf.env", "aws_access_key_id = "+key+"\n")
				r.commit("add")
				dir = r.dir
			} else {
				dir = t.TempDir()
				if err := os.MkdirAll(filepath.Join(dir, "svc"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "svc/conf.env"), []byte("aws_access_key_id = "+key+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s := newCheck()
			s.Path = tt.path
			s.History = &tt.history
			res := runCheck(t, s, dir)
			if res.Status != kind.Fail || evidence(res, "baseline") != nil {
				t.Fatalf("no baseline yet: %s %q %+v", res.Status, res.Summary, res.Evidence)
			}
			if want := "`launchgate secrets baseline"; !strings.Contains(res.Remedy, want) || strings.Contains(res.Remedy, " -o ") {
				t.Errorf("remedy %q does not give the command that needs no configuration", res.Remedy)
			}

			at, err := DefaultBaselinePath(ctx, filepath.Join(dir, tt.path))
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(dir, tt.wantAt); at != want {
				t.Fatalf("DefaultBaselinePath = %s, want %s", at, want)
			}
			env := kind.DefaultEnv("test")
			env.BaseDir = dir
			if n, err := WriteBaseline(ctx, env, s, at); err != nil || n != 1 {
				t.Fatalf("WriteBaseline = %d, %v", n, err)
			}
			res = runCheck(t, s, dir)
			ev := evidence(res, "baseline")
			if res.Status != kind.Pass || ev == nil || ev.Observed != tt.wantAt+", 1 accepted" {
				t.Fatalf("with the default baseline: %s %q %+v", res.Status, res.Summary, res.Evidence)
			}
			assertNoLeak(t, res, key)

			// The default file must be well formed: a broken one is an error, not ignored.
			if err := os.WriteFile(at, []byte("version: 7\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if res := runCheck(t, s, dir); res.Status != kind.Error || !strings.Contains(res.Summary, "version 7") {
				t.Errorf("broken default baseline: %s %q", res.Status, res.Summary)
			}
		})
	}
}

// TestExplicitBaseline: a configured baseline that does not exist is an error even when the
// default one exists, and the remedy's command writes to the configured file.
func TestExplicitBaseline(t *testing.T) {
	ctx := context.Background()
	r := newRepo(t)
	r.write("conf.env", "aws_access_key_id = "+fakeAWSKeyID()+"\n")
	r.commit("add")
	s := newCheck()
	env := kind.DefaultEnv("test")
	env.BaseDir = r.dir
	def, err := DefaultBaselinePath(ctx, r.dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteBaseline(ctx, env, s, def); err != nil {
		t.Fatal(err)
	}
	s.Baseline = "ci/accepted.yaml"
	res := runCheck(t, s, r.dir)
	if res.Status != kind.Error || !strings.Contains(res.Summary, "`launchgate secrets baseline -o ci/accepted.yaml`") {
		t.Fatalf("missing configured baseline: %s %q", res.Status, res.Summary)
	}
	if _, err := WriteBaseline(ctx, env, s, filepath.Join(r.dir, "ci/accepted.yaml")); err != nil {
		t.Fatal(err)
	}
	res = runCheck(t, s, r.dir)
	if ev := evidence(res, "baseline"); res.Status != kind.Pass || ev == nil || ev.Observed != "ci/accepted.yaml, 1 accepted" {
		t.Fatalf("configured baseline: %s %q %+v", res.Status, res.Summary, res.Evidence)
	}
	r.write("more.env", "aws_access_key_id = "+fakeAWSKeyID()+"\n")
	res = runCheck(t, s, r.dir)
	if res.Status != kind.Fail || !strings.Contains(res.Remedy, "`launchgate secrets baseline -o ci/accepted.yaml`") {
		t.Errorf("remedy with a configured baseline: %s %q", res.Status, res.Remedy)
	}
}
