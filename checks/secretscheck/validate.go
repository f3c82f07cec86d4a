package secretscheck

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// validators are the checks a rule can ask its secret to pass beyond its expression (the
// rule's validate: field), for formats a regular expression cannot judge.
var validators = map[string]func(string) bool{
	"jwt":                validJWT,
	"basic-auth":         validBasicAuth,
	"letters-and-digits": lettersAndDigits,
	// A bearer token shaped like a JWT is the JWT rule's to judge: a made-up one is no secret.
	"bearer": func(s string) bool { return lettersAndDigits(s) && !strings.HasPrefix(s, "eyJ") },
}

func lettersAndDigits(s string) bool {
	return strings.ContainsAny(s, "0123456789") && strings.IndexFunc(s, func(r rune) bool {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}) >= 0
}

// decodeBase64Any decodes standard or URL-safe base64, padded or not.
func decodeBase64Any(s string) ([]byte, bool) {
	s = strings.TrimRight(s, "=")
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.RawURLEncoding
	}
	b, err := enc.DecodeString(s)
	return b, err == nil
}

// jwtFixtureMarks in a token's payload make it a documentation or test token: jwt.io's example
// (John Doe, sub 1234567890) and made-up names.
var jwtFixtureMarks = []string{"john doe", "jane doe", `"1234567890"`, "example", "dummy", "fake", "placeholder", "lorem"}

// validJWT accepts a signed JSON Web Token: a header that decodes to JSON naming an algorithm
// other than "none", a JSON payload that is not an obvious fixture, and a signature. A
// Supabase-style anonymous key (role anon) is public by design and not taken.
func validJWT(tok string) bool {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || len(parts[2]) < 16 {
		return false
	}
	hb, ok := decodeBase64Any(parts[0])
	if !ok {
		return false
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(hb, &header) != nil || header.Alg == "" || strings.EqualFold(header.Alg, "none") {
		return false
	}
	pb, ok := decodeBase64Any(parts[1])
	if !ok {
		return false
	}
	var payload map[string]any
	if json.Unmarshal(pb, &payload) != nil {
		return false
	}
	if role, _ := payload["role"].(string); role == "anon" {
		return false
	}
	lp := strings.ToLower(string(pb))
	for _, m := range jwtFixtureMarks {
		if strings.Contains(lp, m) {
			return false
		}
	}
	_, ok = decodeBase64Any(parts[2])
	return ok
}

// validBasicAuth accepts base64 of user:password (an HTTP Basic Authorization header, a Docker
// config.json auth) whose password is not a template or a documentation default.
func validBasicAuth(b64 string) bool {
	b, ok := decodeBase64Any(b64)
	if !ok {
		return false
	}
	user, pw, ok := strings.Cut(string(b), ":")
	if !ok || pw == "" {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i] < ' ' || b[i] >= 0x7f {
			return false
		}
	}
	return !placeholderURLPassword(user, pw)
}
