package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/golden"
)

func TestJUnitGolden(t *testing.T) {
	golden.Check(t, "closed.junit.xml", render(t, "junit", fixtureReport()))
	golden.Check(t, "open.junit.xml", render(t, "junit", passingReport()))
}

// junitSchema is the part of the Jenkins junit-10 schema (the one GitLab's and Jenkins' readers
// follow) that launchgate uses: for each element, its allowed parents, required attributes
// and optional attributes. Anything else in the document is a mistake.
var junitSchema = map[string]struct {
	parents            []string
	required, optional []string
}{
	"testsuites": {parents: []string{""}, optional: []string{"name", "time", "tests", "failures", "disabled", "errors"}},
	"testsuite": {parents: []string{"testsuites"}, required: []string{"name", "tests"},
		optional: []string{"failures", "errors", "time", "disabled", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url", "version"}},
	"properties": {parents: []string{"testsuite"}},
	"property":   {parents: []string{"properties"}, required: []string{"name", "value"}},
	"testcase":   {parents: []string{"testsuite"}, required: []string{"name"}, optional: []string{"classname", "assertions", "time", "status"}},
	"failure":    {parents: []string{"testcase"}, optional: []string{"message", "type"}},
	"error":      {parents: []string{"testcase"}, optional: []string{"message", "type"}},
	"skipped":    {parents: []string{"testcase"}, optional: []string{"message"}},
	"system-out": {parents: []string{"testcase", "testsuite"}},
	"system-err": {parents: []string{"testcase", "testsuite"}},
}

// validateJUnit walks every element and attribute of doc against junitSchema and checks that
// numbers are numbers.
func validateJUnit(t *testing.T, doc []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var stack []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			name := el.Name.Local
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			spec, ok := junitSchema[name]
			if !ok {
				t.Errorf("element <%s> is not in the JUnit schema", name)
			} else if !contains(spec.parents, parent) {
				t.Errorf("element <%s> inside <%s>: allowed only inside %v", name, parent, spec.parents)
			}
			have := map[string]string{}
			for _, a := range el.Attr {
				have[a.Name.Local] = a.Value
				if !contains(spec.required, a.Name.Local) && !contains(spec.optional, a.Name.Local) {
					t.Errorf("<%s %s=…>: attribute not in the JUnit schema", name, a.Name.Local)
				}
				switch a.Name.Local {
				case "tests", "failures", "errors", "skipped", "disabled":
					if _, err := strconv.Atoi(a.Value); err != nil {
						t.Errorf("<%s %s=%q>: not an integer", name, a.Name.Local, a.Value)
					}
				case "time":
					if _, err := strconv.ParseFloat(a.Value, 64); err != nil || strings.ContainsAny(a.Value, "eE") {
						t.Errorf("<%s time=%q>: not decimal seconds", name, a.Value)
					}
				case "timestamp":
					if len(a.Value) != len("2006-01-02T15:04:05") || a.Value[10] != 'T' {
						t.Errorf("<%s timestamp=%q>: not an ISO 8601 date-time without zone", name, a.Value)
					}
				}
			}
			for _, req := range spec.required {
				if _, ok := have[req]; !ok {
					t.Errorf("<%s> lacks the required attribute %q", name, req)
				}
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestJUnitIsValidAndCountsAddUp(t *testing.T) {
	for name, r := range map[string]*Report{"closed": fixtureReport(), "open": passingReport()} {
		t.Run(name, func(t *testing.T) {
			doc := render(t, "junit", r)
			validateJUnit(t, doc)
			var parsed junitSuites
			if err := xml.Unmarshal(doc, &parsed); err != nil {
				t.Fatal(err)
			}
			if len(parsed.Suites) != 1 {
				t.Fatalf("want one testsuite per checklist, got %d", len(parsed.Suites))
			}
			s := parsed.Suites[0]
			var fails, errs, skips int
			for _, c := range s.Cases {
				if c.Classname == "" || !strings.Contains(c.Name, ": ") {
					t.Errorf("testcase %q classname %q: want classname = type, name = id: title", c.Name, c.Classname)
				}
				n := 0
				if c.Failure != nil {
					fails, n = fails+1, n+1
				}
				if c.Error != nil {
					errs, n = errs+1, n+1
				}
				if c.Skipped != nil {
					skips, n = skips+1, n+1
				}
				if n > 1 {
					t.Errorf("testcase %q has more than one outcome", c.Name)
				}
			}
			if s.Tests != len(s.Cases) || s.Failures != fails || s.Errors != errs || s.Skipped != skips {
				t.Errorf("suite counts tests=%d failures=%d errors=%d skipped=%d; cases say %d/%d/%d/%d",
					s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases), fails, errs, skips)
			}
			if parsed.Tests != s.Tests || parsed.Failures != s.Failures || parsed.Errors != s.Errors {
				t.Errorf("testsuites totals differ from the suite's")
			}
		})
	}
}

func TestJUnitMapsStatuses(t *testing.T) {
	var parsed junitSuites
	if err := xml.Unmarshal(render(t, "junit", fixtureReport()), &parsed); err != nil {
		t.Fatal(err)
	}
	byID := map[string]junitCase{}
	for _, c := range parsed.Suites[0].Cases {
		id, _, _ := strings.Cut(c.Name, ":")
		byID[id] = c
	}
	if c := byID["db-pool"]; c.Failure == nil || c.Failure.Message != "92% of max_connections in use: 184 of 200, limit 80%" ||
		!strings.Contains(c.Failure.Body, `[pass] by "app" & <batch>: 150, 34`) || !strings.Contains(c.Failure.Body, "Remedy: Raise") {
		t.Errorf("a failed check must be a <failure> with the summary as message and evidence and remedy as body: %+v", c.Failure)
	}
	if c := byID["cache"]; c.Error == nil || c.Classname != "redis.memory" {
		t.Errorf("an errored check must be an <error>: %+v", c)
	}
	if c := byID["rate-limit"]; c.Skipped == nil || c.Skipped.Message == "" {
		t.Errorf("a skipped check must be <skipped> with the reason: %+v", c)
	}
	if c := byID["cert-expiry"]; c.Failure != nil || c.SystemOut == nil || !strings.Contains(c.SystemOut.Text, "WARN") {
		t.Errorf("a non-blocking warning passes in JUnit and says so in system-out: %+v", c)
	}
	if c := byID["no-secrets"]; c.Failure == nil || !strings.Contains(c.Failure.Body, "config/prod.env:3:19") {
		t.Errorf("secret findings must be located in the body: %+v", c.Failure)
	}

	strict := fixtureReport()
	strict.Strict = true
	strict.Results[1].Blocking = true
	var strictParsed junitSuites
	if err := xml.Unmarshal(render(t, "junit", strict), &strictParsed); err != nil {
		t.Fatal(err)
	}
	if c := strictParsed.Suites[0].Cases[1]; c.Failure == nil || c.Failure.Type != "warn" {
		t.Errorf("under --strict a warning closes the gate and must be a <failure>: %+v", c)
	}
}

func TestJUnitSurvivesHostileText(t *testing.T) {
	r := passingReport()
	r.Results[0].Summary = "bell\x07 and ]]> end of CDATA and \x00 nul"
	r.Results[0].Title = "<title> & \"quotes\""
	doc := render(t, "junit", r)
	validateJUnit(t, doc)
	var parsed junitSuites
	if err := xml.Unmarshal(doc, &parsed); err != nil {
		t.Fatalf("hostile text broke the XML: %v\n%s", err, doc)
	}
	c := parsed.Suites[0].Cases[0]
	if !strings.Contains(c.SystemOut.Text, "]]> end of CDATA") || c.Name != `api-health: <title> & "quotes"` {
		t.Errorf("text did not survive: name %q, out %q", c.Name, c.SystemOut.Text)
	}
}

func BenchmarkJUnit(b *testing.B) {
	r := bigReport(5000)
	for i := 0; i < b.N; i++ {
		if err := (JUnit{}).Write(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
