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
