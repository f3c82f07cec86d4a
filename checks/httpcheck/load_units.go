package httpcheck

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
)

// expansionPattern lets the checklist schema accept a ${VAR} where a rate, share or growth goes:
// the loader substitutes it before these types decode.
const expansionPattern = `\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}`

// Rate is a number of arrivals per second, written 200/s, 12000/m or 0.5/s.
type Rate float64

// maxRateText bounds what ParseRate reads: no rate needs more digits than this.
const maxRateText = 32

// ParseRate reads "200/s", "12000/m" (or /min) and "0.5/s". A bare number is refused: a rate
// without its unit is a guess.
func ParseRate(s string) (Rate, error) {
	t := strings.TrimSpace(s)
	invalid := fmt.Errorf("invalid rate %q: write arrivals per second or minute, like 200/s or 12000/m", s)
	num, unit, ok := strings.Cut(t, "/")
	if len(t) > maxRateText {
		return 0, invalid
	}
	if !ok {
		if _, err := strconv.ParseFloat(t, 64); err == nil {
			return 0, fmt.Errorf("rate %q has no unit: write %s/s (per second) or %s/m (per minute)", s, t, t)
		}
		return 0, invalid
	}
	v, ok := kind.ParseDecimal(strings.TrimSpace(num))
	if !ok {
		return 0, invalid
	}
	switch strings.TrimSpace(unit) {
	case "s", "sec", "second":
	case "m", "min", "minute":
		v /= 60
	default:
		return 0, invalid
	}
	if v <= 0 {
		return 0, fmt.Errorf("rate %q must be more than 0", s)
	}
	return Rate(v), nil
}

// PerSecond is the rate as arrivals per second.
func (r Rate) PerSecond() float64 { return float64(r) }

func (r Rate) String() string {
	if r == 0 {
		return ""
	}
	return strconv.FormatFloat(math.Round(float64(r)*1000)/1000, 'f', -1, 64) + "/s"
}

// UnmarshalYAML parses a rate scalar.
func (r *Rate) UnmarshalYAML(n *yaml.Node) error {
	return kind.DecodeScalar(n, "a rate like 200/s", ParseRate, r)
}

// ParamType names the syntax in `launchgate explain`.
func (Rate) ParamType() string { return "rate" }

// JSONSchema describes a rate for the checklist schema.
func (Rate) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "pattern": `^\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*/\s*(s|sec|second|m|min|minute)\s*$|` + expansionPattern,
		"description": "Arrivals per second or minute: 200/s, 12000/m."}
}

// Fraction is a share of requests, written 1% or 0.01.
type Fraction float64

// ParseFraction reads "1%", "0.5 %" or a fraction from 0 to 1 such as 0.01.
func ParseFraction(s string) (Fraction, error) {
	t := strings.TrimSpace(s)
	invalid := fmt.Errorf("invalid share %q: write a percentage like 1%% or a fraction from 0 to 1 like 0.01", s)
	if len(t) > maxRateText {
		return 0, invalid
	}
	num, pct := strings.CutSuffix(t, "%")
	num = strings.TrimSpace(num)
	v, ok := kind.ParseDecimal(num)
	if !ok {
		return 0, invalid
	}
	if pct {
		v /= 100
	}
	if v > 1 {
		if pct {
			return 0, fmt.Errorf("%q is more than 100%%", s)
		}
		return 0, fmt.Errorf("%q is more than 1: write %s%% for a percentage", s, num)
	}
	return Fraction(v), nil
}

func (f Fraction) String() string { return percent(float64(f)) }

// UnmarshalYAML parses a share scalar.
func (f *Fraction) UnmarshalYAML(n *yaml.Node) error {
	return kind.DecodeScalar(n, "a percentage like 1%", ParseFraction, f)
}

// ParamType names the syntax in `launchgate explain`.
func (Fraction) ParamType() string { return "percentage" }

// JSONSchema describes a share for the checklist schema.
func (Fraction) JSONSchema() map[string]any {
	return map[string]any{"description": "A percentage (1%) or a fraction from 0 to 1 (0.01).", "anyOf": []any{
		map[string]any{"type": "number", "minimum": 0, "maximum": 1},
		map[string]any{"type": "string", "pattern": `^\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*%?\s*$|` + expansionPattern},
	}}
}

// Growth is how far a watched value may stay above its baseline after the load: an amount
// (5 connections, 64MiB) or a share of the baseline (20%).
type Growth struct {
	Amount  float64
	Percent float64
	// IsPercent says which of the two is meant.
	IsPercent bool
}

// ParseGrowth reads "5", "20%", "64MiB".
func ParseGrowth(s string) (Growth, error) {
	t := strings.TrimSpace(s)
	invalid := fmt.Errorf("invalid growth %q: write an amount (5, 64MiB) or a share of the baseline (20%%)", s)
	if len(t) > maxRateText {
		return Growth{}, invalid
	}
	if num, ok := strings.CutSuffix(t, "%"); ok {
		v, ok := kind.ParseDecimal(strings.TrimSpace(num))
		if !ok {
			return Growth{}, invalid
		}
		return Growth{Percent: v, IsPercent: true}, nil
	}
	if v, ok := kind.ParseDecimal(t); ok {
		return Growth{Amount: v}, nil
	}
	b, err := kind.ParseByteSize(t)
	if err != nil {
		return Growth{}, invalid
	}
	return Growth{Amount: float64(b)}, nil
}

// Allowed is the growth allowed over baseline.
func (g Growth) Allowed(baseline float64) float64 {
	if g.IsPercent {
		return math.Abs(baseline) * g.Percent / 100
	}
	return g.Amount
}

func (g Growth) String() string {
	if g.IsPercent {
		return strconv.FormatFloat(g.Percent, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(g.Amount, 'f', -1, 64)
}

// UnmarshalYAML parses a growth scalar.
func (g *Growth) UnmarshalYAML(n *yaml.Node) error {
	return kind.DecodeScalar(n, "an amount (5) or a percentage (20%)", ParseGrowth, g)
}

// ParamType names the syntax in `launchgate explain`.
func (Growth) ParamType() string { return "growth" }

// JSONSchema describes a growth for the checklist schema.
func (Growth) JSONSchema() map[string]any {
	return map[string]any{"description": "An amount (5, 64MiB) or a share of the baseline (20%).", "anyOf": []any{
		map[string]any{"type": "number", "minimum": 0},
		map[string]any{"type": "string", "pattern": `^\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*(%|[kKmMgG]|[kKmMgGtT][iI]?[bB]|[bB])?\s*$|` + expansionPattern},
	}}
}

// LoadJSON is a request body written as YAML and sent as JSON.
type LoadJSON string

// UnmarshalYAML encodes any YAML value as JSON.
func (b *LoadJSON) UnmarshalYAML(n *yaml.Node) error {
	out, err := asJSON(n, "this")
	if err == nil {
		*b = LoadJSON(out)
	}
	return err
}

// ParamType names the syntax in `launchgate explain`.
func (LoadJSON) ParamType() string { return "any YAML value" }

// JSONSchema accepts any value.
func (LoadJSON) JSONSchema() map[string]any {
	return map[string]any{"description": "Any value, sent as JSON."}
}
