package kind

// UsageLevel judges a share in use (of memory, of connections) against a kind's thresholds: it
// fails from maxPercent and warns from warnPercent.
func UsageLevel(pct int64, warnPercent, maxPercent int) Status {
	switch {
	case pct >= int64(maxPercent):
		return Fail
	case pct >= int64(warnPercent):
		return Warn
	}
	return Pass
}
