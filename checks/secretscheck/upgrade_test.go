package secretscheck

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/kind"
)

// The upgrade fixture: a repository whose findings an earlier release accepted in a baseline
// (testdata/upgrade/baseline-v1.yaml, written by WriteBaseline at commit e17b1c4, before
// findings were keyed by file and secret). Its secrets are derived from fixed seeds, so that the
// same repository can be built again, byte for byte, and this file holds none of them.

// detString returns n characters of set chosen by SHA-256 of seed: the same every run.
func detString(seed, set string, n int) string {
	out := make([]byte, 0, n)
	for block := 0; len(out) < n; block++ {
		sum := sha256.Sum256([]byte(seed + "/" + string(rune('a'+block))))
		for _, c := range sum {
			if len(out) < n {
				out = append(out, set[int(c)%len(set)])
			}
		}
	}
	return string(out)
}

// upgradeFixture builds the repository: five findings, three of which the current rules find
// differently from the rules that wrote the baseline (a JWT and a JFrog key once caught by the
// generic rule, an .env value once cut at its '#').
func upgradeFixture(t *testing.T) *repo {
	r := newRepo(t)
	jwtHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	jwtPayload := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"svc-billing","iat":1718000000,"scope":"invoices:write"}`))
	jwt := jwtHeader + "." + jwtPayload + "." + detString("jwt-sig", tAlnum+"-_", 43)
	r.write("config/app.env",
		"ARTIFACTORY_API_KEY="+"AK"+"Cp"+detString("jfrog", tAlnum, 69)+"\n"+
			"SESSION_SECRET="+detString("session-a", tAlnum, 12)+"#"+detString("session-b", tAlnum, 10)+"\n"+
			"GITHUB_TOKEN="+"gh"+"p_"+detString("github", tAlnum, 36)+"\n")
	r.write("config/client.json", `{"endpoint": "https://billing.internal/api", "token": "`+jwt+`"}`+"\n")
	r.commit("settings")
	r.write("deploy.yaml", "database:\n  password: \""+detString("deploy-pw", tAlnum, 20)+"\"\n")
	r.commit("deploy settings")
	r.git("rm", "-q", "deploy.yaml")
	r.commit("no passwords in deploy.yaml")
	return r
}

// TestBaselineUpgradeFromV1: every finding the old release accepted stays accepted, although
// the current rules find some of them with other rules or cut their values differently; the
// check says the file is old, and MigrateBaseline rewrites it keeping exactly those findings.
func TestBaselineUpgradeFromV1(t *testing.T) {
	r := upgradeFixture(t)
	old, err := os.ReadFile("testdata/upgrade/baseline-v1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "baseline.yaml")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	s := newCheck()
	s.Baseline = path
	res := runCheck(t, s, r.dir)
	if res.Status != kind.Pass || !strings.Contains(res.Summary, "5 accepted") || !strings.Contains(res.Summary, "--migrate") {
		t.Fatalf("upgrade from a v1 baseline: %s %q %+v", res.Status, res.Summary, res.Findings)
	}

	env := kind.DefaultEnv("test")
	env.BaseDir = r.dir
	kept, dropped, err := MigrateBaseline(context.Background(), env, s, path)
	if err != nil || kept != 5 || dropped != 0 {
		t.Fatalf("MigrateBaseline = %d kept, %d dropped, %v; want 5, 0", kept, dropped, err)
	}
	migrated, _ := os.ReadFile(path)
	if !strings.Contains(string(migrated), "version: 2") {
		t.Fatalf("migrated baseline:\n%s", migrated)
	}
	res = runCheck(t, s, r.dir)
	if res.Status != kind.Pass || !strings.Contains(res.Summary, "5 accepted") || strings.Contains(res.Summary, "--migrate") {
		t.Fatalf("after migrating: %s %q %+v", res.Status, res.Summary, res.Findings)
	}
	if kept, dropped, err := MigrateBaseline(context.Background(), env, s, path); err != nil || kept != 5 || dropped != 0 {
		t.Errorf("migrating a current baseline = %d, %d, %v; want it left alone", kept, dropped, err)
	}

	// Accepted is not everything: a new secret is still a finding.
	r.write("config/extra.env", "API_TOKEN="+detString("extra", tAlnum, 32)+"\n")
	if res := runCheck(t, s, r.dir); res.Status != kind.Fail || len(res.Findings) != 1 || res.Findings[0].File != "config/extra.env" {
		t.Fatalf("a new secret after migrating: %s %q %+v", res.Status, res.Summary, res.Findings)
	}
}
