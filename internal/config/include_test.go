package config_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/config"
)

// health is a check entry (list item, two-space indent) titled by its id.
func health(id string) string {
	return "  - id: " + id + "\n    type: http.health\n    with: {url: 'http://127.0.0.1:1/" + id + "'}\n"
}

func ids(cl *config.Checklist) string {
	var out []string
	for _, e := range cl.Checks {
		out = append(out, e.ID)
	}
	return strings.Join(out, ",")
}

// TestIncludeResolvesAgainstTheIncludingFile: each include: path is relative to the file that
// names it, however deep; included checks come first, in include order, each remembering its
// own file, line and directory.
func TestIncludeResolvesAgainstTheIncludingFile(t *testing.T) {
	dir := tree(t, map[string]string{
		"ci/launchgate.yaml":       "version: 1\nname: top\ninclude: [../shared/base.yaml, local.yaml]\nchecks:\n" + health("own"),
		"ci/local.yaml":            "version: 1\nname: ignored\nchecks:\n" + health("local"),
		"shared/base.yaml":         "version: 1\ninclude: [sub/security.yaml]\nchecks:\n" + health("base"),
		"shared/sub/security.yaml": "version: 1\nchecks:\n" + health("security"),
	})
	top := filepath.Join(dir, "ci", "launchgate.yaml")
	cl, err := config.LoadFile(top, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if ids(cl) != "security,base,local,own" || cl.Name != "top" {
		t.Fatalf("checks %s, name %q", ids(cl), cl.Name)
	}
	want := map[string]struct {
		file string
		line int
	}{
		"security": {filepath.Join(dir, "shared/sub/security.yaml"), 3},
		"base":     {filepath.Join(dir, "shared/base.yaml"), 4},
		"local":    {filepath.Join(dir, "ci/local.yaml"), 4},
		"own":      {top, 5},
	}
	for _, e := range cl.Checks {
		w := want[e.ID]
		if e.File != w.file || e.Line != w.line || e.Column != 5 || e.Dir != filepath.Dir(w.file) {
			t.Errorf("%s: %s:%d:%d in %s, want %s:%d:5", e.ID, e.File, e.Line, e.Column, e.Dir, w.file, w.line)
		}
	}
	if cl.Dir != filepath.Join(dir, "ci") {
		t.Errorf("checklist dir %s", cl.Dir)
	}
}

// TestIncludeFromStandardInput: a checklist read from standard input includes relative to the
// working directory it is given.
func TestIncludeFromStandardInput(t *testing.T) {
	dir := tree(t, map[string]string{"base.yaml": "version: 1\nchecks:\n" + health("base")})
	opts := env(nil)
	opts.Dir = dir
	opts.Stdin = strings.NewReader("version: 1\ninclude: [base.yaml]\nchecks:\n" + health("own"))
	cl, err := config.LoadFile("-", opts)
	if err != nil {
		t.Fatal(err)
	}
	if ids(cl) != "base,own" || cl.Checks[0].File != filepath.Join(dir, "base.yaml") || cl.Checks[0].Dir != dir || cl.Checks[1].Dir != "" {
		t.Errorf("checks %s: %+v", ids(cl), cl.Checks[0])
	}
}

// TestIncludeMistakes: every mistake names the file it is in, at its line and column, and one
// that involves two files names both.
func TestIncludeMistakes(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"duplicate id across files", map[string]string{
			"top.yaml":  "version: 1\ninclude: [base.yaml]\nchecks:\n" + health("api"),
			"base.yaml": "version: 1\nchecks:\n" + health("db") + health("api"),
		}, []string{`top.yaml:4:5: check "api": duplicate id: base.yaml:6:5 declares it too (ids are unique across included files)`}},
		{"cycle", map[string]string{
			"top.yaml": "version: 1\ninclude: [a.yaml]\nchecks:\n" + health("top"),
			"a.yaml":   "version: 1\ninclude: [b.yaml]\n",
			"b.yaml":   "version: 1\ninclude:\n  - a.yaml\n",
		}, []string{"b.yaml:3:5: include: a cycle: a.yaml -> b.yaml -> a.yaml"}},
		{"cycle through the top file", map[string]string{
			"top.yaml": "version: 1\ninclude: [a.yaml]\nchecks:\n" + health("top"),
			"a.yaml":   "version: 1\ninclude: [top.yaml]\n",
		}, []string{"a.yaml:2:11: include: a cycle: top.yaml -> a.yaml -> top.yaml"}},
		{"self-include", map[string]string{
			"top.yaml": "version: 1\ninclude: [./top.yaml]\nchecks:\n" + health("top"),
		}, []string{"top.yaml:2:11: include: top.yaml includes itself"}},
		{"missing file", map[string]string{
			"top.yaml": "version: 1\ninclude:\n  - shared/nope.yaml\nchecks:\n" + health("top"),
		}, []string{"top.yaml:3:5: include: cannot read shared/nope.yaml: no such file or directory"}},
		{"a variable in a path", map[string]string{
			"top.yaml": "version: 1\ninclude: ['envs/${ENV}.yaml']\nchecks:\n" + health("top"),
		}, []string{`top.yaml:2:11: include: "envs/${ENV}.yaml": paths are not expanded: choose an environment with --vars, not with the files a checklist includes`}},
		{"not a list of paths", map[string]string{
			"top.yaml": "version: 1\ninclude: {file: base.yaml}\nchecks:\n" + health("top"),
		}, []string{"top.yaml:2:10: include: expected a list of checklist files, got a mapping"}},
		{"mistakes in an included file", map[string]string{
			"top.yaml":  "version: 1\ninclude: [base.yaml]\nchecks:\n" + health("top") + "  - id: Bad\n    type: http.health\n    with: {url: 'http://h/'}\n",
			"base.yaml": "checks:\n  - id: db\n    type: http.helth\n",
		}, []string{
			`top.yaml:7:9: checks[1]: id "Bad" must use only a-z, 0-9 and -`,
			"base.yaml:1:1: checklist: missing `version: 1`",
			`base.yaml:3:11: check "db": unknown check type "http.helth" (did you mean "http.health"?)`,
		}},
		{"an included file that is not a checklist", map[string]string{
			"top.yaml":  "version: 1\ninclude: [base.yaml]\nchecks:\n" + health("top"),
			"base.yaml": "- just\n- a list\n",
		}, []string{`base.yaml:1:1: a checklist is a mapping with version, name and checks; got a list`}},
		{"no checks anywhere", map[string]string{
			"top.yaml":  "version: 1\ninclude: [base.yaml]\n",
			"base.yaml": "version: 1\nvars: {A: b}\n",
		}, []string{"top.yaml:1:1: checklist: missing `checks:` (a list of checks)"}},
		{"needs across files are checked where they are written", map[string]string{
			"top.yaml":  "version: 1\ninclude: [base.yaml]\nchecks:\n" + health("top"),
			"base.yaml": "version: 1\nchecks:\n  - id: db\n    type: http.health\n    needs: [nope]\n    with: {url: 'http://h/'}\n",
		}, []string{`base.yaml:5:13: check "db": needs: no check has the id "nope" (did you mean "top"?)`}},
		{"policies of two included files disagree", map[string]string{
			"top.yaml": "version: 1\ninclude: [a.yaml, b.yaml]\nchecks:\n" + health("top"),
			"a.yaml":   "version: 1\npolicy: {max_waiver_days: 30}\n",
			"b.yaml":   "version: 1\npolicy: {max_waiver_days: 365}\n",
		}, []string{`b.yaml:2:27: policy: max_waiver_days: "365" here, but "30" where a.yaml:2:27 sets it: set policy.max_waiver_days in top.yaml, which includes both`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := tree(t, tt.files)
			// Run from the directory, so that messages name files as a person there would.
			t.Chdir(dir)
			_, err := config.LoadFile("top.yaml", env(nil))
			if err == nil {
				t.Fatal("loaded")
			}
			if got, want := err.Error(), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("errors:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestIncludeMerges: vars: layer (a later include over an earlier one, the including file over
// both); policy is merged key by key with the including file deciding; waivers from every file
// apply, the including file's first; a file two others share is read once.
func TestIncludeMerges(t *testing.T) {
	dir := tree(t, map[string]string{
		"top.yaml": "version: 1\ninclude: [a.yaml, b.yaml]\nvars: {OWN: top}\npolicy: {max_waiver_days: 30}\n" +
			"checks:\n  - id: own\n    type: http.health\n    needs: [shared]\n    title: ${A}-${B}-${OWN}-${SHARED}\n" +
			"    with: {url: 'http://127.0.0.1:1/'}\n" +
			"waivers:\n  - {check: shared, until: 2026-12-01, reason: top decides, owner: lead}\n",
		"a.yaml": "version: 1\ninclude: [common.yaml]\nvars: {A: a, B: a, OWN: a}\npolicy: {max_waiver_days: 365, timezone: Europe/Paris}\n",
		"b.yaml": "version: 1\ninclude: [common.yaml]\nvars: {B: b}\npolicy: {max_waiver_days: 90}\n",
		"common.yaml": "version: 1\nvars: {SHARED: common}\nchecks:\n" + health("shared") +
			"waivers:\n  - {check: shared, until: 2026-12-02, reason: base, owner: platform}\n",
	})
	top := filepath.Join(dir, "top.yaml")
	opts := env(nil)
	opts.Now = func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }
	cl, err := config.LoadFile(top, opts)
	if err != nil {
		t.Fatal(err)
	}
	if ids(cl) != "shared,own" {
		t.Fatalf("checks %s: a shared file is read once", ids(cl))
	}
	if got := cl.Checks[1].Title; got != "a-b-top-common" {
		t.Errorf("title %q, want a-b-top-common", got)
	}
	if cl.Policy.MaxWaiverDays != 30 || cl.Policy.Timezone.String() != "Europe/Paris" {
		t.Errorf("policy %+v: the including file's max_waiver_days, a.yaml's timezone", cl.Policy)
	}
	if w := cl.WaiverFor(cl.Checks[0]); w == nil || w.Reason != "top decides" || w.File != top || len(cl.Waivers) != 2 {
		t.Errorf("waiver %+v of %d", w, len(cl.Waivers))
	}
}
