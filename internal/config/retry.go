package config

import (
	"time"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
)

// Retry is a check's `retry:`: a check that fails or errors is run again, Every after each
// attempt, until it passes or Within has passed since its first attempt. It is for targets that
// are still becoming ready, such as a deploy whose pods are starting.
type Retry struct {
	Within time.Duration
	Every  time.Duration
}

// DefaultRetryEvery is how long a check waits between attempts when neither retry.every nor
// anything else says: 5s, or a quarter of the window when that is shorter, so that a short
// window still gets a few attempts.
func DefaultRetryEvery(within time.Duration) time.Duration {
	return min(5*time.Second, within/4)
}

var retryKeys = []string{"within", "every"}

// retry reads a check's retry: mapping. every must leave room for a second attempt, or the
// retry would never retry.
func (p *parser) retry(n *yaml.Node, where string) *Retry {
	where += ": retry"
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s: expected a mapping such as {within: 2m, every: 5s}, got %s", where, p.refs.describe(n))
		return nil
	}
	f := p.fields(n, retryKeys, where)
	kv, ok := f["within"]
	if !ok {
		p.errorf(n, "%s: missing within: how long after the first attempt to keep trying, e.g. within: 2m", where)
		return nil
	}
	r := &Retry{Within: p.duration(kv[1], where+": within")}
	if r.Within <= 0 {
		return nil
	}
	r.Every = DefaultRetryEvery(r.Within)
	if kv, ok := f["every"]; ok {
		if r.Every = p.duration(kv[1], where+": every"); r.Every <= 0 {
			return nil
		}
		if r.Every >= r.Within {
			p.errorf(kv[1], "%s: every %s is not shorter than within %s: no second attempt would fit; shorten every or lengthen within",
				where, kind.FormatDuration(r.Every), kind.FormatDuration(r.Within))
			return nil
		}
	}
	return r
}
