package secretscheck

import (
	"bytes"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/report"
	"github.com/launchgate/launchgate/internal/runner"
)

// TestRedactionInEveryFormat renders findings of several kinds through every report format and
// checks that no secret, nor a long piece of one, is in the output.
func TestRedactionInEveryFormat(t *testing.T) {
	r := newRepo(t)
	pw := rnd(tAlnum, 20)
	generic := rnd(tAlnum, 28)
	key := fakeGitHubPAT()
	body := rnd(tAlnum, 64)
	r.write("a.env", "DATABASE_URL=postgres://app:"+pw+"@db/app\nAPI_SECRET="+generic+"\nTOKEN="+key+"\n")
	r.write("k.json", `{"private_key": "-----BEGIN `+`PRIVATE KEY-----\n`+body+`\n`+body+`\n-----END `+`PRIVATE KEY-----\n"}`)
	r.commit("leak")
	res := runCheck(t, newCheck(), r.dir)
	if len(res.Findings) != 4 {
		t.Fatalf("%d findings, want 4: %+v", len(res.Findings), res.Findings)
	}
	assertNoLeak(t, res, pw, generic, key, body)
	cl := &config.Checklist{Name: "t", Checks: []*config.Entry{{ID: "secrets", Type: "secrets", Title: "secrets"}}}
	rep := report.Build(cl, []runner.Result{{Entry: cl.Checks[0], Result: res}}, report.Options{})
	for _, name := range report.FormatNames() {
		f, _ := report.Lookup(name)
		var out bytes.Buffer
		if err := f.New(report.Style{}).Write(&out, rep); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, s := range []string{pw, generic, key, body} {
			if strings.Contains(out.String(), s[4:]) {
				t.Errorf("format %s shows a secret (%s):\n%s", name, mask(s), out.String())
			}
		}
	}
}
