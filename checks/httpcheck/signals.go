package httpcheck

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// quota is one entry of the RateLimit field: how much of a policy's quota is left.
type quota struct {
	Policy    string // the policy name; empty in the older drafts' forms
	Remaining int64
	Reset     int64 // seconds until the quota resets; -1 when not given
	Limit     int64 // the older drafts' limit=; -1 when not given
}

// policy is one entry of the RateLimit-Policy field.
type policy struct {
	Name   string // empty in the older drafts' integer form
	Quota  int64
	Unit   string // "requests" unless the server says otherwise
	Window int64  // seconds; -1 when not given
}

var errNoRemaining = errors.New("no remaining quota (r=) in the RateLimit field")

// parseRateLimit reads the RateLimit field in the forms the IETF drafts have used:
//
//	RateLimit: "default";r=0;t=30                 (draft -08 onwards: a List of named quotas)
//	RateLimit: limit=100, remaining=0, reset=30   (drafts -07 and earlier: a Dictionary)
//
// Both are Structured Fields (RFC 9651) and are parsed as such.
func parseRateLimit(lines []string) ([]quota, error) {
	if list, err := parseSFList(lines); err == nil {
		var out []quota
		for _, it := range list {
			r, ok := it.intParam("r")
			if !ok {
				continue
			}
			if r < 0 {
				return nil, fmt.Errorf("negative remaining quota r=%d", r)
			}
			q := quota{Remaining: r, Reset: -1, Limit: -1}
			q.Policy, _ = sfString(it.Value)
			if t, ok := it.intParam("t"); ok && t >= 0 {
				q.Reset = t
			}
			out = append(out, q)
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	dict, err := parseSFDictionary(lines)
	if err != nil {
		return nil, err
	}
	q := quota{Remaining: -1, Reset: -1, Limit: -1}
	for _, m := range dict {
		n, ok := m.Item.Value.(int64)
		if !ok || n < 0 {
			continue
		}
		switch m.Key {
		case "remaining":
			q.Remaining = n
		case "reset":
			q.Reset = n
		case "limit":
			q.Limit = n
		}
	}
	if q.Remaining < 0 {
		return nil, errNoRemaining
	}
	return []quota{q}, nil
}

// parsePolicy reads RateLimit-Policy:
//
//	RateLimit-Policy: "burst";q=100;w=60, "daily";q=1000;w=86400;qu="requests"   (draft -08 on)
//	RateLimit-Policy: 100;w=60, 1000;w=86400                                      (earlier)
func parsePolicy(lines []string) ([]policy, error) {
	list, err := parseSFList(lines)
	if err != nil {
		return nil, err
	}
	var out []policy
	for _, it := range list {
		p := policy{Unit: "requests", Window: -1}
		switch v := it.Value.(type) {
		case int64:
			p.Quota = v
		default:
			name, ok := sfString(v)
			if !ok {
				continue
			}
			q, ok := it.intParam("q")
			if !ok {
				continue
			}
			p.Name, p.Quota = name, q
		}
		if p.Quota < 0 {
			continue
		}
		if w, ok := it.intParam("w"); ok && w > 0 {
			p.Window = w
		}
		if u, ok := it.stringParam("qu"); ok && u != "" {
			p.Unit = u
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, errors.New("no quota policy in the RateLimit-Policy field")
	}
	return out, nil
}

func (p policy) String() string {
	unit := strings.ReplaceAll(p.Unit, "-", " ")
	s := fmt.Sprintf("%d %s", p.Quota, unit)
	if p.Window > 0 {
		s += " per " + seconds(p.Window)
	}
	if p.Name != "" {
		s = fmt.Sprintf("%q: %s", p.Name, s)
	}
	return s
}

func (q quota) String() string {
	s := fmt.Sprintf("%d remaining", q.Remaining)
	if q.Limit >= 0 {
		s = fmt.Sprintf("%d of %d remaining", q.Remaining, q.Limit)
	}
	if q.Reset >= 0 {
		s += ", resets in " + seconds(q.Reset)
	}
	if q.Policy != "" {
		s = fmt.Sprintf("%q: %s", q.Policy, s)
	}
	return s
}

func seconds(n int64) string {
	if n > 1<<32 {
		return fmt.Sprintf("%ds", n)
	}
	return kind.FormatDuration(time.Duration(n) * time.Second)
}

// signal is what one response says about rate limiting.
type signal struct {
	// Limited is set when the response shows the client is (about to be) limited; Reason says
	// how, in words for the evidence.
	Limited bool
	Reason  string
	// What the server advertised, already put into words (empty when absent).
	Policy     string // RateLimit-Policy
	Quota      string // RateLimit (or RateLimit-Remaining and friends)
	RetryAfter string
	Legacy     string // X-RateLimit-Limit / -Remaining / -Reset
	// Malformed lists fields that were present but could not be parsed.
	Malformed []string
}

// inspect reads a response's status and headers for the signs of a rate limit: a 429; a 503
// with Retry-After; an IETF RateLimit quota with nothing remaining; a legacy
// X-RateLimit-Remaining of 0.
func inspect(status int, h http.Header, now time.Time) signal {
	var s signal
	if v := h.Values("Retry-After"); len(v) > 0 {
		s.RetryAfter = retryAfter(v[0], now)
	}
	s.readPolicy(h)
	exhausted := s.readQuota(h)
	legacyRemaining, legacyOK := s.readLegacy(h, now)
	switch {
	case status == http.StatusTooManyRequests:
		s.Limited, s.Reason = true, "429 Too Many Requests"
	case status == http.StatusServiceUnavailable && s.RetryAfter != "":
		s.Limited, s.Reason = true, "503 Service Unavailable with Retry-After"
	case exhausted != nil:
		s.Limited, s.Reason = true, "RateLimit quota exhausted ("+probe.Clip(exhausted.String())+")"
	case legacyOK && legacyRemaining == 0:
		s.Limited, s.Reason = true, "X-RateLimit-Remaining: 0"
	}
	return s
}

// readPolicy puts RateLimit-Policy into words.
func (s *signal) readPolicy(h http.Header) {
	v := h.Values("RateLimit-Policy")
	if len(v) == 0 {
		return
	}
	ps, err := parsePolicy(v)
	if err != nil {
		s.Malformed = append(s.Malformed, "RateLimit-Policy: "+probe.Clip(strings.Join(v, ", ")))
		return
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	s.Policy = probe.Clip(strings.Join(parts, "; "))
}

// readQuota puts the RateLimit field into words (or, from drafts -00 to -06, the three separate
// RateLimit-Remaining, -Limit and -Reset fields), and returns the first quota with nothing left.
func (s *signal) readQuota(h http.Header) *quota {
	if v := h.Values("RateLimit"); len(v) > 0 {
		qs, err := parseRateLimit(v)
		if err != nil {
			s.Malformed = append(s.Malformed, "RateLimit: "+probe.Clip(strings.Join(v, ", ")))
			return nil
		}
		var exhausted *quota
		parts := make([]string, len(qs))
		for i := range qs {
			parts[i] = qs[i].String()
			if qs[i].Remaining == 0 && exhausted == nil {
				exhausted = &qs[i]
			}
		}
		s.Quota = probe.Clip(strings.Join(parts, "; "))
		return exhausted
	}
	v := h.Values("RateLimit-Remaining")
	if len(v) == 0 {
		return nil
	}
	n, ok := leadingInt(v)
	if !ok {
		s.Malformed = append(s.Malformed, "RateLimit-Remaining: "+probe.Clip(v[0]))
		return nil
	}
	q := quota{Remaining: n, Reset: -1, Limit: -1}
	if l, ok := leadingInt(h.Values("RateLimit-Limit")); ok {
		q.Limit = l
	}
	if r, ok := leadingInt(h.Values("RateLimit-Reset")); ok {
		q.Reset = r
	}
	s.Quota = q.String()
	if n == 0 {
		return &q
	}
	return nil
}

// readLegacy puts the first of the X-RateLimit-* and X-Rate-Limit-* families into words, and
// returns its remaining count when it has one.
func (s *signal) readLegacy(h http.Header, now time.Time) (int64, bool) {
	for _, prefix := range []string{"X-RateLimit-", "X-Rate-Limit-"} {
		lim, rem, rst := h.Get(prefix+"Limit"), h.Get(prefix+"Remaining"), h.Get(prefix+"Reset")
		if lim == "" && rem == "" && rst == "" {
			continue
		}
		remaining, ok := int64(-1), false
		var parts []string
		if lim != "" {
			parts = append(parts, "limit "+probe.Clip(lim))
		}
		if rem != "" {
			parts = append(parts, "remaining "+probe.Clip(rem))
			remaining, ok = leadingInt([]string{rem})
		}
		if rst != "" {
			parts = append(parts, "reset "+resetTime(rst, now))
		}
		s.Legacy = strings.Join(parts, ", ")
		return remaining, ok
	}
	return -1, false
}

// leadingInt reads the integer at the start of a field (some servers send "0, 0;w=60").
func leadingInt(v []string) (int64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	s := strings.TrimSpace(v[0])
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == 0 || end > 15 {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:end], 10, 64)
	return n, err == nil
}

// retryAfter puts Retry-After (delay-seconds or an HTTP date) into words.
func retryAfter(v string, now time.Time) string {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
		return seconds(n)
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now).Round(time.Second)
		if d < 0 {
			d = 0
		}
		return kind.FormatDuration(d) + " (" + t.UTC().Format(http.TimeFormat) + ")"
	}
	return probe.Clip(v) + " (not a number of seconds or an HTTP date)"
}

// resetTime reads X-RateLimit-Reset, which is epoch seconds on some servers (GitHub) and a
// number of seconds on others.
func resetTime(v string, now time.Time) string {
	n, ok := leadingInt([]string{v})
	if !ok {
		return probe.Clip(v)
	}
	if n > 1_000_000_000 {
		d := time.Unix(n, 0).Sub(now).Round(time.Second)
		if d < 0 {
			d = 0
		}
		return "in " + kind.FormatDuration(d)
	}
	return "in " + seconds(n)
}
