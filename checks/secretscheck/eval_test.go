package secretscheck

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/golden"
)

// evalDir, when set, receives every example of the evaluation set as a file of its own
// (true/NNN/<file> and false/NNN/<file>), so that another scanner can be measured on the same
// set (scripts/bench-secrets.sh does, with gitleaks).
var evalDir = flag.String("evaldir", "", "write the evaluation set's examples under this directory")

type evalProvider struct {
	Name  string   `yaml:"name"`
	Docs  string   `yaml:"docs"`
	File  string   `yaml:"file"`
	True  []string `yaml:"true"`
	False []string `yaml:"false"`
}

// evalInstances is how many times each template is filled.
const evalInstances = 3

// evalFigures are what TestEvaluationSet measures.
type evalFigures struct {
	trueN, found, falseN, alarms                   int
	providersWithTrue, providersFound, providersFA int
}

func (f evalFigures) recall() float64 { return float64(f.found) / float64(f.trueN) }
func (f evalFigures) falseAlarms() float64 {
	return float64(f.alarms) / float64(f.falseN)
}

// TestEvaluationSet scans the evaluation set (testdata/eval/providers.yaml: documented token
// formats, filled with generated characters) and prints recall and false alarms. It fails below
// 95 % recall or above 5 % false alarms, and when either is worse than the figures recorded in
// testdata/eval/figures.txt (go test -update records new ones).
func TestEvaluationSet(t *testing.T) {
	data, err := os.ReadFile("testdata/eval/providers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Providers []evalProvider `yaml:"providers"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&set); err != nil {
		t.Fatal(err)
	}
	if len(set.Providers) < 60 {
		t.Fatalf("%d providers in the evaluation set, want at least 60", len(set.Providers))
	}
	sc := newScanner(mustRules(t))
	var fig evalFigures
	n := 0
	for _, p := range set.Providers {
		if p.Docs == "" {
			t.Errorf("%s: no docs: say where the format is documented", p.Name)
		}
		allFound, anyAlarm := true, false
		for _, kind := range []string{"true", "false"} {
			tmpls := p.True
			if kind == "false" {
				tmpls = p.False
			}
			for ti, tmpl := range tmpls {
				for inst := 0; inst < evalInstances; inst++ {
					file, text := exampleFile(tmpl)
					if !strings.HasPrefix(tmpl, "@") {
						file = p.File
						if file == "" {
							file = "config.env"
						}
					}
					gen := newEvalGen(fmt.Sprintf("%s/%s/%d/%d", p.Name, kind, ti, inst))
					body := gen.expand(text) + "\n"
					ms := sc.scan([]byte(body), optsFor(file))
					n++
					writeEvalExample(t, kind, n, file, body)
					if kind == "true" {
						fig.trueN++
						if len(ms) > 0 {
							fig.found++
						} else {
							allFound = false
							t.Logf("missed: %s true %d: %s", p.Name, ti, tmpl)
						}
						continue
					}
					fig.falseN++
					if len(ms) > 0 {
						fig.alarms++
						anyAlarm = true
						t.Logf("false alarm: %s false %d (%s): %s", p.Name, ti, ms[0].rule.ID, tmpl)
					}
				}
			}
		}
		if len(p.True) > 0 {
			fig.providersWithTrue++
			if allFound {
				fig.providersFound++
			}
		}
		if anyAlarm {
			fig.providersFA++
		}
	}
	got := fmt.Sprintf("recall %.4f\nfalse_alarms %.4f\n", fig.recall(), fig.falseAlarms())
	fmt.Printf("evaluation set: recall %.1f%% (%d of %d true examples; %d of %d providers fully), false alarms %.1f%% (%d of %d false examples; %d of %d providers)\n",
		100*fig.recall(), fig.found, fig.trueN, fig.providersFound, fig.providersWithTrue,
		100*fig.falseAlarms(), fig.alarms, fig.falseN, fig.providersFA, len(set.Providers))
	if fig.recall() < 0.95 {
		t.Errorf("recall %.1f%% is below 95%%", 100*fig.recall())
	}
	if fig.falseAlarms() > 0.05 {
		t.Errorf("false alarms %.1f%% are above 5%%", 100*fig.falseAlarms())
	}
	const figuresFile = "testdata/eval/figures.txt"
	if golden.Update() {
		if err := os.WriteFile(figuresFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	recorded, err := os.ReadFile(figuresFile)
	if err != nil {
		t.Fatalf("%v (go test -update records the figures)", err)
	}
	want := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(string(recorded)), "\n") {
		k, v, _ := strings.Cut(line, " ")
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("%s: %q: %v", figuresFile, line, err)
		}
		want[k] = f
	}
	// Figures are recorded to four decimals; compare at that precision.
	if r := roundTo4(fig.recall()); r < want["recall"] {
		t.Errorf("recall fell from %.4f to %.4f (%s)", want["recall"], r, figuresFile)
	}
	if fa := roundTo4(fig.falseAlarms()); fa > want["false_alarms"] {
		t.Errorf("false alarms rose from %.4f to %.4f (%s)", want["false_alarms"], fa, figuresFile)
	}
}

func roundTo4(f float64) float64 {
	v, _ := strconv.ParseFloat(fmt.Sprintf("%.4f", f), 64)
	return v
}

func writeEvalExample(t *testing.T, kind string, n int, file, body string) {
	if *evalDir == "" {
		return
	}
	p := filepath.Join(*evalDir, kind, fmt.Sprintf("%04d", n), filepath.FromSlash(file))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// evalGen fills templates from a generator seeded by the example's identity, so that every run
// scans the same strings.
type evalGen struct{ r *rand.Rand }

func newEvalGen(seed string) *evalGen {
	h := fnv.New64a()
	h.Write([]byte(seed))
	return &evalGen{r: rand.New(rand.NewSource(int64(h.Sum64())))}
}

const (
	evalLower  = "abcdefghijklmnopqrstuvwxyz"
	evalUpper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	evalDigits = "0123456789"
	evalBech32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
)

func (g *evalGen) pick(set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[g.r.Intn(len(set))]
	}
	return string(b)
}

// expand replaces every {{name args}} in s, innermost first; an unknown name is left as it is
// (${{ secrets.X }} is an example's text, not a template).
func (g *evalGen) expand(s string) string {
	var out strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			out.WriteString(s)
			return out.String()
		}
		// The matching }}: nested templates open and close in between.
		depth, j := 0, i
		for j < len(s)-1 {
			switch {
			case s[j:j+2] == "{{":
				depth++
				j += 2
				continue
			case s[j:j+2] == "}}":
				depth--
				if depth == 0 {
					goto found
				}
				j += 2
				continue
			}
			j++
		}
		out.WriteString(s)
		return out.String()
	found:
		out.WriteString(s[:i])
		inner := g.expand(s[i+2 : j])
		name, arg, _ := strings.Cut(inner, " ")
		if v, ok := g.generate(name, arg); ok {
			out.WriteString(v)
		} else {
			out.WriteString("{{" + inner + "}}")
		}
		s = s[j+2:]
	}
}

func (g *evalGen) generate(name, arg string) (string, bool) {
	n, _ := strconv.Atoi(arg)
	switch name {
	case "alnum":
		return g.pick(evalLower+evalUpper+evalDigits, n), true
	case "lower":
		return g.pick(evalLower+evalDigits, n), true
	case "upper":
		return g.pick(evalUpper+evalDigits, n), true
	case "letters":
		return g.pick(evalLower+evalUpper, n), true
	case "digits":
		return g.pick(evalDigits, n), true
	case "hex":
		return g.pick("0123456789abcdef", n), true
	case "HEX":
		return g.pick("0123456789ABCDEF", n), true
	case "b64":
		return g.pick(evalLower+evalUpper+evalDigits+"+/", n), true
	case "b64url":
		return g.pick(evalLower+evalUpper+evalDigits+"-_", n), true
	case "B32":
		return g.pick(evalUpper+"234567", n), true
	case "b32":
		return g.pick(evalLower+"234567", n), true
	case "bech32":
		return strings.ToUpper(g.pick(evalBech32, n)), true
	case "bech32lower":
		return g.pick(evalBech32, n), true
	case "django":
		return g.pick(evalLower+evalDigits+"!@#$%^&*(-_=+)", n), true
	case "uuid":
		h := g.pick("0123456789abcdef", 32)
		return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:], true
	case "jwt":
		enc := base64.RawURLEncoding
		header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
		claims := map[string]any{"sub": "svc-" + g.pick(evalDigits, 4), "iat": 1700000000 + g.r.Intn(1e7), "scope": "orders:write"}
		if arg != "" {
			claims["name"] = arg
		}
		payload, _ := json.Marshal(claims)
		return enc.EncodeToString(header) + "." + enc.EncodeToString(payload) + "." + g.pick(evalLower+evalUpper+evalDigits+"-_", 43), true
	case "basic":
		return base64.StdEncoding.EncodeToString([]byte("svc-" + g.pick(evalLower, 6) + ":" + g.pick(evalLower+evalUpper+evalDigits, 20))), true
	case "b64of":
		return base64.StdEncoding.EncodeToString([]byte(arg)), true
	case "pem":
		var b strings.Builder
		b.WriteString("-----BEGIN " + arg + "-----\n")
		for i := 0; i < 6; i++ {
			b.WriteString(g.pick(evalLower+evalUpper+evalDigits+"+/", 64) + "\n")
		}
		b.WriteString(g.pick(evalLower+evalUpper+evalDigits+"+/", 40) + "==\n-----END " + arg + "-----")
		return b.String(), true
	}
	return "", false
}

// TestEvaluationSetIsClean: the evaluation set's file holds templates, nothing a scanner finds.
func TestEvaluationSetIsClean(t *testing.T) {
	data, err := os.ReadFile("testdata/eval/providers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range newScanner(mustRules(t)).scan(data, optsFor("providers.yaml")) {
		t.Errorf("providers.yaml:%d: %s finds %s: write that example as a template", m.line, m.rule.ID, m.preview)
	}
}
