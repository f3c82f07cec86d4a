package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Policy holds the checklist's rules for waivers.
type Policy struct {
	// Timezone is where a waiver's date ends (UTC unless policy.timezone says otherwise).
	Timezone *time.Location
	// MaxWaiverDays bounds how far ahead a waiver may end, so that no risk is accepted forever.
	MaxWaiverDays int
	// AllowSecretWaivers lets waivers cover secrets checks; without it accepted findings belong
	// in the secrets baseline, which names each one, not in a waiver of the whole scan.
	AllowSecretWaivers bool
}

// DefaultMaxWaiverDays is policy.max_waiver_days when the checklist does not set it.
const DefaultMaxWaiverDays = 90

var (
	policyKeys = []string{"timezone", "max_waiver_days", "allow_secret_waivers"}
	waiverKeys = []string{"check", "until", "reason", "owner"}
)

// secretKinds are the kinds a waiver may cover only with policy.allow_secret_waivers.
func secretKind(typ string) bool { return typ == "secrets" || strings.HasPrefix(typ, "secrets.") }

// WaiverFor returns the waiver covering e, or nil: the first waiver naming its id, or else one
// of its tags. Secrets checks are covered only when the policy allows it.
func (cl *Checklist) WaiverFor(e *Entry) *Waiver {
	if secretKind(e.Type) && !cl.Policy.AllowSecretWaivers {
		return nil
	}
	var byTag *Waiver
	for i := range cl.Waivers {
		w := &cl.Waivers[i]
		if w.Check == e.ID {
			return w
		}
		if tag, ok := strings.CutPrefix(w.Check, "tag:"); ok && byTag == nil && contains(e.Tags, tag) {
			byTag = w
		}
	}
	return byTag
}

// ActiveAt reports whether the waiver still covers a run that started at t.
func (w *Waiver) ActiveAt(t time.Time) bool { return t.Before(w.Until) }

// policy reads the policy the checklist's files set, key by key (see mergedPolicy); each
// mistake is reported in the file that made it.
func (p *parser) policy(f map[string]setting) Policy {
	pol := Policy{Timezone: time.UTC, MaxWaiverDays: DefaultMaxWaiverDays}
	if s, ok := f["timezone"]; ok {
		p.file = s.file
		loc, err := time.LoadLocation(s.val.Value)
		if err != nil || s.val.Value == "" {
			p.errorf(s.val, "policy: timezone: unknown time zone %q (an IANA name such as Europe/Paris, or UTC)", s.val.Value)
		} else {
			pol.Timezone = loc
		}
	}
	if s, ok := f["max_waiver_days"]; ok {
		p.file = s.file
		d, err := strconv.Atoi(s.val.Value)
		if err != nil || d < 1 {
			p.errorf(s.val, "policy: max_waiver_days: expected a whole number of days of at least 1, got %s", p.refs.describe(s.val))
		} else {
			pol.MaxWaiverDays = d
		}
	}
	if s, ok := f["allow_secret_waivers"]; ok {
		p.file = s.file
		b, err := strconv.ParseBool(s.val.Value)
		if err != nil || s.val.Kind != yaml.ScalarNode {
			p.errorf(s.val, "policy: allow_secret_waivers: expected true or false, got %s", p.refs.describe(s.val))
		}
		pol.AllowSecretWaivers = b
	}
	return pol
}

// waivers reads the waivers: list. now is today for the max_waiver_days rule.
func (p *parser) waivers(n *yaml.Node, cl *Checklist, now time.Time) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "waivers: expected a list of waivers, got %s", p.refs.describe(n))
		return
	}
	for i, wn := range n.Content {
		where := fmt.Sprintf("waivers[%d]", i)
		f := p.fields(wn, waiverKeys, where)
		if wn.Kind != yaml.MappingNode {
			continue
		}
		w := Waiver{File: p.file, Line: wn.Line, Column: wn.Column}
		for _, k := range waiverKeys {
			kv, ok := f[k]
			switch {
			case !ok:
				p.errorf(wn, "%s: missing %q: a waiver says which check, until when, why and who owns the risk", where, k)
				continue
			case kv[1].Kind != yaml.ScalarNode || strings.TrimSpace(kv[1].Value) == "":
				p.errorf(kv[1], "%s: %s: expected a non-empty string, got %s", where, k, p.refs.describe(kv[1]))
				continue
			}
			v := kv[1].Value
			switch k {
			case "check":
				w.Check = v
				p.waiverTarget(kv[1], where, cl)
			case "until":
				w.UntilText = v
				w.Until = p.waiverEnd(kv[1], where, cl.Policy, now)
			case "reason":
				w.Reason = v
			case "owner":
				w.Owner = v
			}
		}
		cl.Waivers = append(cl.Waivers, w)
	}
}

// waiverTarget checks that a waiver names a check or a tag of the checklist.
func (p *parser) waiverTarget(n *yaml.Node, where string, cl *Checklist) {
	var names []string
	for _, e := range cl.Checks {
		if tag, ok := strings.CutPrefix(n.Value, "tag:"); ok {
			if contains(e.Tags, tag) {
				return
			}
			continue
		}
		names = append(names, e.ID)
		if e.ID != n.Value {
			continue
		}
		if secretKind(e.Type) && !cl.Policy.AllowSecretWaivers {
			p.errorf(n, "%s: check: %q is a %s check, which waivers do not cover: accept its findings in the secrets baseline, or set policy.allow_secret_waivers: true",
				where, e.ID, e.Type)
		}
		return
	}
	p.errorf(n, "%s: check: no check has the id %q (or write tag:NAME for a tag)%s", where, n.Value, didYouMean(n.Value, names))
}

// waiverEnd reads until: a date covers the whole of that day in the policy's time zone.
func (p *parser) waiverEnd(n *yaml.Node, where string, pol Policy, now time.Time) time.Time {
	var end time.Time
	if d, err := time.ParseInLocation(time.DateOnly, n.Value, pol.Timezone); err == nil {
		end = d.AddDate(0, 0, 1)
	} else if t, err := time.Parse(time.RFC3339, n.Value); err == nil {
		end = t
	} else {
		p.errorf(n, "%s: until: expected a date (2026-12-15) or an RFC 3339 time, got %q", where, n.Value)
		return time.Time{}
	}
	if limit := now.AddDate(0, 0, pol.MaxWaiverDays); end.After(limit) {
		p.errorf(n, "%s: until: %s is more than policy.max_waiver_days (%d) from today: accept the risk for a shorter time, or raise max_waiver_days",
			where, n.Value, pol.MaxWaiverDays)
	}
	return end
}
