package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// JUnit renders the report as JUnit XML, the test-report format GitLab, Jenkins, Azure DevOps
// and most CI systems read. One <testsuite> per checklist, one <testcase> per check:
//
//   - classname is the check type and name is "id: title", so reports group by kind;
//   - fail becomes <failure>, error becomes <error>, skip becomes <skipped>;
//   - a warning passes in JUnit terms (it does not close the gate) unless --strict made it
//     blocking, in which case it is a <failure>; either way its details are in <system-out>;
//   - the summary is the message attribute and the evidence, findings and remedy are the body.
//
// It keeps to the elements and attributes of the Jenkins junit-10 schema (no file or line
// attributes on testcase, which that schema lacks), so strict readers accept it too.
type JUnit struct{}

func init() {
	registerFixed("junit", "JUnit XML for GitLab, Jenkins and other CI test reports", JUnit{})
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitSkipped `xml:"skipped"`
	SystemOut *junitText    `xml:"system-out"`
}

// junitText is element content written as CDATA, so multi-line bodies stay readable in the file.
type junitText struct {
	Text string `xml:",cdata"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr,omitempty"`
}

// junitSeconds writes a duration the way JUnit readers parse time attributes: decimal seconds.
func junitSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

func (JUnit) Write(w io.Writer, r *Report) error {
	suite := newJUnitSuite(r)
	for _, e := range r.Results {
		suite.add(junitCaseFor(r, e))
	}
	doc := junitSuites{Name: "launchgate", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Time: suite.Time, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// newJUnitSuite is the checklist's test suite, its cases still to add.
func newJUnitSuite(r *Report) junitSuite {
	name := r.Checklist
	if name == "" {
		name = "launchgate"
	}
	suite := junitSuite{Name: name, Time: junitSeconds(r.Duration)}
	if !r.StartedAt.IsZero() {
		// The junit-10 schema's timestamp has no zone; it is UTC.
		suite.Timestamp = r.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}
	suite.Properties = []junitProperty{
		{"launchgate.version", r.Version},
		{"launchgate.verdict", string(r.Verdict)},
		{"launchgate.strict", strconv.FormatBool(r.Strict)},
	}
	if r.File != "" {
		suite.Properties = append(suite.Properties, junitProperty{"launchgate.file", r.File})
	}
	return suite
}

// add counts a case as its outcome and appends it.
func (s *junitSuite) add(c junitCase) {
	switch {
	case c.Error != nil:
		s.Errors++
	case c.Failure != nil:
		s.Failures++
	case c.Skipped != nil:
		s.Skipped++
	}
	s.Tests++
	s.Cases = append(s.Cases, c)
}

// junitCaseFor is a check as a test case: fail is a failure, error an error, skip, waived and
// blocked are skipped, and the rest passes with its details as output.
func junitCaseFor(r *Report, e Entry) junitCase {
	c := junitCase{Name: e.ID + ": " + e.Title, Classname: e.Type, Time: junitSeconds(e.Duration)}
	body := xmlSafe(junitBody(r, e))
	switch {
	case e.Status == kind.Error:
		c.Error = &junitProblem{Message: xmlSafe(e.Summary), Type: "error", Body: body}
	case e.Status == kind.Blocked:
		// Blocked checks did not run: the failure that blocked them is reported on its own
		// test case, and counting them as failures too would bury it.
		c.Skipped = &junitSkipped{Message: xmlSafe("blocked: " + e.Summary)}
	case e.Status == kind.Fail || e.Blocking:
		c.Failure = &junitProblem{Message: xmlSafe(e.Summary), Type: e.Status.String(), Body: body}
	case e.Status == kind.Waived:
		c.Skipped = &junitSkipped{Message: xmlSafe("waived: " + e.Summary)}
	case e.Status == kind.Skip:
		c.Skipped = &junitSkipped{Message: xmlSafe(e.Summary)}
	default:
		c.SystemOut = &junitText{body}
	}
	return c
}

// junitBody is the text a person reads under a test case: status, summary, evidence, findings,
// remedy and where the check is defined.
func junitBody(r *Report, e Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", strings.ToUpper(e.Status.String()), e.Summary)
	if e.Status != e.CheckStatus {
		fmt.Fprintf(&b, "(%s)\n", e.Reinterpreted())
	}
	for _, ev := range e.Evidence {
		fmt.Fprintf(&b, "[%s] %s: %s", ev.Status, ev.Label, continued(ev.Observed, "  "))
		if ev.Expected != "" {
			fmt.Fprintf(&b, " (expected %s)", ev.Expected)
		}
		b.WriteString("\n")
	}
	for _, f := range e.Findings {
		fmt.Fprintf(&b, "[%s] %s: %s", f.Rule, findingLocation(f), f.Message)
		if f.Preview != "" {
			fmt.Fprintf(&b, " (%s)", f.Preview)
		}
		b.WriteString("\n")
	}
	if e.Remedy != "" {
		fmt.Fprintf(&b, "Remedy: %s\n", continued(e.Remedy, "  "))
	}
	if file := r.File; file != "" && e.Line > 0 {
		if e.File != "" {
			file = e.File
		}
		fmt.Fprintf(&b, "Defined at %s:%d\n", file, e.Line)
	}
	return b.String()
}

// xmlSafe replaces the characters XML 1.0 cannot carry at all (most control characters, which a
// server's error text may contain) with U+FFFD; CDATA sections do not escape them.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}
