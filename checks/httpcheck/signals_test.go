package httpcheck

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseSFList(t *testing.T) {
	tests := []struct {
		in   string
		want []sfItem
		err  bool
	}{
		{in: `"default";r=0;t=30`, want: []sfItem{{Value: "default", Params: []sfParam{{"r", int64(0)}, {"t", int64(30)}}}}},
		{in: `a, b;x;y=?0, 1.5, -7, :aGk=:, @1700000000, (1 "two");p=tok/x`, want: []sfItem{
			{Value: sfToken("a")},
			{Value: sfToken("b"), Params: []sfParam{{"x", true}, {"y", false}}},
			{Value: 1.5},
			{Value: int64(-7)},
			{Value: []byte("hi")},
			{Value: sfDate(1700000000)},
			{Value: []sfItem{{Value: int64(1)}, {Value: "two"}}, Params: []sfParam{{"p", sfToken("tok/x")}}},
		}},
		{in: `"a \"q\" \\"`, want: []sfItem{{Value: `a "q" \`}}},
		{in: `   x  ,   y`, want: []sfItem{{Value: sfToken("x")}, {Value: sfToken("y")}}},
		{in: `x;a=1;a=2`, want: []sfItem{{Value: sfToken("x"), Params: []sfParam{{"a", int64(2)}}}}},
		{in: ``, want: nil},
		{in: `x,`, err: true},
		{in: `x y`, err: true},
		{in: `"unterminated`, err: true},
		{in: `1234567890123456`, err: true}, // 16 digits
		{in: `1.2345`, err: true},
		{in: `1.`, err: true},
		{in: `x;A=1`, err: true}, // keys are lower case
		{in: `?2`, err: true},
		{in: `:not base64!:`, err: true},
		{in: `(1 2`, err: true},
		{in: "\"tab\tin string\"", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSFList([]string{tt.in})
			if tt.err {
				if err == nil {
					t.Fatalf("parsed %#v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestParseSFDictionary(t *testing.T) {
	got, err := parseSFDictionary([]string{"limit=100, remaining=0", "reset=30;x, flag"})
	if err != nil {
		t.Fatal(err)
	}
	want := []sfMember{
		{"limit", sfItem{Value: int64(100)}},
		{"remaining", sfItem{Value: int64(0)}},
		{"reset", sfItem{Value: int64(30), Params: []sfParam{{"x", true}}}},
		{"flag", sfItem{Value: true}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
	if _, err := parseSFDictionary([]string{`"default";r=0`}); err == nil {
		t.Error("a List of strings parsed as a Dictionary")
	}
}

func TestParseRateLimit(t *testing.T) {
	tests := []struct {
		lines []string
		want  []quota
		err   bool
	}{
		{lines: []string{`"default";r=0;t=30`}, want: []quota{{Policy: "default", Remaining: 0, Reset: 30, Limit: -1}}},
		{lines: []string{`"burst";r=5;t=1`, `"daily";r=0;t=3600`}, want: []quota{
			{Policy: "burst", Remaining: 5, Reset: 1, Limit: -1}, {Policy: "daily", Remaining: 0, Reset: 3600, Limit: -1}}},
		{lines: []string{`default;r=12`}, want: []quota{{Policy: "default", Remaining: 12, Reset: -1, Limit: -1}}},
		{lines: []string{`"p";r=3;t=9;pk=:cGsx:`}, want: []quota{{Policy: "p", Remaining: 3, Reset: 9, Limit: -1}}},
		{lines: []string{`limit=100, remaining=0, reset=5`}, want: []quota{{Remaining: 0, Reset: 5, Limit: 100}}},
		{lines: []string{`remaining=7`}, want: []quota{{Remaining: 7, Reset: -1, Limit: -1}}},
		{lines: []string{`"default";r=-1`}, err: true},
		{lines: []string{`"default";t=30`}, err: true}, // no r
		{lines: []string{`limit=100`}, err: true},
		{lines: []string{`garbage here`}, err: true},
		{lines: []string{`"default";r=1.5`}, err: true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.lines, " | "), func(t *testing.T) {
			got, err := parseRateLimit(tt.lines)
			if tt.err {
				if err == nil {
					t.Fatalf("parsed %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{in: `"default";q=100;w=60`, want: `"default": 100 requests per 1m`},
		{in: `"burst";q=10;w=1, "daily";q=1000;w=86400`, want: `"burst": 10 requests per 1s; "daily": 1000 requests per 1d`},
		{in: `"bytes";q=65535;qu="content-bytes";w=10`, want: `"bytes": 65535 content bytes per 10s`},
		{in: `"conc";q=5;qu="concurrent-requests"`, want: `"conc": 5 concurrent requests`},
		{in: `100;w=60, 1000;w=3600;comment="hourly"`, want: `100 requests per 1m; 1000 requests per 1h`},
		{in: `"noquota";w=60`, err: true},
		{in: `;`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ps, err := parsePolicy([]string{tt.in})
			if tt.err {
				if err == nil {
					t.Fatalf("parsed %+v, want an error", ps)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			parts := make([]string, len(ps))
			for i, p := range ps {
				parts[i] = p.String()
			}
			if got := strings.Join(parts, "; "); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestInspect(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	tests := []struct {
		name    string
		status  int
		header  http.Header
		limited bool
		reason  string
		check   func(t *testing.T, s signal)
	}{
		{name: "plain 200", status: 200, header: h()},
		{name: "429", status: 429, header: h(), limited: true, reason: "429 Too Many Requests"},
		{name: "503 with Retry-After date", status: 503, header: h("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat)), limited: true,
			reason: "503 Service Unavailable with Retry-After", check: func(t *testing.T, s signal) {
				if !strings.HasPrefix(s.RetryAfter, "1m30s (") {
					t.Errorf("Retry-After %q", s.RetryAfter)
				}
			}},
		{name: "503 alone", status: 503, header: h()},
		{name: "IETF r=0 on a 200", status: 200, header: h("RateLimit", `"default";r=0;t=30`), limited: true, reason: `RateLimit quota exhausted ("default": 0 remaining, resets in 30s)`},
		{name: "IETF r>0", status: 200, header: h("RateLimit", `"default";r=3;t=30`)},
		{name: "one of two policies exhausted", status: 200, header: h("RateLimit", `"burst";r=4, "daily";r=0;t=100`), limited: true},
		{name: "legacy zero", status: 200, header: h("X-RateLimit-Remaining", "0"), limited: true, reason: "X-RateLimit-Remaining: 0"},
		{name: "hyphenated legacy zero", status: 200, header: h("X-Rate-Limit-Remaining", "0", "X-Rate-Limit-Limit", "10"), limited: true},
		{name: "legacy nonzero", status: 200, header: h("X-RateLimit-Remaining", "4")},
		{name: "malformed RateLimit is reported, not fatal", status: 200, header: h("RateLimit", "r=0;;;\x01"), check: func(t *testing.T, s signal) {
			if len(s.Malformed) != 1 || strings.ContainsRune(s.Malformed[0], 1) {
				t.Errorf("malformed %q", s.Malformed)
			}
		}},
		{name: "bad Retry-After", status: 429, header: h("Retry-After", "soon"), limited: true, check: func(t *testing.T, s signal) {
			if s.RetryAfter != "soon (not a number of seconds or an HTTP date)" {
				t.Errorf("Retry-After %q", s.RetryAfter)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := inspect(tt.status, tt.header, now)
			if s.Limited != tt.limited {
				t.Errorf("limited %v, want %v (%+v)", s.Limited, tt.limited, s)
			}
			if tt.reason != "" && s.Reason != tt.reason {
				t.Errorf("reason %q, want %q", s.Reason, tt.reason)
			}
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
}

// FuzzRateLimitFields throws arbitrary field values at the RateLimit and RateLimit-Policy
// parsers: they must never panic, never report a negative quota, and inspect must keep what
// it prints short and free of control characters.
func FuzzRateLimitFields(f *testing.F) {
	for _, s := range []string{
		`"default";r=0;t=30`, `"default";q=100;w=60`, `limit=100, remaining=0, reset=5`,
		`100;w=60, 1000;w=3600`, `"a";r=1, "b";r=0;t=9;pk=:cGsx:`, `(1 2);x=?1`, `@123, 1.5, -0`,
		`"\"esc\\"`, `x;a=1;a=2`, `remaining=7;x`, ``, `,`, `"`, `:`, `(`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if qs, err := parseRateLimit([]string{v}); err == nil {
			if len(qs) == 0 {
				t.Fatal("no quota and no error")
			}
			for _, q := range qs {
				if q.Remaining < 0 {
					t.Fatalf("negative remaining %d from %q", q.Remaining, v)
				}
			}
		}
		if ps, err := parsePolicy([]string{v}); err == nil {
			for _, p := range ps {
				if p.Quota < 0 {
					t.Fatalf("negative quota %d from %q", p.Quota, v)
				}
				_ = p.String()
			}
		}
		h := http.Header{"Ratelimit": {v}, "Ratelimit-Policy": {v}, "Retry-After": {v}, "X-Ratelimit-Remaining": {v}}
		s := inspect(429, h, time.Unix(0, 0))
		for _, out := range append([]string{s.Policy, s.Quota, s.RetryAfter, s.Legacy}, s.Malformed...) {
			if strings.ContainsAny(out, "\r\n\x00") {
				t.Fatalf("control character in evidence %q", out)
			}
		}
		for _, m := range s.Malformed {
			if len([]rune(m)) > 120 {
				t.Fatalf("malformed evidence too long: %d runes", len([]rune(m)))
			}
		}
	})
}
