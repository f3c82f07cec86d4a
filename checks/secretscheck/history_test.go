package secretscheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/kind"
)

func evidence(res kind.Result, label string) *kind.Evidence {
	for i := range res.Evidence {
		if res.Evidence[i].Label == label {
			return &res.Evidence[i]
		}
	}
	return nil
}

// TestCommittedSecretStillInTree: a secret committed and still in the working tree is in
// history too: the history evidence fails and the remedy says deleting it is not enough. A
// secret never committed passes the history line and gets no such warning.
func TestCommittedSecretStillInTree(t *testing.T) {
	r := newRepo(t)
	key := fakeGitHubPAT()
	r.write("deploy.env", "GITHUB_TOKEN="+key+"\n")
	c := r.commit("deploy settings")

	res := runCheck(t, newCheck(), r.dir)
	if res.Status != kind.Fail || len(res.Findings) != 1 || res.Findings[0].Commit != c {
		t.Fatalf("committed secret: %s %q %+v", res.Status, res.Summary, res.Findings)
	}
	h := evidence(res, "history")
	if h == nil || h.Status != kind.Fail || !strings.Contains(h.Observed, "1 secret committed") {
		t.Errorf("history evidence %+v, want a failure naming the committed secret", h)
	}
	for _, want := range []string{"rotate every secret found first", "deleting the file does not remove it from history",
		"amending the commit", "rewriting history (git filter-repo) is not enough once it was pushed"} {
		if !strings.Contains(res.Remedy, want) {
			t.Errorf("remedy %q lacks %q", res.Remedy, want)
		}
	}
	assertNoLeak(t, res, key)

	// Deleted since: the history line says so.
	if err := os.Remove(filepath.Join(r.dir, "deploy.env")); err != nil {
		t.Fatal(err)
	}
	r.commit("remove")
	res = runCheck(t, newCheck(), r.dir)
	if h := evidence(res, "history"); h == nil || h.Status != kind.Fail || !strings.Contains(h.Observed, "1 deleted since, still in history") {
		t.Errorf("deleted secret: history evidence %+v", h)
	}

	// Never committed: history is clean and the remedy does not talk about it.
	r2 := newRepo(t)
	r2.write("README", "hello\n")
	r2.commit("init")
	r2.write("local.env", "GITHUB_TOKEN="+fakeGitHubPAT()+"\n")
	res = runCheck(t, newCheck(), r2.dir)
	if h := evidence(res, "history"); res.Status != kind.Fail || h == nil || h.Status != kind.Pass {
		t.Errorf("untracked secret: %s, history evidence %+v", res.Status, h)
	}
	if strings.Contains(res.Remedy, "history") {
		t.Errorf("untracked secret: remedy %q talks about history", res.Remedy)
	}
}
