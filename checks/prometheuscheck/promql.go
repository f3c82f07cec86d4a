package prometheuscheck

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
)

// promql parses the PromQL of checklists and alerting rules. Experimental functions are
// accepted: the server decides what it supports, and says so when it does not.
var promql = parser.NewParser(parser.Options{EnableExperimentalFunctions: true})

// Names is a list of names or /regexes/, written as a YAML list or as one comma-separated string,
// which is how an environment variable or `launchgate check … jobs=api,worker` carries several.
// A comma inside a regex between slashes does not split it.
type Names []string

// UnmarshalYAML accepts a sequence of strings or a comma-separated scalar.
func (l *Names) UnmarshalYAML(n *yaml.Node) error {
	list, err := kind.DecodeList(n, splitNames, "name")
	*l = list
	return err
}

// JSONSchema describes the accepted forms for the checklist schema.
func (Names) JSONSchema() map[string]any { return kind.ListSchema("name") }

func splitNames(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if n := len(out); n > 0 && openRegex(out[n-1]) {
			out[n-1] += "," + part
			continue
		}
		out = append(out, part)
	}
	return kind.NonEmpty(out)
}

func openRegex(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "/") && (len(s) == 1 || !strings.HasSuffix(s, "/"))
}

// jobSpec is one entry of a jobs parameter: a job name, or a regular expression between
// slashes (/api-.*/), matched against the whole job label as PromQL matches regexes.
type jobSpec struct {
	text string
	re   *regexp.Regexp
}

func parseJobs(list []string) ([]jobSpec, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("name at least one job (the job label of the service's targets)")
	}
	out := make([]jobSpec, 0, len(list))
	for _, s := range list {
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("%q is not valid UTF-8", s)
		}
		j := jobSpec{text: s}
		if len(s) > 2 && strings.HasPrefix(s, "/") && strings.HasSuffix(s, "/") {
			if _, err := regexp.Compile(s[1 : len(s)-1]); err != nil {
				return nil, fmt.Errorf("%s: invalid regular expression: %v", s, err)
			}
			j.re = regexp.MustCompile("^(?:" + s[1:len(s)-1] + ")$")
		} else if strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("a job name is empty")
		}
		out = append(out, j)
	}
	return out, nil
}

func (j jobSpec) matches(job string) bool {
	if j.re != nil {
		return j.re.MatchString(job)
	}
	return job == j.text
}

func (j jobSpec) String() string { return j.text }

// describe names the spec in a sentence: job api, or jobs matching /api-.*/.
func (j jobSpec) describe() string {
	if j.re != nil {
		return "jobs matching " + j.text
	}
	return "job " + j.text
}

// jobSelector is the label matcher selecting every job of specs, e.g. job=~"api|web-.*".
func jobSelector(specs []jobSpec) string {
	alts := make([]string, len(specs))
	for i, j := range specs {
		if j.re != nil {
			alts[i] = j.text[1 : len(j.text)-1]
		} else {
			alts[i] = regexp.QuoteMeta(j.text)
		}
	}
	return "job=~" + strconv.Quote(strings.Join(alts, "|"))
}

// matchesAny reports whether job is selected by any of specs.
func matchesAny(specs []jobSpec, job string) bool {
	for _, j := range specs {
		if j.matches(job) {
			return true
		}
	}
	return false
}

// selectsJob reports how an expression selects job: named when a selector in it has job
// matchers and they all accept job; every when some selector has no job matcher at all (up == 0
// selects every job's targets).
func selectsJob(expr parser.Expr, job string) (named, every bool) {
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		var jobMatchers []*labels.Matcher
		for _, m := range vs.LabelMatchers {
			if m.Name == model.JobLabel {
				jobMatchers = append(jobMatchers, m)
			}
		}
		if len(jobMatchers) == 0 {
			every = true
			return nil
		}
		for _, m := range jobMatchers {
			if !m.Matches(job) {
				return nil
			}
		}
		named = true
		return nil
	})
	return named, every
}

// selectors lists the vector selectors of an expression as PromQL, each once, without their
// offset or @ modifiers: what "is this metric scraped at all" is asked about.
func selectors(expr parser.Expr) []string {
	var out []string
	seen := map[string]bool{}
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		bare := &parser.VectorSelector{Name: vs.Name, LabelMatchers: vs.LabelMatchers}
		if s := bare.String(); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
		return nil
	})
	return out
}

// promDuration writes a duration the way PromQL reads it (1h30m, 500ms).
func promDuration(d time.Duration) string { return model.Duration(d).String() }

// promTime writes a time as the API's "time" parameter.
func promTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)
}

// queryResult is the data of a query answer.
type queryResult struct {
	Type   model.ValueType `json:"resultType"`
	Result json.RawMessage `json:"result"`
}

// instant evaluates expr at t and returns its samples; a scalar answer is one sample without
// labels.
func (c *client) instant(ctx context.Context, expr string, at time.Time) (model.Vector, error) {
	var qr queryResult
	if err := c.api(ctx, "/api/v1/query", url.Values{"query": {expr}, "time": {promTime(at)}}, &qr); err != nil {
		return nil, err
	}
	switch qr.Type {
	case model.ValVector:
		var v model.Vector
		if err := json.Unmarshal(qr.Result, &v); err != nil {
			return nil, fail("Prometheus's vector is malformed: "+err.Error(), "check that url points at Prometheus")
		}
		return v, nil
	case model.ValScalar:
		var s model.Scalar
		if err := json.Unmarshal(qr.Result, &s); err != nil {
			return nil, fail("Prometheus's scalar is malformed: "+err.Error(), "check that url points at Prometheus")
		}
		return model.Vector{{Metric: model.Metric{}, Value: s.Value, Timestamp: s.Timestamp}}, nil
	}
	return nil, fail(fmt.Sprintf("the query gave a %s, not numbers", qr.Type), "write a query whose result is a number or an instant vector")
}

// matrix evaluates a range-vector expression (a subquery) at t and returns every point.
func (c *client) matrix(ctx context.Context, expr string, at time.Time) (model.Matrix, error) {
	var qr queryResult
	if err := c.api(ctx, "/api/v1/query", url.Values{"query": {expr}, "time": {promTime(at)}}, &qr); err != nil {
		return nil, err
	}
	var m model.Matrix
	if qr.Type != model.ValMatrix || json.Unmarshal(qr.Result, &m) != nil {
		return nil, fail(fmt.Sprintf("Prometheus answered a range query with a %s", qr.Type), "check that url points at Prometheus")
	}
	return m, nil
}
