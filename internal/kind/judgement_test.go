package kind

import "testing"

func TestJudgement(t *testing.T) {
	tests := []struct {
		name        string
		build       func(j *Judgement)
		wantStatus  Status
		wantSummary string
		wantRemedy  string
		wantLines   int
	}{
		{"nothing judged passes with notes", func(j *Judgement) {
			j.Observe("connections", "12 of 100", "< 80%")
			j.Note("12 of 100 connections in use")
		}, Pass, "12 of 100 connections in use", "", 1},
		{"problems replace notes, remedies said once", func(j *Judgement) {
			j.Note("all good")
			j.Add(Line{Label: "lag", Observed: "3s", Expected: "< 1s", Status: Fail, Problem: "replica 3s behind", Remedy: "look at the replica"})
			j.Add(Line{Label: "lag2", Observed: "2s", Expected: "< 1s", Status: Warn, Remedy: "look at the replica"})
		}, Fail, "replica 3s behind; lag2: 2s", "look at the replica", 2},
		{"problem without a line", func(j *Judgement) {
			j.Problem(Error, "could not connect", "start the server")
		}, Error, "could not connect", "start the server", 0},
		{"skip lines never raise to a problem", func(j *Judgement) {
			j.Add(Line{Label: "statements", Observed: "extension missing", Status: Skip})
		}, Pass, "", "", 1},
		{"shown lines count but name no problem", func(j *Judgement) {
			j.Note("3 calls answered")
			j.Show(Line{Label: "GET /a", Observed: "1 of 3 failed", Status: Warn})
		}, Warn, "3 calls answered", "", 1},
		{"a total names the problem of shown lines", func(j *Judgement) {
			j.Show(Line{Label: "GET /a", Observed: "3 of 3 failed", Status: Fail})
			j.Add(Line{Label: "error rate", Observed: "100%", Status: Fail, Problem: "3 of 3 calls failed", Remedy: "read the logs"})
		}, Fail, "3 of 3 calls failed", "read the logs", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var j Judgement
			tt.build(&j)
			r := j.Result()
			if r.Status != tt.wantStatus || r.Summary != tt.wantSummary || r.Remedy != tt.wantRemedy || len(r.Evidence) != tt.wantLines {
				t.Errorf("got %v %q %q %d lines, want %v %q %q %d", r.Status, r.Summary, r.Remedy, len(r.Evidence), tt.wantStatus, tt.wantSummary, tt.wantRemedy, tt.wantLines)
			}
		})
	}
}

func TestJudgementHasAndProblems(t *testing.T) {
	var j Judgement
	j.Observe("addresses", "1.2.3.4", "")
	j.Show(Line{Label: "certificate 0", Observed: "expired", Status: Fail})
	j.Add(Line{Label: "expiry", Observed: "expired", Status: Fail, Problem: "expired", Remedy: "renew"})
	j.Add(Line{Label: "connection", Observed: "refused", Status: Error, Remedy: "start it"})
	j.Problem(Warn, "slow", "")
	for s, want := range map[Status]bool{Skip: false, Pass: true, Warn: true, Fail: true, Error: true} {
		if got := j.Has(s); got != want {
			t.Errorf("Has(%s) = %v, want %v", s, got, want)
		}
	}
	got := j.Problems()
	want := []Line{
		{Label: "expiry", Observed: "expired", Status: Fail, Problem: "expired", Remedy: "renew"},
		{Label: "connection", Observed: "refused", Status: Error, Problem: "connection: refused", Remedy: "start it"},
		{Status: Warn, Problem: "slow"},
	}
	if len(got) != len(want) {
		t.Fatalf("Problems() = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Problems()[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	got[0].Problem = "changed"
	if j.Problems()[0].Problem != "expired" {
		t.Error("Problems() hands out the judgement's own list")
	}
	if r := j.Result(); r.Status != Error || r.Summary != "expired; connection: refused; slow" || r.Remedy != "renew; start it" {
		t.Errorf("Result() = %v %q %q", r.Status, r.Summary, r.Remedy)
	}
}

func TestJudgementResultIsACopy(t *testing.T) {
	var j Judgement
	j.Observe("a", "1", "")
	r := j.Result()
	r.Add(Evidence{Label: "lost", Observed: "no answer", Status: Error})
	j.Observe("b", "2", "")
	if got := r.Evidence[1].Label; got != "lost" {
		t.Errorf("a line added to the judgement overwrote the result's: %q", got)
	}
	if got := len(j.Result().Evidence); got != 2 {
		t.Errorf("the judgement has %d lines, want 2", got)
	}
}

// A skipped line of evidence (a sub-check that did not apply) is not a problem: with skip now
// ranked above pass, a check that passed everything else must still pass.
func TestSkippedLineKeepsAPass(t *testing.T) {
	var j Judgement
	j.Observe("status", "200", "2xx")
	j.Add(Line{Label: "hsts", Observed: "not applicable over http://", Status: Skip})
	j.Note("all good")
	if r := j.Result(); r.Status != Pass || r.Summary != "all good" {
		t.Errorf("got %s %q, want pass", r.Status, r.Summary)
	}
	var r Result
	r.Add(Evidence{Label: "a", Status: Pass})
	r.Add(Evidence{Label: "b", Status: Skip})
	if r.Status != Pass {
		t.Errorf("Result.Add: %s, want pass", r.Status)
	}
}

func TestWorstFirst(t *testing.T) {
	var j Judgement
	if got := j.WorstFirst(); got != "" {
		t.Errorf("nothing judged: %q", got)
	}
	j.Add(Line{Label: "a", Observed: "1", Status: Warn, Problem: "a warns"})
	j.Add(Line{Label: "b", Observed: "2", Status: Pass})
	j.Add(Line{Label: "c", Observed: "3", Status: Fail, Problem: "c fails"})
	j.Problem(Error, "d could not tell", "")
	j.Add(Line{Label: "e", Observed: "5", Status: Warn})
	if got, want := j.WorstFirst(), "c fails; d could not tell; a warns; e: 5"; got != want {
		t.Errorf("WorstFirst() = %q, want %q", got, want)
	}
}
