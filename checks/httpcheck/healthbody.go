package httpcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// parseJSON decodes a JSON body, whatever its declared content type, as long as it looks like
// JSON: many health endpoints send application/json as text/plain.
func parseJSON(contentType string, body []byte) (any, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[') {
		if strings.Contains(contentType, "json") {
			return nil, fmt.Errorf("content type %s but the body does not start with { or [", contentType)
		}
		return nil, nil
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(trimmed))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// lookupPath reads the value at a dotted path as text for evidence.
func lookupPath(doc any, path string) (string, bool) {
	cur, ok := probe.LookupJSON(doc, path)
	if !ok {
		return "", false
	}
	switch v := cur.(type) {
	case string:
		return v, true
	case nil:
		return "null", true
	case map[string]any, []any:
		b, _ := json.Marshal(v)
		return string(b), true
	default:
		return fmt.Sprint(v), true
	}
}

type healthBody struct {
	format     string
	raw        string
	expected   string
	status     kind.Status
	components []kind.Evidence
}

// interpretHealthBody recognises the two common health formats: the IETF draft
// application/health+json (status pass|warn|fail, with a checks map) and Spring Boot actuator
// (status UP|DOWN|OUT_OF_SERVICE|UNKNOWN, with components). A 200 whose body says it is down is
// a failure.
func interpretHealthBody(doc any) (healthBody, bool) {
	m, ok := doc.(map[string]any)
	if !ok {
		return healthBody{}, false
	}
	raw, ok := m["status"].(string)
	if !ok {
		return healthBody{}, false
	}
	raw = strings.TrimSpace(raw)
	// Spring writes UP/DOWN in capitals; other formats (the IETF draft, ASP.NET Core's
	// Healthy/Degraded/Unhealthy) are matched without regard to case.
	if raw == strings.ToUpper(raw) {
		if st, ok := actuatorStatus(raw); ok {
			hb := healthBody{format: "actuator", raw: raw, expected: "UP", status: st}
			comps, ok := m["components"].(map[string]any)
			if !ok {
				comps, _ = m["details"].(map[string]any)
			}
			hb.components = actuatorComponents(comps)
			return hb, true
		}
	}
	if st, ok := healthJSONStatus(raw); ok {
		hb := healthBody{format: "health+json", raw: raw, expected: "pass", status: st}
		if checks, ok := m["checks"].(map[string]any); ok {
			hb.components = healthJSONChecks(checks)
		}
		return hb, true
	}
	return healthBody{}, false
}

func healthJSONStatus(s string) (kind.Status, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "pass", "ok", "up", "healthy":
		return kind.Pass, true
	case "warn", "degraded":
		return kind.Warn, true
	case "fail", "error", "down", "unhealthy":
		return kind.Fail, true
	}
	return 0, false
}

func actuatorStatus(s string) (kind.Status, bool) {
	switch s {
	case "UP":
		return kind.Pass, true
	case "UNKNOWN":
		return kind.Warn, true
	case "DOWN", "OUT_OF_SERVICE":
		return kind.Fail, true
	}
	return 0, false
}

// healthJSONChecks flattens {"db:responseTime": [{"status": "pass", "observedValue": 12}]}.
func healthJSONChecks(checks map[string]any) []kind.Evidence {
	names := slices.Sorted(maps.Keys(checks))
	var out []kind.Evidence
	for _, name := range names {
		items, _ := checks[name].([]any)
		for i, it := range items {
			obj, _ := it.(map[string]any)
			raw, _ := obj["status"].(string)
			st, ok := healthJSONStatus(raw)
			if !ok {
				continue
			}
			label := probe.Clip(name)
			if len(items) > 1 {
				label = fmt.Sprintf("%s[%d]", label, i)
			}
			obs := raw
			if v, ok := obj["observedValue"]; ok {
				seen := fmt.Sprint(v)
				if u, ok := obj["observedUnit"].(string); ok {
					seen += " " + u
				}
				obs += " (observed " + probe.Clip(seen) + ")"
			}
			if out2, ok := obj["output"].(string); ok && out2 != "" {
				obs += ": " + probe.Clip(out2)
			}
			out = append(out, kind.Evidence{Label: "component " + label, Observed: obs, Expected: "pass", Status: st})
		}
	}
	return out
}

func actuatorComponents(comps map[string]any) []kind.Evidence {
	var out []kind.Evidence
	for _, name := range slices.Sorted(maps.Keys(comps)) {
		obj, _ := comps[name].(map[string]any)
		raw, _ := obj["status"].(string)
		st, ok := actuatorStatus(raw)
		if !ok {
			continue
		}
		out = append(out, kind.Evidence{Label: "component " + probe.Clip(name), Observed: raw, Expected: "UP", Status: st})
	}
	return out
}

// textPattern is what a body expectation accepts: a substring, or a regular expression between
// slashes (/ok|healthy/). http.health's expect_body and a flow's expect.body share it.
type textPattern struct {
	text string
	re   *regexp.Regexp
}

func parseTextPattern(s string) (textPattern, error) {
	if len(s) > 1 && strings.HasPrefix(s, "/") && strings.HasSuffix(s, "/") {
		re, err := regexp.Compile(s[1 : len(s)-1])
		if err != nil {
			return textPattern{}, fmt.Errorf("invalid regular expression: %w", err)
		}
		return textPattern{text: s, re: re}, nil
	}
	return textPattern{text: s}, nil
}

func (p textPattern) match(b []byte) bool {
	if p.re != nil {
		return p.re.Match(b)
	}
	return strings.Contains(string(b), p.text)
}

// sameJSONValue is how an expected JSON value is compared with the one found: as text, without
// regard to case (a health body's "PASS" is "pass").
func sameJSONValue(got, want string) bool { return strings.EqualFold(got, want) }
