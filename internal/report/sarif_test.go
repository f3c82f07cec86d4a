package report

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/launchgate/launchgate/checklists"
	"github.com/launchgate/launchgate/internal/kind"
)

// TestSARIFGolden compares the documents indented, so that the golden files can be read and
// their diffs reviewed; the renderer writes them compact.
func TestSARIFGolden(t *testing.T) {
	for name, r := range map[string]*Report{"closed.sarif": fixtureReport(), "open.sarif": passingReport()} {
		var b bytes.Buffer
		if err := json.Indent(&b, render(t, "sarif", r), "", "  "); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, name, b.Bytes())
	}
}

// sarifSchemaFile is the OASIS SARIF 2.1.0 schema (errata 01), as published.
const sarifSchemaFile = "testdata/sarif-schema-2.1.0.json"

// sarifSchemaError checks the bytes launchgate writes, not a model decoded from them, against
// the schema.
func sarifSchemaError(t *testing.T, b []byte) error {
	t.Helper()
	schemaDoc, err := os.ReadFile(sarifSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaDoc))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(sarifSchemaFile, sd); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(sarifSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	return schema.Validate(doc)
}

func TestSARIFValidatesAgainstTheSchema(t *testing.T) {
	for name, r := range map[string]*Report{"closed": fixtureReport(), "open": passingReport(), "hostile": hostileReport(t)} {
		t.Run(name, func(t *testing.T) {
			if err := sarifSchemaError(t, render(t, "sarif", r)); err != nil {
				t.Errorf("not valid SARIF 2.1.0: %v", err)
			}
		})
	}
	bad := strings.Replace(string(render(t, "sarif", fixtureReport())), `"level":"error"`, `"level":"fatal"`, 1)
	if sarifSchemaError(t, []byte(bad)) == nil {
		t.Error("the schema accepts a level SARIF does not define")
	}
}

// githubSARIF is what GitHub's "SARIF support for code scanning" page lists as required (or
// relies on): decoded loosely so that a missing field shows up as a zero value.
type githubSARIF struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID               string `json:"id"`
					ShortDescription struct {
						Text string `json:"text"`
					} `json:"shortDescription"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
		} `json:"results"`
		Properties map[string]any `json:"properties"`
	} `json:"runs"`
}

func decodeSARIF(t *testing.T, b []byte) githubSARIF {
	t.Helper()
	var doc githubSARIF
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestSARIFHasWhatGitHubRequires(t *testing.T) {
	doc := decodeSARIF(t, render(t, "sarif", fixtureReport()))
	if doc.Version != "2.1.0" || !strings.Contains(doc.Schema, "sarif-schema-2.1.0") || len(doc.Runs) != 1 {
		t.Fatalf("version %q schema %q runs %d", doc.Version, doc.Schema, len(doc.Runs))
	}
	run := doc.Runs[0]
	if run.Tool.Driver.Name != "launchgate" {
		t.Errorf("tool.driver.name = %q", run.Tool.Driver.Name)
	}
	rules := map[string]int{}
	for i, r := range run.Tool.Driver.Rules {
		if r.ID == "" || r.ShortDescription.Text == "" {
			t.Errorf("rule %d lacks id or shortDescription: %+v", i, r)
		}
		rules[r.ID] = i
	}
	for _, want := range []string{"http.health", "tls", "postgres.connections", "redis.memory", "http.rate_limit", "secrets",
		"secrets/aws-access-key", "secrets/generic-password"} {
		if _, ok := rules[want]; !ok {
			t.Errorf("no rule %q", want)
		}
	}
	// tls warning, db-pool fail, cache error, two secret findings; no pass, no skip, and no
	// separate result for the secrets check whose findings are reported.
	if len(run.Results) != 5 {
		t.Fatalf("want 5 results, got %d", len(run.Results))
	}
	wantLevel := []string{"warning", "error", "error", "error", "error"}
	for i, res := range run.Results {
		if res.RuleID == "" || res.Message.Text == "" || len(res.Locations) != 1 {
			t.Errorf("result %d lacks ruleId, message or its one location: %+v", i, res)
			continue
		}
		if idx, ok := rules[res.RuleID]; !ok || idx != res.RuleIndex {
			t.Errorf("result %d: ruleIndex %d does not point at rule %q", i, res.RuleIndex, res.RuleID)
		}
		if res.Level != wantLevel[i] {
			t.Errorf("result %d level %q, want %q", i, res.Level, wantLevel[i])
		}
		loc := res.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI == "" || loc.Region.StartLine < 1 {
			t.Errorf("result %d: physical location needs a uri and a startLine: %+v", i, loc)
		}
		if res.PartialFingerprints["primaryLocationLineHash"] == "" {
			t.Errorf("result %d has no partialFingerprints", i)
		}
	}
	db := run.Results[1].Locations[0].PhysicalLocation
	if db.ArtifactLocation.URI != "checklists/payments.yaml" || db.Region.StartLine != 31 || db.Region.StartColumn != 5 {
		t.Errorf("a live check points at its definition: %+v", db)
	}
	secret := run.Results[3].Locations[0].PhysicalLocation
	if run.Results[3].RuleID != "secrets/aws-access-key" || secret.ArtifactLocation.URI != "config/prod.env" || secret.Region.StartLine != 3 || secret.Region.StartColumn != 19 {
		t.Errorf("a secret points at where it is: %+v %+v", run.Results[3].RuleID, secret)
	}
}

func TestSARIFFingerprintsAreStable(t *testing.T) {
	fps := func(r *Report) []string {
		var out []string
		for _, res := range decodeSARIF(t, render(t, "sarif", r)).Runs[0].Results {
			out = append(out, res.PartialFingerprints["primaryLocationLineHash"])
		}
		return out
	}
	base := fps(fixtureReport())
	seen := map[string]bool{}
	for _, f := range base {
		if seen[f] {
			t.Errorf("two results share fingerprint %s", f)
		}
		seen[f] = true
	}
	// Lines move when the checklist or the scanned file is edited; the alert must stay.
	moved := fixtureReport()
	moved.Duration *= 3
	for i := range moved.Results {
		moved.Results[i].Line += 7
		moved.Results[i].Summary += " (again)"
		for j := range moved.Results[i].Findings {
			moved.Results[i].Findings[j].Line += 40
		}
	}
	if got := fps(moved); strings.Join(got, ",") != strings.Join(base, ",") {
		t.Errorf("fingerprints changed when only lines and texts moved:\n%v\n%v", base, got)
	}
	// A different secret in the same file is a different alert.
	other := fixtureReport()
	other.Results[5].Findings[0].Fingerprint = "different"
	if got := fps(other); got[3] == base[3] {
		t.Error("a different secret kept the fingerprint")
	}
}

func TestSARIFEmbeddedChecklistUsesThePlaceholder(t *testing.T) {
	r := fixtureReport()
	r.File, r.Embedded = checklists.DefaultName, true
	res := decodeSARIF(t, render(t, "sarif", r)).Runs[0].Results[1]
	if uri := res.Locations[0].PhysicalLocation.ArtifactLocation.URI; uri != "launchgate.yaml" {
		t.Errorf("uri %q, want the placeholder launchgate.yaml", uri)
	}
}

// TestSARIFRespectsGitHubUploadLimits builds a scan that found far more secrets than GitHub
// takes: the run keeps 25,000 results, says how many it left out, and the file stays well
// under GitHub's 10 MB (gzip) upload limit. It runs in CI, under the race detector: a report
// that large must stay cheap to write.
func TestSARIFRespectsGitHubUploadLimits(t *testing.T) {
	r := fixtureReport()
	e := &r.Results[5]
	for i := 0; i < 30000; i++ {
		e.Findings = append(e.Findings, kind.Finding{Rule: "generic-api-key", File: "src/generated/keys.go", Line: i + 1, Column: 9,
			Message: "generic API key", Preview: "sk_live_****************", Fingerprint: strings.Repeat("ab", 8) + string(rune('a'+i%26)) + strings.Repeat("x", i%7)})
	}
	b := render(t, "sarif", r)
	// Only what this test looks at is decoded; TestSARIFHasWhatGitHubRequires reads the rest.
	var doc struct {
		Runs []struct {
			Results    []struct{} `json:"results"`
			Properties map[string]any
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if n := len(doc.Runs[0].Results); n != MaxSARIFResults {
		t.Errorf("%d results, want the cap %d", n, MaxSARIFResults)
	}
	if got := doc.Runs[0].Properties["launchgate/resultsOmitted"]; got != float64(30000+2+3-MaxSARIFResults) {
		t.Errorf("resultsOmitted = %v", got)
	}
	// The fastest level compresses least: if it fits, the upload action's default level does.
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	zw.Write(b)
	zw.Close()
	if gz.Len() > 10<<20 {
		t.Errorf("gzip size %d bytes exceeds GitHub's 10 MB limit", gz.Len())
	}
	t.Logf("%d results: %d bytes, %d bytes gzip", MaxSARIFResults, len(b), gz.Len())
}

func TestSARIFURIsAreEncoded(t *testing.T) {
	for in, want := range map[string]string{
		"config/prod.env":      "config/prod.env",
		"./deploy/a,b:c%.yaml": "deploy/a%2Cb%3Ac%25.yaml",
		"dir with space/x":     "dir%20with%20space/x",
	} {
		if got := sarifURI(in); got != want {
			t.Errorf("sarifURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSARIFMessageIsBounded(t *testing.T) {
	r := passingReport()
	r.Results[0].Status, r.Results[0].Blocking = kind.Fail, true
	r.Results[0].Summary = strings.Repeat("é", 10000)
	msg := decodeSARIF(t, render(t, "sarif", r)).Runs[0].Results[0].Message.Text
	if len(msg) > maxSARIFMessage+10 || !strings.HasSuffix(msg, "…") {
		t.Errorf("message of %d bytes", len(msg))
	}
}

func BenchmarkSARIF(b *testing.B) {
	r := bigReport(5000)
	for i := 0; i < b.N; i++ {
		if err := (SARIF{}).Write(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
