package report

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
)

func TestSparkline(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		s     kind.Series
		width int
		want  string
	}{
		{kind.Series{Unit: "ms", Values: []float64{1, 2, 3, 4, 5, 6, 7, 8}}, 40, "▁▂▃▄▅▆▇█  1–8 ms"},
		{kind.Series{Unit: "connections", Values: []float64{12, 12, nan, 61, 40}}, 40, "▁▁ █▅  12–61 connections"},
		{kind.Series{Unit: "bytes", Values: []float64{40 << 20, 55 << 20}}, 40, "▁█  40.0 MiB–55.0 MiB"},
		{kind.Series{Values: []float64{3, 3, 3}}, 40, "▁▁▁  3–3"},
		{kind.Series{Values: []float64{nan}}, 40, "no measurements"},
		{kind.Series{Unit: "ms", Values: []float64{0.25, 1.5}}, 40, "▁█  0.25–1.5 ms"},
	} {
		if got := sparkline(c.s, c.width); got != c.want {
			t.Errorf("%v: %q, want %q", c.s.Values, got, c.want)
		}
	}
	// A long series is drawn by the peak of each group, in the room there is.
	long := kind.Series{Unit: "ms"}
	for i := 0; i < 600; i++ {
		long.Values = append(long.Values, float64(i%100))
	}
	got := sparkline(long, 40)
	if n := len([]rune(strings.Fields(got)[0])); n > 40 || n < 8 {
		t.Errorf("%d columns for 600 values in 40: %q", n, got)
	}
}

func seriesReport() (*config.Checklist, []kind.Result) {
	cl := &config.Checklist{Name: "spike", Checks: []*config.Entry{{ID: "launch-spike", Type: "http.load", Title: "Load", Severity: config.Block}}}
	res := []kind.Result{{Status: kind.Fail, Summary: "connections are not returned",
		Evidence: []kind.Evidence{{Label: "rate", Observed: "200/s", Status: kind.Pass}},
		Series: []kind.Series{
			{Label: "p95 latency per second", Unit: "ms", Start: 5, Step: 1, Values: []float64{12, 14, math.NaN(), 90}},
			{Label: "PostgreSQL client connections on app@db:5432/app", Unit: "connections", Step: 1, Values: []float64{12, 12, 40, 61, 58}},
		}}}
	return cl, res
}

// TestSeriesInReports: text draws a sparkline per series on a terminal only; JSON carries the
// values, a missing second as null.
func TestSeriesInReports(t *testing.T) {
	cl, res := seriesReport()
	rep := Build(cl, paired(cl, res...), Options{})
	var term, plain, js bytes.Buffer
	if err := (Text{Style{Width: 100}}).Write(&term, rep); err != nil {
		t.Fatal(err)
	}
	if err := (Text{Style{}}).Write(&plain, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(term.String(), "  ~ PostgreSQL client connections on app@db:5432/app  ▁▁▅██  12–61 connections\n") ||
		!strings.Contains(term.String(), "  ~ p95 latency per second                            ▁▁ █  12–90 ms\n") {
		t.Errorf("terminal:\n%s", term.String())
	}
	if strings.Contains(plain.String(), "▁") {
		t.Errorf("sparklines off a terminal:\n%s", plain.String())
	}
	if err := (JSON{}).Write(&js, rep); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []struct {
			Series []map[string]any `json:"series"`
		} `json:"results"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Results[0].Series[0]
	vals, _ := json.Marshal(s["values"])
	if s["label"] != "p95 latency per second" || s["unit"] != "ms" || s["start_s"] != 5.0 || s["step_s"] != 1.0 || string(vals) != "[12,14,null,90]" {
		t.Errorf("series %v", s)
	}
	var back kind.Series
	if err := json.Unmarshal([]byte(`{"label":"x","values":[1,null]}`), &back); err != nil || !math.IsNaN(back.Values[1]) {
		t.Errorf("null reads back as %v (%v)", back.Values, err)
	}
}
