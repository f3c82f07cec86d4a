package secretscheck

import (
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/redact"
)

// TestPreviewsHideEveryValueOnTheLine: a preview shows where a finding is, and no credential
// of the line: not the other passwords assigned beside it, not a key next to a flagged URL,
// and a mask survives the report's own redaction whole.
func TestPreviewsHideEveryValueOnTheLine(t *testing.T) {
	rs := mustRules(t)
	pat := fakeGitHubPAT()
	apiKey := rnd(tAlnum, 20)
	urlPassword := rnd(tAlnum, 16)
	azure := rnd(tAlnum, 86) + "=="
	for _, tc := range []struct {
		name, file, line string
		hidden           []string
		want             []string
	}{
		{"passwords beside a token", "env.sh",
			"export PGPASS=Tr0ub4dor-and-3 GITHUB_TOKEN=" + pat + " DB_PASS=CorrectHorse9Battery",
			[]string{"Tr0ub4dor-and-3", "CorrectHorse9Battery", pat[4:]},
			[]string{"GITHUB_TOKEN=***", "PGPASS=***", "DB_PASS=***"}},
		{"an API key beside a flagged URL", "app.conf",
			"upstream https://deploy:" + urlPassword + "@build.internal.corp/hook " + apiKey,
			[]string{urlPassword, apiKey},
			[]string{"deploy:…[16 chars]@build.internal.corp/hook ***"}},
		{"a password with an unencoded @", "db.env",
			"url=postgres://app:" + urlPassword + "@Horse99@db.internal/app",
			[]string{urlPassword, "Horse99"},
			[]string{"url=postgres://app:…[16 chars]@db.internal/app"}},
		{"a mask the query-string redaction would cut", "azure.txt",
			"DefaultEndpointsProtocol=https;AccountName=prodstore;AccountKey=" + azure + ";EndpointSuffix=core.windows.net",
			[]string{azure[:20], azure[30:60]},
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := newScanner(rs).scan([]byte(tc.line+"\n"), optsFor(tc.file))
			if len(ms) == 0 {
				t.Fatalf("nothing found in %q", tc.line)
			}
			for _, m := range ms {
				p := m.preview
				for _, h := range tc.hidden {
					if strings.Contains(p, h) {
						t.Errorf("%s preview %q shows %q", m.rule.ID, p, h)
					}
				}
				if redact.String(p) != p {
					t.Errorf("%s preview %q changes under the report's redaction: %q", m.rule.ID, p, redact.String(p))
				}
				if strings.Contains(p, " chars]") && !strings.Contains(p, "…[") {
					t.Errorf("%s preview %q holds a cut mask", m.rule.ID, p)
				}
			}
			all := ""
			for _, m := range ms {
				all += m.preview + "\n"
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("previews %q lack %q", all, w)
				}
			}
		})
	}
}

// TestPreviewsOfRealisticLines: previews stay readable: a provider's prefix and the length
// remain, words and names are not masked, text is cut around the finding but masks never are.
func TestPreviewsOfRealisticLines(t *testing.T) {
	rs := mustRules(t)
	key := fakeAWSKeyID()
	long := strings.Repeat("some words around it ", 5)
	for _, tc := range []struct{ file, line, want string }{
		{"config.env", "aws_access_key_id = " + key, "aws_access_key_id = ***"},
		{"notes.txt", long + "key " + key + " " + long, "…t some words around it some words around it key AKIA…[20 chars] some words around it some words around…"},
		{"app.yaml", `password: "` + rnd(tAlnum, 24) + `"`, `password: "…[24 chars]"`},
	} {
		ms := newScanner(rs).scan([]byte(tc.line+"\n"), optsFor(tc.file))
		if len(ms) != 1 || ms[0].preview != tc.want {
			var got []string
			for _, m := range ms {
				got = append(got, m.preview)
			}
			t.Errorf("preview of %q = %q, want %q", tc.line, got, tc.want)
		}
	}
}
