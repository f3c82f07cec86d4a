package cli_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeGitHubToken is made at run time, so that no scanner (ours included) finds a token in
// this file.
func fakeGitHubToken(t *testing.T) string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 36)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alnum))))
		if err != nil {
			t.Fatal(err)
		}
		b[i] = alnum[n.Int64()]
	}
	return "gh" + "p_" + string(b)
}

// TestSecretsBaselineRoundTrip: a finding closes the gate; `secrets baseline` accepts it; the
// same scan with the baseline opens the gate; a new secret closes it again. The secret itself
// appears in no output and not in the baseline file.
func TestSecretsBaselineRoundTrip(t *testing.T) {
	dir := t.TempDir()
	first, second := fakeGitHubToken(t), fakeGitHubToken(t)
	write := func(body string) {
		if err := os.WriteFile(filepath.Join(dir, "deploy.env"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("GITHUB_TOKEN=" + first + "\n")

	r := launch(t, nil, "check", "secrets", dir, "history=false")
	if r.code != 1 || !strings.Contains(r.out, "deploy.env:1") {
		t.Fatalf("a committed token: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	baseline := filepath.Join(t.TempDir(), "baseline.yaml")
	r = launch(t, nil, "secrets", "baseline", dir, "--history=false", "-o", baseline)
	if r.code != 0 || !strings.Contains(r.errOut, "wrote 1 accepted finding") {
		t.Fatalf("baseline: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	data, err := os.ReadFile(baseline)
	if err != nil {
		t.Fatal(err)
	}
	if r = launch(t, nil, "check", "secrets", dir, "history=false", "baseline="+baseline); r.code != 0 {
		t.Errorf("with the baseline: exit %d\n%s", r.code, r.out)
	}
	write("GITHUB_TOKEN=" + first + "\nDEPLOY_TOKEN=" + second + "\n")
	if r = launch(t, nil, "check", "secrets", dir, "history=false", "baseline="+baseline); r.code != 1 || !strings.Contains(r.out, "deploy.env:2") {
		t.Errorf("a new secret beside an accepted one: exit %d\n%s", r.code, r.out)
	}
	for _, s := range []string{r.out, r.errOut, string(data)} {
		if strings.Contains(s, first) || strings.Contains(s, second) {
			t.Errorf("a token leaked:\n%s", s)
		}
	}
}

// TestSecretsBaselineMigrate: a version 1 baseline (keyed by rule) still opens the gate and says
// it is old; --migrate rewrites it as version 2 accepting the same finding and nothing new, and
// drops the entry that matches nothing.
func TestSecretsBaselineMigrate(t *testing.T) {
	dir := t.TempDir()
	token, later := fakeGitHubToken(t), fakeGitHubToken(t)
	if err := os.WriteFile(filepath.Join(dir, "deploy.env"), []byte("GITHUB_TOKEN="+token+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	v1 := func(rule, file, secret string) string {
		sum := sha256.Sum256([]byte(rule + "\x00" + file + "\x00" + secret))
		return hex.EncodeToString(sum[:])[:32]
	}
	baseline := filepath.Join(t.TempDir(), "baseline.yaml")
	old := "version: 1\nfindings:\n" +
		"  - {rule: github-pat, file: deploy.env, fingerprint: " + v1("github-pat", "deploy.env", token) + "}\n" +
		"  - {rule: github-pat, file: gone.env, fingerprint: " + v1("github-pat", "gone.env", token) + "}\n"
	if err := os.WriteFile(baseline, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	r := launch(t, nil, "check", "secrets", dir, "history=false", "baseline="+baseline)
	if r.code != 0 || !strings.Contains(r.out, "--migrate") {
		t.Fatalf("with a version 1 baseline: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if err := os.WriteFile(filepath.Join(dir, "later.env"), []byte("DEPLOY_TOKEN="+later+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = launch(t, nil, "secrets", "baseline", dir, "--history=false", "-o", baseline, "--migrate")
	if r.code != 0 || !strings.Contains(r.errOut, "1 accepted finding(s) in the current format; dropped 1 old entry") {
		t.Fatalf("migrate: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	data, err := os.ReadFile(baseline)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "version: 2") || strings.Contains(string(data), "later.env") || strings.Contains(string(data), token) {
		t.Fatalf("migrated baseline:\n%s", data)
	}
	r = launch(t, nil, "check", "secrets", dir, "history=false", "baseline="+baseline)
	if r.code != 1 || !strings.Contains(r.out, "later.env:1") || strings.Contains(r.out, "deploy.env") || strings.Contains(r.out, "--migrate") {
		t.Fatalf("after migrating, only the new secret: exit %d\n%s", r.code, r.out)
	}
}
