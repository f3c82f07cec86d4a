package secretscheck

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// Test secrets are built at run time from pieces and random characters, so that this file
// holds nothing a scanner (ours, run on this repository, included) would flag.

var (
	testRandMu sync.Mutex // parallel tests draw from it too
	testRand   = rand.New(rand.NewSource(1))
)

func rnd(set string, n int) string {
	testRandMu.Lock()
	defer testRandMu.Unlock()
	b := make([]byte, n)
	for i := range b {
		b[i] = set[testRand.Intn(len(set))]
	}
	return string(b)
}

const (
	tAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	tB32   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
)

func fakeAWSKeyID() string  { return "AK" + "IA" + rnd(tB32, 16) }
func fakeGitHubPAT() string { return "gh" + "p_" + rnd(tAlnum, 36) }
func fakeSlackBot() string {
	return "xo" + "xb-" + rnd("0123456789", 12) + "-" + rnd("0123456789", 13) + "-" + rnd(tAlnum, 24)
}
func fakeStripeLive() string { return "sk_" + "live_" + rnd(tAlnum, 24) }

// requireGit skips a test that needs git where there is none, except under CI, where git is as
// required as every other service the tests use.
func requireGit(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		testsvc.Unavailable(t, "git", "apt-get install git", err)
	}
}

// repo is a git repository in a temporary directory.
type repo struct {
	t    *testing.T
	dir  string
	tick int
}

func newRepo(t *testing.T) *repo {
	t.Helper()
	requireGit(t)
	r := &repo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	r.tick++
	cmd := exec.Command("git", append([]string{"-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = r.dir
	date := fmt.Sprintf("2024-01-01T00:%02d:%02dZ", r.tick/60, r.tick%60)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date, "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *repo) write(name, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *repo) commit(msg string) string {
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

func runCheck(t *testing.T, s *Secrets, dir string) kind.Result {
	t.Helper()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	env := kind.DefaultEnv("test")
	env.BaseDir = dir
	return s.Run(context.Background(), env)
}

func newCheck() *Secrets { return &Secrets{Path: ".", MaxFileSize: defaultMaxFileSize} }

func findingFor(res kind.Result, rule, file string) *kind.Finding {
	for i := range res.Findings {
		if res.Findings[i].Rule == rule && res.Findings[i].File == file {
			return &res.Findings[i]
		}
	}
	return nil
}

// assertNoLeak checks that no secret appears anywhere in the result, in any rendering.
func assertNoLeak(t *testing.T, res kind.Result, secrets ...string) {
	t.Helper()
	js, _ := json.Marshal(res)
	text := fmt.Sprintf("%+v %s", res, js)
	for _, s := range secrets {
		if strings.Contains(text, s) || strings.Contains(text, s[len(s)/3:]) {
			t.Errorf("the result shows secret %s: %s", mask(s), text)
		}
	}
}

func TestRepositoryWorkingTreeAndHistory(t *testing.T) {
	r := newRepo(t)
	pat, awsID, slack, untracked, ignored := fakeGitHubPAT(), fakeAWSKeyID(), fakeSlackBot(), fakeStripeLive(), fakeStripeLive()

	r.write("README.md", "# app\n")
	r.write("old.env", "GITHUB_TOKEN="+pat+"\n")
	c1 := r.commit("add token")
	r.git("rm", "-q", "old.env")
	r.commit("remove token")
	r.write("config/app.env", "aws_access_key_id = "+awsID+"\n")
	c3 := r.commit("add config")
	r.write("config/app.env", "# moved down\n\n\naws_access_key_id = "+awsID+"\n")
	r.commit("move key")

	r.git("checkout", "-q", "-b", "feature")
	r.write("hooks.txt", "SLACK="+slack+"\n")
	c5 := r.commit("slack on a branch")
	r.git("checkout", "-q", "main")

	r.write(".gitignore", "ignored.env\n")
	r.write("ignored.env", "STRIPE="+ignored+"\n")
	r.write("new.env", "STRIPE="+untracked+"\n")

	res := runCheck(t, newCheck(), r.dir)
	if res.Status != kind.Fail {
		t.Fatalf("status %s, want fail: %s", res.Status, res.Summary)
	}
	if len(res.Findings) != 4 {
		t.Fatalf("%d findings, want 4: %+v", len(res.Findings), res.Findings)
	}
	if f := findingFor(res, "github-pat", "old.env"); f == nil || f.Commit != c1 || f.Line != 1 || !strings.Contains(f.Message, "history") {
		t.Errorf("deleted token: %+v, want old.env:1 in %s", f, c1)
	}
	if f := findingFor(res, "aws-access-key-id", "config/app.env"); f == nil || f.Commit != c3 || f.Line != 4 || f.Column != 21 {
		t.Errorf("moved key: %+v, want config/app.env:4:21 introduced in %s", f, c3)
	}
	if f := findingFor(res, "slack-bot-token", "hooks.txt"); f == nil || f.Commit != c5 {
		t.Errorf("branch secret: %+v, want commit %s", f, c5)
	}
	if f := findingFor(res, "stripe-live-secret-key", "new.env"); f == nil || f.Commit != "" {
		t.Errorf("untracked secret: %+v", f)
	}
	if findingFor(res, "stripe-live-secret-key", "ignored.env") != nil {
		t.Errorf("a git-ignored file was scanned")
	}
	if !strings.Contains(res.Summary, "4 secrets found") || !strings.Contains(res.Summary, "2 only in history") {
		t.Errorf("summary %q", res.Summary)
	}
	if !strings.Contains(res.Remedy, "does not remove it from history") {
		t.Errorf("remedy %q does not say deleting is not enough", res.Remedy)
	}
	for _, f := range res.Findings {
		if len(f.Fingerprint) != 32 || f.Preview == "" {
			t.Errorf("finding %+v lacks a fingerprint or preview", f)
		}
	}
	assertNoLeak(t, res, pat, awsID, slack, untracked, ignored)

	// history: false sees only the working tree.
	no := false
	s := newCheck()
	s.History = &no
	res = runCheck(t, s, r.dir)
	if len(res.Findings) != 2 {
		t.Errorf("without history: %d findings, want 2: %+v", len(res.Findings), res.Findings)
	}
}

func TestStaged(t *testing.T) {
	r := newRepo(t)
	staged, unstaged := fakeGitHubPAT(), fakeAWSKeyID()
	r.write("a.txt", "hello\n")
	r.commit("init")
	r.write("a.txt", "hello\ntoken "+staged+"\n")
	r.git("add", "a.txt")
	r.write("b.txt", "key "+unstaged+"\n") // not added
	s := newCheck()
	s.Staged = true
	res := runCheck(t, s, r.dir)
	if res.Status != kind.Fail || len(res.Findings) != 1 {
		t.Fatalf("staged: %s %q %+v", res.Status, res.Summary, res.Findings)
	}
	if f := res.Findings[0]; f.File != "a.txt" || f.Line != 2 || f.Commit != "" {
		t.Errorf("staged finding %+v, want a.txt:2", f)
	}
	assertNoLeak(t, res, staged, unstaged)

	r.git("reset", "-q")
	res = runCheck(t, s, r.dir)
	if res.Status != kind.Skip || !strings.Contains(res.Summary, "nothing scanned") {
		t.Errorf("nothing staged: %s %q, want a skip: nothing was checked", res.Status, res.Summary)
	}
}

func TestStagedInEmptyRepository(t *testing.T) {
	r := newRepo(t)
	key := fakeAWSKeyID()
	r.write("x.env", "k="+key+"\n")
	r.git("add", "x.env")
	s := newCheck()
	s.Staged = true
	if res := runCheck(t, s, r.dir); res.Status != kind.Fail || len(res.Findings) != 1 {
		t.Fatalf("first commit staged: %s %q", res.Status, res.Summary)
	}
}

func TestPlainDirectory(t *testing.T) {
	dir := t.TempDir()
	key := fakeAWSKeyID()
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("app/config.yaml", "aws:\n  key: "+key+"\n")
	write("node_modules/lib/x.js", "k = '"+fakeAWSKeyID()+"'\n")
	write("image.png", "k = '"+fakeAWSKeyID()+"'\n")
	write("data.bin2", "\x00\x01 k = '"+fakeAWSKeyID()+"'\n")
	write("big.txt", strings.Repeat("a", 2048)+fakeAWSKeyID())
	write("package-lock.json", `{"password": "`+rnd(tAlnum, 30)+`"}`)
	write("allowed.txt", "k = "+fakeAWSKeyID()+" # launchgate:allow\n")
	write("testdata/fixture.env", "k = "+fakeAWSKeyID()+"\n")

	s := newCheck()
	s.MaxFileSize = 1024
	s.IgnorePaths = []string{"testdata/**"}
	res := runCheck(t, s, dir)
	if res.Status != kind.Fail || len(res.Findings) != 1 {
		t.Fatalf("%s %q %+v", res.Status, res.Summary, res.Findings)
	}
	if f := res.Findings[0]; f.File != "app/config.yaml" || f.Line != 2 || f.Column != 8 {
		t.Errorf("finding %+v, want app/config.yaml:2:8", f)
	}
	ev := fmt.Sprint(res.Evidence)
	for _, want := range []string{"2 binary", "1 over 1KiB", "1 vendored", "1 by ignore_paths", "not a git repository", "1 marked launchgate:allow"} {
		if !strings.Contains(ev, want) {
			t.Errorf("evidence lacks %q: %s", want, ev)
		}
	}
	yes := true
	s.History = &yes
	if res := runCheck(t, s, dir); res.Status != kind.Error {
		t.Errorf("history in a plain directory: %s %q, want error", res.Status, res.Summary)
	}
}

func TestGitFailingPartwayIsAnError(t *testing.T) {
	r := newRepo(t)
	r.write("a.txt", "one\n")
	r.commit("one")
	r.write("b.txt", "two\n")
	r.commit("two")
	blob := r.git("rev-parse", "HEAD~1:a.txt")
	if err := os.Remove(filepath.Join(r.dir, ".git", "objects", blob[:2], blob[2:])); err != nil {
		t.Fatal(err)
	}
	res := runCheck(t, newCheck(), r.dir)
	if res.Status != kind.Error {
		t.Fatalf("broken history: %s %q, want error", res.Status, res.Summary)
	}
	if !strings.Contains(res.Summary, "git") {
		t.Errorf("summary %q does not name git", res.Summary)
	}
}

func TestBaselineRoundTrip(t *testing.T) {
	r := newRepo(t)
	key := fakeAWSKeyID()
	r.write("conf.env", "aws_access_key_id = "+key+"\n")
	r.commit("add")
	s := newCheck()
	env := kind.DefaultEnv("test")
	env.BaseDir = r.dir
	bl := filepath.Join(t.TempDir(), "baseline.yaml")
	n, err := WriteBaseline(context.Background(), env, s, bl)
	if err != nil || n != 1 {
		t.Fatalf("WriteBaseline = %d, %v; want 1 finding", n, err)
	}
	data, _ := os.ReadFile(bl)
	if strings.Contains(string(data), key) || strings.Contains(string(data), key[4:]) {
		t.Fatalf("the baseline holds the secret:\n%s", data)
	}
	s.Baseline = bl
	if res := runCheck(t, s, r.dir); res.Status != kind.Pass || !strings.Contains(fmt.Sprint(res.Evidence), "1 accepted") {
		t.Fatalf("with baseline: %s %q %v", res.Status, res.Summary, res.Evidence)
	}
	// The line moves: still accepted.
	r.write("conf.env", "# header\n\naws_access_key_id = "+key+"\n")
	r.commit("move")
	if res := runCheck(t, s, r.dir); res.Status != kind.Pass {
		t.Fatalf("moved line: %s %q", res.Status, res.Summary)
	}
	// A new secret on the accepted line: found.
	other := fakeAWSKeyID()
	r.write("conf.env", "# header\n\naws_access_key_id = "+key+" "+other+"\n")
	res := runCheck(t, s, r.dir)
	if res.Status != kind.Fail || len(res.Findings) != 1 || res.Findings[0].Line != 3 {
		t.Fatalf("new secret on a baselined line: %s %q %+v", res.Status, res.Summary, res.Findings)
	}
	assertNoLeak(t, res, key, other)

	s.Baseline = filepath.Join(t.TempDir(), "missing.yaml")
	if res := runCheck(t, s, r.dir); res.Status != kind.Error {
		t.Errorf("missing baseline: %s, want error", res.Status)
	}
}

func TestPrivateKeyAcrossLines(t *testing.T) {
	r := newRepo(t)
	body := ""
	for i := 0; i < 5; i++ {
		body += rnd(tAlnum+"+/", 64) + "\n"
	}
	hdr := "-----BEGIN " + "RSA PRIVATE" + " KEY-----"
	ftr := "-----END " + "RSA PRIVATE" + " KEY-----"
	r.write("deploy/key.pem", "# deploy key\n"+hdr+"\n"+body+ftr+"\n")
	r.write("deploy/cert.pem", "-----BEGIN CERTIFICATE-----\n"+body+"-----END CERTIFICATE-----\n")
	r.commit("keys")
	res := runCheck(t, newCheck(), r.dir)
	if len(res.Findings) != 1 {
		t.Fatalf("%d findings, want the private key only: %+v", len(res.Findings), res.Findings)
	}
	if f := res.Findings[0]; f.Rule != "private-key-rsa" || f.Line != 2 || f.Commit == "" {
		t.Errorf("finding %+v", f)
	}
	for _, l := range strings.Split(body, "\n") {
		if l != "" {
			assertNoLeak(t, res, l)
		}
	}
}

func TestIgnoreGlobs(t *testing.T) {
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{"testdata/**", "testdata/a/b.env", true},
		{"testdata/**", "pkg/testdata/a.env", false},
		{"**/testdata/**", "pkg/testdata/a.env", true},
		{"*.pem", "deploy/keys/a.pem", true},
		{"*.pem", "a.pem.txt", false},
		{"docs/", "docs/x/y.md", true},
		{"docs", "src/docs/y.md", true},
		{"config/*.env", "config/a.env", true},
		{"config/*.env", "config/sub/a.env", false},
	}
	for _, c := range cases {
		re, err := compileGlob(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := re.MatchString(c.path); got != c.want {
			t.Errorf("%q matches %q = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}

func TestSymlinksAreNotFollowed(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "creds.env"), []byte("k = "+fakeAWSKeyID()+"\n"), 0o644)
	r := newRepo(t)
	if err := os.Symlink(filepath.Join(outside, "creds.env"), filepath.Join(r.dir, "link.env")); err != nil {
		t.Skip("no symlinks: ", err)
	}
	r.write("a.txt", "x\n")
	no := false
	s := newCheck()
	s.History = &no
	if res := runCheck(t, s, r.dir); res.Status != kind.Pass {
		t.Errorf("a symlink out of the tree was followed: %s %q", res.Status, res.Summary)
	}
}

func TestShallowCloneWarns(t *testing.T) {
	r := newRepo(t)
	r.write("a.txt", "one\n")
	r.commit("one")
	r.write("a.txt", "two\n")
	r.commit("two")
	clone := filepath.Join(t.TempDir(), "clone")
	out, err := exec.Command("git", "clone", "-q", "--depth", "1", "file://"+r.dir, clone).CombinedOutput()
	if err != nil {
		t.Fatalf("clone: %v %s", err, out)
	}
	res := runCheck(t, newCheck(), clone)
	if res.Status != kind.Warn || !strings.Contains(res.Remedy, "unshallow") {
		t.Errorf("shallow clone: %s %q %q", res.Status, res.Summary, res.Remedy)
	}
}

func TestSecretInManyCommitsIsOneFinding(t *testing.T) {
	r := newRepo(t)
	key := fakeGitHubPAT()
	r.write("f.env", "T="+key+"\n")
	first := r.commit("add")
	r.git("rm", "-q", "f.env")
	r.commit("remove")
	r.write("f.env", "# again\nT="+key+"\n")
	r.commit("re-add")
	r.git("checkout", "-q", "-b", "copy")
	r.write("f.env", "# again\nT="+key+"\nX=1\n")
	r.commit("touch on a branch")
	res := runCheck(t, newCheck(), r.dir)
	if len(res.Findings) != 1 {
		t.Fatalf("%d findings, want 1: %+v", len(res.Findings), res.Findings)
	}
	if f := res.Findings[0]; f.Commit != first || f.Line != 2 || strings.Contains(f.Message, "deleted") {
		t.Errorf("finding %+v, want the working-tree line 2 introduced by %s", f, first)
	}
}

func TestSubdirectoryOfRepository(t *testing.T) {
	r := newRepo(t)
	r.write("svc/README.md", "# svc\n")
	r.write("svc/a.env", "T="+fakeGitHubPAT()+"\n")
	r.write("other/b.env", "T="+fakeGitHubPAT()+"\n")
	r.commit("two services")
	r.git("rm", "-q", "svc/a.env")
	r.commit("remove")
	s := newCheck()
	s.Path = "svc"
	res := runCheck(t, s, r.dir)
	if len(res.Findings) != 1 || res.Findings[0].File != "a.env" || res.Findings[0].Commit == "" {
		t.Fatalf("findings %+v, want svc's deleted a.env only, relative to svc", res.Findings)
	}
}
