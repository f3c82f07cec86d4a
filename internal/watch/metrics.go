package watch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// maxScrape bounds a metrics page: a service's own /metrics is a few hundred KiB, and one read
// a second of more than this would load the service the test is measuring.
const maxScrape = 8 << 20

var metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

func checkMetric(s Spec) error {
	var errs []error
	if _, err := probe.ParseHTTPURL(s.Target); err != nil {
		errs = append(errs, fmt.Errorf("url %v", err))
	}
	if !metricName.MatchString(s.Name) {
		errs = append(errs, fmt.Errorf("name %q is not a Prometheus metric name", s.Name))
	}
	for k := range s.Labels {
		if !model.LegacyValidation.IsValidLabelName(k) {
			errs = append(errs, fmt.Errorf("label %q is not a Prometheus label name", k))
		}
	}
	return errors.Join(errs...)
}

// metricWatcher reads one series of a Prometheus text endpoint: a gauge, a counter or an
// untyped sample, picked by name and labels.
type metricWatcher struct {
	env    *kind.Env
	spec   Spec
	client *http.Client
	where  string
	series []Series
}

func openMetric(ctx context.Context, env *kind.Env, s Spec) (*metricWatcher, error) {
	if err := checkMetric(s); err != nil {
		return nil, err
	}
	w := &metricWatcher{env: env, spec: s,
		client: probe.NewClient(env, probe.ClientOptions{InsecureSkipVerify: s.InsecureSkipVerify}),
		where:  probe.Clip(redact.String(s.Target))}
	page, err := w.scrape(ctx)
	if err != nil {
		w.Close()
		return nil, err
	}
	if _, err := pick(page, s.Name, s.Labels, w.where); err != nil {
		w.Close()
		return nil, err
	}
	label := s.Name
	if len(s.Labels) > 0 {
		label += labelText(s.Labels)
	}
	unit := ""
	if strings.HasSuffix(s.Name, "_bytes") {
		unit = "bytes"
	}
	w.series = []Series{{Key: s.Name, Label: label + " at " + w.where, Unit: unit, Memory: isMemory(s.Name)}}
	return w, nil
}

// isMemory tells memory gauges by their conventional names (process_resident_memory_bytes,
// go_memstats_heap_inuse_bytes, jvm_memory_used_bytes, nodejs_heap_size_used_bytes).
func isMemory(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "memory") || strings.Contains(n, "memstats") || strings.Contains(n, "heap")
}

func (w *metricWatcher) Series() []Series { return w.series }

func (w *metricWatcher) Read(ctx context.Context) ([]float64, error) {
	page, err := w.scrape(ctx)
	if err != nil {
		return nil, err
	}
	v, err := pick(page, w.spec.Name, w.spec.Labels, w.where)
	if err != nil {
		return nil, err
	}
	return []float64{v}, nil
}

func (w *metricWatcher) Close() { w.client.CloseIdleConnections() }

func (w *metricWatcher) scrape(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.spec.Target, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot request %s: %s", w.where, redact.String(err.Error()))
	}
	for k, v := range w.spec.Headers {
		req.Header.Set(k, v)
	}
	// The classic text format: servers that negotiate would otherwise answer in protobuf.
	req.Header.Set("Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1")
	req.Header.Set("User-Agent", w.env.UserAgent())
	tctx, trace := probe.WithTrace(ctx)
	resp, err := w.client.Do(req.WithContext(tctx))
	if err != nil {
		return nil, errors.New(probe.Explain(err, w.where, readTimeout, trace).Summary)
	}
	defer resp.Body.Close()
	body, truncated, err := probe.ReadBody(resp.Body, maxScrape)
	switch {
	case err != nil:
		return nil, errors.New(probe.Explain(err, w.where, readTimeout, trace).Summary)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%s answered %d, not 200", w.where, resp.StatusCode)
	case truncated:
		return nil, fmt.Errorf("%s sent more than %d MiB of metrics", w.where, maxScrape>>20)
	}
	return body, nil
}

// pick finds the one series of name whose labels include want, and its value. Only the lines
// of that metric are parsed, so that a page of thousands of series costs little every second.
func pick(page []byte, name string, want map[string]string, where string) (float64, error) {
	own := familyLines(page, name)
	if len(own) == 0 {
		hint := ""
		if s := kind.Suggest(name, metricNames(page)); s != "" {
			hint = fmt.Sprintf(" (did you mean %s?)", s)
		}
		return 0, fmt.Errorf("%s has no metric named %s%s", where, name, hint)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(own))
	if err != nil {
		return 0, fmt.Errorf("%s: cannot read metric %s: %s", where, name, probe.Clip(err.Error()))
	}
	fam := fams[name]
	if fam == nil || len(fam.Metric) == 0 {
		// A histogram's or summary's samples are named name_bucket, name_sum and name_count:
		// only its TYPE line carries the name itself.
		if typ := declaredType(own, name); typ != "" && typ != "gauge" && typ != "counter" && typ != "untyped" {
			return 0, fmt.Errorf("%s: %s is a %s; watch a gauge, a counter or one series of it (%s_sum, %s_count)", where, name, typ, name, name)
		}
		return 0, fmt.Errorf("%s has no sample of %s", where, name)
	}
	var found []*dto.Metric
	for _, m := range fam.Metric {
		if hasLabels(m, want) {
			found = append(found, m)
		}
	}
	switch {
	case len(found) == 0:
		return 0, fmt.Errorf("%s has no series of %s with labels %s (it has %s)", where, name, labelText(want), labelSets(fam.Metric))
	case len(found) > 1:
		return 0, fmt.Errorf("%s has %d series of %s with labels %s (%s): add labels to pick one", where, len(found), name, labelText(want), labelSets(found))
	}
	m := found[0]
	switch {
	case m.Gauge != nil:
		return m.Gauge.GetValue(), nil
	case m.Counter != nil:
		return m.Counter.GetValue(), nil
	}
	return m.GetUntyped().GetValue(), nil
}

// familyLines keeps the HELP, TYPE and sample lines of one metric.
func familyLines(page []byte, name string) []byte {
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(page))
	sc.Buffer(make([]byte, 0, 64<<10), maxScrape)
	for sc.Scan() {
		line := sc.Bytes()
		rest, isComment := bytes.CutPrefix(line, []byte("# "))
		if isComment {
			if r, ok := bytes.CutPrefix(rest, []byte("HELP ")); ok {
				rest = r
			} else if r, ok := bytes.CutPrefix(rest, []byte("TYPE ")); ok {
				rest = r
			} else {
				continue
			}
		}
		r, ok := bytes.CutPrefix(rest, []byte(name))
		if !ok || (len(r) > 0 && r[0] != '{' && r[0] != ' ' && r[0] != '\t') {
			continue
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// declaredType is what the TYPE line of name says, lower-cased; "" without one.
func declaredType(lines []byte, name string) string {
	prefix := []byte("# TYPE " + name + " ")
	for _, line := range bytes.Split(lines, []byte("\n")) {
		if t, ok := bytes.CutPrefix(line, prefix); ok {
			return strings.ToLower(strings.TrimSpace(string(t)))
		}
	}
	return ""
}

// metricNames lists the metrics of a page, for "did you mean".
func metricNames(page []byte) []string {
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(page))
	sc.Buffer(make([]byte, 0, 64<<10), maxScrape)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexAny(line, "{ \t"); i > 0 {
			seen[line[:i]] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	have := map[string]string{}
	for _, lp := range m.Label {
		have[lp.GetName()] = lp.GetValue()
	}
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func labelText(l map[string]string) string {
	if len(l) == 0 {
		return "{}"
	}
	parts := make([]string, 0, len(l))
	for _, k := range slices.Sorted(maps.Keys(l)) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, l[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// labelSets names up to three series by their labels.
func labelSets(ms []*dto.Metric) string {
	var sets []string
	for _, m := range ms {
		l := map[string]string{}
		for _, lp := range m.Label {
			l[lp.GetName()] = lp.GetValue()
		}
		sets = append(sets, probe.Clip(labelText(l)))
	}
	sort.Strings(sets)
	if len(sets) > 3 {
		sets = append(sets[:3], fmt.Sprintf("%d more", len(sets)-3))
	}
	return strings.Join(sets, ", ")
}
