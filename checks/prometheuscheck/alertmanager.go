package prometheuscheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// amState is what the Alertmanager said: its health, its cluster's state and its silences.
type amState struct {
	// err is set when the Alertmanager could not be asked or answered with an error.
	err      error
	cluster  string
	silences []silence
}

// silence is what /api/v2/silences says of one silence.
type silence struct {
	ID     string `json:"id"`
	Status struct {
		State string `json:"state"`
	} `json:"status"`
	Matchers []struct {
		Name    string `json:"name"`
		Value   string `json:"value"`
		IsRegex bool   `json:"isRegex"`
		// IsEqual is absent before Alertmanager 0.22, where every matcher was an equality.
		IsEqual *bool `json:"isEqual"`
	} `json:"matchers"`
	EndsAt    time.Time `json:"endsAt"`
	CreatedBy string    `json:"createdBy"`
	Comment   string    `json:"comment"`
}

func fetchAlertmanager(ctx context.Context, c *client) *amState {
	st := &amState{}
	if _, err := c.get(ctx, "/-/healthy", nil); err != nil {
		st.err = err
		return st
	}
	var status struct {
		Cluster struct {
			Status string `json:"status"`
		} `json:"cluster"`
	}
	if err := c.getJSON(ctx, "/api/v2/status", &status); err != nil {
		st.err = err
		return st
	}
	st.cluster = status.Cluster.Status
	if err := c.getJSON(ctx, "/api/v2/silences", &st.silences); err != nil {
		st.err = err
	}
	return st
}

// getJSON decodes a plain JSON answer (the Alertmanager API has no envelope).
func (c *client) getJSON(ctx context.Context, path string, v any) error {
	data, err := c.get(ctx, path, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fail(fmt.Sprintf("%s's answer to %s is not what its API sends: %s", c.what, path, probe.Clip(err.Error())),
			"check that alertmanager_url is the Alertmanager's base URL")
	}
	return nil
}

// matches reports whether the silence mutes alerts with these labels: every matcher must match,
// a missing label reading as empty, as Alertmanager does.
func (s silence) matches(ls map[string]string) bool {
	if len(s.Matchers) == 0 {
		return false
	}
	for _, m := range s.Matchers {
		t := labels.MatchEqual
		equal := m.IsEqual == nil || *m.IsEqual
		switch {
		case m.IsRegex && equal:
			t = labels.MatchRegexp
		case m.IsRegex:
			t = labels.MatchNotRegexp
		case !equal:
			t = labels.MatchNotEqual
		}
		lm, err := labels.NewMatcher(t, m.Name, m.Value)
		if err != nil || !lm.Matches(ls[m.Name]) {
			return false
		}
	}
	return true
}

// judgeAlertmanager: the Alertmanager answers, is healthy, and no active silence mutes the
// jobs' alerts.
func judgeAlertmanager(j *kind.Judgement, st *amState, targets []map[string]string) {
	if st.err != nil {
		status, summary, remedy := kind.Error, st.err.Error(), "check alertmanager_url and that the Alertmanager runs"
		var f *failure
		if errors.As(st.err, &f) {
			summary, remedy = f.Summary, f.Remedy
			if f.Status != 0 {
				status = kind.Fail
			}
		}
		j.Add(kind.Line{Label: "alertmanager", Observed: summary, Expected: "healthy", Status: status,
			Problem: summary, Remedy: remedy})
		return
	}
	line := kind.Line{Label: "alertmanager", Observed: "healthy, cluster " + probe.Clip(st.cluster), Expected: "healthy", Status: kind.Pass}
	if st.cluster == "settling" {
		line.Status = kind.Warn
		line.Problem = "the Alertmanager cluster is still settling: notifications may be delayed or sent twice"
		line.Remedy = "wait for the cluster to settle, or check that its peers reach each other"
	}
	j.Add(line)
	judgeSilences(j, st.silences, targets)
}

func judgeSilences(j *kind.Judgement, silences []silence, targets []map[string]string) {
	active, muting := 0, 0
	sort.Slice(silences, func(a, b int) bool { return silences[a].ID < silences[b].ID })
	for _, s := range silences {
		if s.Status.State != "active" {
			continue
		}
		active++
		var muted []string
		for _, ls := range targets {
			if s.matches(ls) {
				muted = append(muted, mutedName(ls))
			}
		}
		if len(muted) == 0 {
			continue
		}
		muting++
		if muting > maxRuleLines {
			continue
		}
		j.Add(silenceLine(s, dedupe(sortedCopy(muted))))
	}
	if muting > maxRuleLines {
		j.Add(kind.Line{Label: "silences", Observed: fmt.Sprintf("%d more mute these jobs' alerts, not shown", muting-maxRuleLines),
			Status: kind.Fail, Problem: fmt.Sprintf("%d more silences mute these jobs' alerts", muting-maxRuleLines)})
	}
	if muting == 0 {
		obs := "no active silence"
		if active > 0 {
			obs = fmt.Sprintf("none of the %s mutes these jobs' alerts", plural(active, "active silence"))
		}
		j.Add(kind.Line{Label: "silences", Observed: obs, Expected: "none muting", Status: kind.Pass})
	}
}

func mutedName(ls map[string]string) string {
	name := ls[model.AlertNameLabel]
	if job := ls[model.JobLabel]; job != "" {
		name += " (job " + job + ")"
	}
	return name
}

func silenceLine(s silence, muted []string) kind.Line {
	id := s.ID
	if len(id) > 8 {
		id = id[:8]
	}
	by := ""
	if s.CreatedBy != "" {
		by = " by " + probe.Clip(s.CreatedBy)
	}
	what := fmt.Sprintf("mutes %s, until %s UTC%s", ruleList(muted), clock(s.EndsAt, 48*time.Hour), by)
	if s.Comment != "" {
		what += fmt.Sprintf(" (%q)", probe.Clip(s.Comment))
	}
	return kind.Line{Label: "silence " + id, Observed: what, Expected: "none muting", Status: kind.Fail,
		Problem: fmt.Sprintf("silence %s %s", id, what),
		Remedy:  "expire the silence before launch (amtool silence expire), or narrow it to what it was meant for"}
}
