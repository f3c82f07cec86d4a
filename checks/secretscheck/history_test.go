package secretscheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
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

// TestHistoryOnOneOrManyProcesses: one git log over every commit and git processes over slices
// of them find the same secrets in the same commits, in the same order, count the same, and
// attribute a secret committed twice to the older commit.
func TestHistoryOnOneOrManyProcesses(t *testing.T) {
	r := newRepo(t)
	first := fakeGitHubPAT()
	r.write("a.env", "GITHUB_TOKEN="+first+"\n")
	oldest := r.commit("first")
	for i := 0; i < 12; i++ {
		r.write(fmt.Sprintf("f%d.txt", i), fmt.Sprintf("line %d\n", i))
		r.commit(fmt.Sprintf("filler %d", i))
	}
	r.git("checkout", "-q", "-b", "side")
	r.write("b.env", "STRIPE_KEY="+fakeStripeLive()+"\n")
	r.commit("side")
	r.git("checkout", "-q", "main")
	r.write("a.env", "# again\nGITHUB_TOKEN="+first+"\n")
	r.commit("again")
	r.git("merge", "-q", "--no-ff", "-m", "merge", "side")
	r.write("gone.env", "AWS_ID="+fakeAWSKeyID()+"\n")
	r.commit("gone")
	r.git("rm", "-q", "gone.env")
	r.commit("remove")

	s := newCheck()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	rs := mustRules(t)
	var oneOrder string
	summary := func(procs int) (string, diffStats) {
		df, st, err := s.scanHistory(context.Background(), rs, r.dir, procs)
		if err != nil {
			t.Fatalf("%d processes: %v", procs, err)
		}
		var order strings.Builder
		for _, d := range df {
			fmt.Fprintf(&order, "%d %s %s %s:%d\n", d.seq, d.commit, d.m.rule.ID, d.file, d.m.line)
		}
		if procs == 1 {
			oneOrder = order.String()
		} else if order.String() != oneOrder {
			t.Errorf("%d processes found, in this order:\n%s\none process:\n%s", procs, order.String(), oneOrder)
		}
		rep := &scanReport{}
		var lines []string
		for _, f := range mergeFindings(rep, nil, df, nil) {
			lines = append(lines, fmt.Sprintf("%s %s:%d %s", f.rule.ID, f.file, f.line, f.commit))
		}
		sort.Strings(lines)
		return strings.Join(lines, "\n"), st
	}
	one, oneSt := summary(1)
	if !strings.Contains(one, "a.env:1 "+oldest) || strings.Count(one, "\n") != 2 {
		t.Fatalf("one process found:\n%s", one)
	}
	for _, procs := range []int{2, 3, 8} {
		many, st := summary(procs)
		if many != one || st != oneSt {
			t.Errorf("%d processes found\n%s\n%+v\none process\n%s\n%+v", procs, many, st, one, oneSt)
		}
	}
}

// TestCutHistory: the slices cover every commit once, in order, largest first, and there are
// two per process at the most (each cut costs git work).
func TestCutHistory(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 100, 1300, 20000} {
		for _, procs := range []int{2, 3, 8} {
			var list strings.Builder
			for i := 0; i < n; i++ {
				fmt.Fprintf(&list, "%040d\n", i)
			}
			parts := cutHistory([]byte(list.String()), procs)
			var joined strings.Builder
			next, last := 0, n+1
			for _, p := range parts {
				size := strings.Count(string(p.commits), "\n")
				if p.first != next || size == 0 || size > last {
					t.Fatalf("%d commits, %d processes: slice of %d from %d after %d (last %d)", n, procs, size, p.first, next, last)
				}
				joined.Write(p.commits)
				next, last = next+size, size
			}
			if joined.String() != list.String() {
				t.Fatalf("%d commits, %d processes: the slices do not make up the list", n, procs)
			}
			if len(parts) > 2*procs {
				t.Errorf("%d commits, %d processes: %d slices", n, procs, len(parts))
			}
		}
	}
}
