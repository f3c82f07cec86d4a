package serve

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/report"
)

// Handler serves the endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{Registry: s.metrics.reg}))
	mux.HandleFunc("GET /gate", s.gate)
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /report", s.report)
	mux.HandleFunc("GET /{$}", s.page)
	return mux
}

func plain(w http.ResponseWriter, code int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	fmt.Fprintln(w, text)
}

// gate answers 200 when the last run opened the gate and 503 otherwise, including before the
// first run has finished: a deploy pipeline polling it must never read "go" from a gate that has
// not looked yet.
func (s *Server) gate(w http.ResponseWriter, _ *http.Request) {
	rep, _ := s.snapshot()
	switch {
	case rep == nil:
		plain(w, http.StatusServiceUnavailable, "closed: "+errNoRun.Error())
	case rep.Verdict == report.Open:
		plain(w, http.StatusOK, "open: "+rep.Counts.Summary())
	default:
		plain(w, http.StatusServiceUnavailable, "closed: "+rep.Counts.Summary())
	}
}

// healthz is liveness only: the process is up and serving. It never reflects the gate, so that
// a Kubernetes liveness probe does not restart launchgate because a deploy window closed it.
func healthz(w http.ResponseWriter, _ *http.Request) { plain(w, http.StatusOK, "ok") }

// report serves the last run's JSON report (docs/json-output.md).
func (s *Server) report(w http.ResponseWriter, _ *http.Request) {
	rep, _ := s.snapshot()
	if rep == nil {
		plain(w, http.StatusServiceUnavailable, errNoRun.Error())
		return
	}
	var b bytes.Buffer
	f, _ := report.Lookup("json")
	if err := f.New(report.Style{}).Write(&b, rep); err != nil {
		plain(w, http.StatusInternalServerError, "rendering the report: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}

// pageTemplate is the page for people: the text report as it prints in a terminal, and a meta
// refresh, so that no JavaScript is needed.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="{{.Refresh}}">
<title>launchgate: {{.Verdict}}{{with .Checklist}} · {{.}}{{end}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; }
pre { background: #f6f8fa; padding: 1rem; overflow-x: auto; line-height: 1.35; }
.open { color: #1a7f37; } .closed { color: #cf222e; } .waiting { color: #9a6700; }
</style>
</head>
<body>
<h1>Gate <span class="{{.Class}}">{{.Verdict}}</span></h1>
<p>{{.Status}}</p>
{{with .Text}}<pre>{{.}}</pre>{{end}}
<p><a href="report">JSON report</a> · <a href="metrics">metrics</a> · <a href="gate">gate</a></p>
</body>
</html>
`))

type pageData struct {
	Refresh   int
	Verdict   string
	Class     string
	Checklist string
	Status    string
	Text      string
}

func (s *Server) page(w http.ResponseWriter, _ *http.Request) {
	rep, next := s.snapshot()
	d := pageData{Refresh: max(5, int(s.o.Interval/time.Second)), Verdict: "closed", Class: "waiting",
		Status: "The first run has not finished yet; the gate stays closed until it has."}
	if rep != nil {
		var text bytes.Buffer
		f, _ := report.Lookup("text")
		if err := f.New(report.Style{}).Write(&text, rep); err != nil {
			text.WriteString("rendering the report: " + err.Error())
		}
		d.Verdict, d.Class, d.Checklist, d.Text = string(rep.Verdict), string(rep.Verdict), rep.Checklist, text.String()
		d.Status = fmt.Sprintf("Last run finished %s UTC, took %s; the next starts about %s UTC (every %s).",
			rep.StartedAt.Add(rep.Duration).UTC().Format(time.DateTime), kind.Elapsed(rep.Duration),
			next.UTC().Format(time.TimeOnly), kind.FormatDuration(s.o.Interval))
	}
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, d); err != nil {
		plain(w, http.StatusInternalServerError, "rendering the page: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}
