package secretscheck

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

func mustRules(t testing.TB) *ruleSet {
	t.Helper()
	rs, err := loadRules()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestRulesCompile compiles every rule's expression, which a scan compiles only when it needs it.
func TestRulesCompile(t *testing.T) {
	for _, r := range mustRules(t).rules {
		if r.Kind == kindAssignment {
			continue
		}
		if _, err := regexp.Compile(r.Regex); err != nil {
			t.Errorf("rule %s: %v", r.ID, err)
		}
	}
}

// TestRuleExamples runs every rule's true and false examples from rules.yaml.
func TestRuleExamples(t *testing.T) {
	rs, err := compileRules(rulesYAML, true)
	if err != nil {
		t.Fatal(err)
	}
	if plain := mustRules(t); len(plain.rules) != len(rs.rules) || len(plain.keywords) != len(rs.keywords) {
		t.Fatalf("without examples %d rules and %d keywords, with them %d and %d", len(plain.rules), len(plain.keywords), len(rs.rules), len(rs.keywords))
	}
	if len(rs.rules) < 50 {
		t.Errorf("%d rules, want at least 50", len(rs.rules))
	}
	for _, r := range rs.rules {
		t.Run(r.ID, func(t *testing.T) {
			if len(r.True) < 2 || len(r.False) < 2 {
				t.Errorf("rule %s needs at least two true and two false examples", r.ID)
			}
			if r.Rotate == "" || r.Description == "" {
				t.Errorf("rule %s needs a description and a rotate hint", r.ID)
			}
			sc := newScanner(rs)
			for i, ex := range r.True {
				file, ex := exampleFile(ex)
				ms := sc.scan([]byte(ex), optsFor(file))
				found := false
				for _, m := range ms {
					if m.rule == r {
						found = true
						if strings.Contains(m.preview, m.secret) {
							t.Errorf("true example %d: preview %q shows the secret", i, m.preview)
						}
					}
				}
				if !found {
					t.Errorf("true example %d not found by %s (found %v)", i, r.ID, ruleIDs(ms))
				}
			}
			for i, ex := range r.False {
				file, ex := exampleFile(ex)
				for _, m := range sc.scan([]byte(ex), optsFor(file)) {
					if m.rule == r {
						t.Errorf("false example %d %q found by %s (secret %s)", i, ex, r.ID, mask(m.secret))
					}
				}
			}
		})
	}
}

// exampleFile splits "@go.sum line" into the file an example is scanned as and the example; an
// example without the prefix is scanned as a .env file.
func exampleFile(ex string) (string, string) {
	if name, rest, ok := strings.Cut(ex, " "); ok && strings.HasPrefix(name, "@") {
		return name[1:], rest
	}
	return "example.env", ex
}

func ruleIDs(ms []match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.rule.ID)
	}
	return out
}

// TestRulesFileIsClean scans rules.yaml itself: its true examples are written with escapes, so
// that the file holds nothing any scanner would flag.
func TestRulesFileIsClean(t *testing.T) {
	data, err := os.ReadFile(rulesFileName)
	if err != nil {
		t.Fatal(err)
	}
	sc := newScanner(mustRules(t))
	for _, m := range sc.scan(data, optsFor(rulesFileName)) {
		t.Errorf("%s:%d: %s finds %s: escape more of that example", rulesFileName, m.line, m.rule.ID, m.preview)
	}
}

func TestPlaceholders(t *testing.T) {
	for _, v := range []string{
		"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "changeme", "<your-key>",
		"${VAR}", "${DB_PASSWORD:-x}", "$DB_PASSWORD", "{{ .Values.token }}", "xxxxxxxxxxxxxxxx",
		"XXXX-XXXX-XXXX", "****", "", "   ", "your_api_key_here", "%s", "#{secret}", "0000000000000000",
		"abababababab", "REDACTED", "tok_live_9f8e7d6c5b4a", "k-abcdefghi-x", "dummy-token-value", "sk_live_" + strings.Repeat("x", 24),
	} {
		if !isPlaceholder(v) {
			t.Errorf("isPlaceholder(%q) = false, want true", v)
		}
	}
	for _, v := range []string{"Zq8vN3kPw7Lx2RmT9bYc", "9f86d081884c7d659a2feaa0c55ad015"} {
		if isPlaceholder(v) {
			t.Errorf("isPlaceholder(%q) = true, want false", v)
		}
	}
	for _, c := range []struct{ user, pw string }{
		{"user", "password"}, {"root", "root"}, {"app", "${DB_PASSWORD}"}, {"u", "%s"}, {"app", "p%40ss"},
		{"app", "***"}, {"", "hunter2"}, {"app", "s3cret"},
	} {
		if !placeholderURLPassword(c.user, c.pw) {
			t.Errorf("placeholderURLPassword(%q, %q) = false, want true", c.user, c.pw)
		}
	}
}

func TestMaskNeverShowsTheSecret(t *testing.T) {
	for _, n := range []int{1, 4, 8, 12, 20, 40, 200} {
		s := strings.Repeat("k", n)
		if m := mask(s); strings.Contains(m, s) && n > 4 {
			t.Errorf("mask of %d chars = %q", n, m)
		}
		if got := mask(s); !strings.Contains(got, fmt.Sprintf("[%d chars]", n)) {
			t.Errorf("mask(%d chars) = %q, want its length", n, got)
		}
	}
}

// TestMatcherHalvesAgree checks that the two-halves matcher reports exactly what one pass does,
// including keywords that straddle the middle.
func TestMatcherHalvesAgree(t *testing.T) {
	m := newMatcher([]string{"token", "ghp_", "secret", "Q~", "://"})
	var b strings.Builder
	for b.Len() < 20000 {
		b.WriteString("xx token yy ghp_ secr")
		b.WriteString("et zz q~ https:/")
		b.WriteString("/ tok")
	}
	data := []byte(b.String())
	for cut := 4090; cut < 4110; cut++ {
		in := data[:cut*3]
		want := m.verify(in, m.step(in, 0, 0, nil), len(in), nil)
		sortHits(want, m.keywords)
		got := m.scan(in, &hitBuffers{})
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("len %d: halves found %d hits, one pass %d", len(in), len(got), len(want))
		}
	}
}

func TestDocumentationHosts(t *testing.T) {
	for h, want := range map[string]bool{
		"example.com/x": true, "db.example.org:5432/app": true, "api.test/": true, "x.invalid": true,
		"EXAMPLE.NET": true, "example.com.evil.io/": false, "db.internal:5432": false, "localhost/app": false,
		"myexample.com": false,
	} {
		if got := documentationHost([]byte(h)); got != want {
			t.Errorf("documentationHost(%q) = %v, want %v", h, got, want)
		}
	}
}
