package prometheuscheck

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecodeAnswer feeds arbitrary server answers to the decoding every kind relies on: it must
// return an error or a value, never panic, and never quote more than a clipped excerpt.
func FuzzDecodeAnswer(f *testing.F) {
	for _, seed := range []string{
		`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"api"},"value":[1700000000.5,"0.25"]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"NaN"]]}]}}`,
		`{"status":"success","data":{"resultType":"scalar","result":[1,"+Inf"]}}`,
		`{"status":"error","errorType":"bad_data","error":"parse error"}`,
		`{"status":"success","data":{"activeTargets":[{"labels":{"job":"a"},"health":"up"}]}}`,
		`<html>login</html>`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, answer string) {
		var qr queryResult
		err := decodeEnvelope("Prometheus", "/api/v1/query", []byte(answer), &qr, func(s string) string { return s })
		if err != nil {
			if len(err.Error()) > 400 {
				t.Errorf("error of %d bytes quotes too much of the answer", len(err.Error()))
			}
			return
		}
		var v []json.RawMessage
		_ = json.Unmarshal(qr.Result, &v)
		var ts struct {
			Targets []target `json:"activeTargets"`
		}
		_ = decodeEnvelope("Prometheus", "/api/v1/targets", []byte(answer), &ts, strings.ToUpper)
		specs, _ := parseJobs([]string{"api"})
		judgeTargets(specs, ts.Targets, nil, 0)
	})
}

// FuzzParseJobs: any jobs list parses or is refused; a parsed one builds a selector PromQL
// accepts.
func FuzzParseJobs(f *testing.F) {
	for _, seed := range []string{"api", "/api-.*/", "/(/", "//", "/", "a\"b", `/\d+/`, "job\\name"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, job string) {
		specs, err := parseJobs([]string{job})
		if err != nil {
			return
		}
		q := "up{" + jobSelector(specs) + "}"
		if _, err := promql.ParseExpr(q); err != nil && specs[0].re == nil {
			t.Errorf("the selector for job %q does not parse: %s: %v", job, q, err)
		}
		_ = specs[0].matches(job)
	})
}
