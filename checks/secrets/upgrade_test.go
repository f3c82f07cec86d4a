package secrets

import (
	"crypto/sha256"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/check"
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

// TestBaselineUpgradeFromV1: every finding the old release accepted stays accepted.
func TestBaselineUpgradeFromV1(t *testing.T) {
	r := upgradeFixture(t)
	s := newCheck()
	s.Baseline = mustAbs(t, "testdata/upgrade/baseline-v1.yaml")
	res := runCheck(t, s, r.dir)
	if ev := evidence(res, "baseline"); res.Status != check.Pass || ev == nil || !strings.Contains(ev.Observed, "5 accepted") {
		t.Fatalf("upgrade from a v1 baseline: %s %q %+v %+v", res.Status, res.Summary, res.Evidence, res.Findings)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
