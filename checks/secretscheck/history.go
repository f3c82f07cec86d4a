package secretscheck

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
)

// scanHistory scans the added lines of every commit reachable from any ref. git log -p is the
// bulk of the work (inflating objects, diffing) and one git process uses one core, so on more
// than one the commits (git rev-list --all, in git log's order) are cut into disjoint slices
// and procs git processes at a time turn them into patches (git log --no-walk --stdin), each
// read and scanned by a goroutine of its own. Memory stays bounded: a slice's patches are never
// held, only one file's added lines per process at a time, and the commit list at 41 bytes a
// commit. The findings come in the order one git log would give them.
func (sc *Secrets) scanHistory(ctx context.Context, rs *ruleSet, root string, procs int) ([]diffFinding, diffStats, error) {
	if procs <= 1 {
		return sc.scanDiff(ctx, rs, root, historyArgs())
	}
	list, err := gitOutput(ctx, root, "rev-list", "--all")
	if err != nil {
		return nil, diffStats{}, err
	}
	return sc.scanSlices(ctx, rs, root, procs, cutHistory(list, procs))
}

// historySlice is a run of consecutive commits in git log's order: their hashes, one a line,
// and the position of the first.
type historySlice struct {
	commits []byte
	first   int
}

// cutHistory cuts a list of commits (one hash a line) into slices for procs processes that take
// one slice after another: procs slices of a share each, then the last share cut into procs
// smaller ones, so that a process that was given less work in the first round takes more in
// the second and they finish close together. Each cut costs git work twice (a commit's objects
// are read again by the process that shows the next one: about 10 ms a cut on the benchmark
// history, against 400 ms for all of it), so there are no more than two rounds.
func cutHistory(list []byte, procs int) []historySlice {
	var starts []int // offset of each commit's line in list
	for i := 0; i < len(list); {
		starts = append(starts, i)
		nl := bytes.IndexByte(list[i:], '\n')
		if nl < 0 {
			break
		}
		i += nl + 1
	}
	n := len(starts)
	first := n / (procs + 1)
	sizes := slices.Repeat([]int{first}, procs)
	sizes = append(sizes, evenParts(n-procs*first, procs)...)
	if sizes[procs] > first { // too few commits for two rounds
		sizes = evenParts(n, 2*procs)
	}
	var out []historySlice
	from := 0
	for _, size := range sizes {
		if size == 0 {
			continue
		}
		to := from + size
		end := len(list)
		if to < n {
			end = starts[to]
		}
		out = append(out, historySlice{commits: list[starts[from]:end], first: from})
		from = to
	}
	return out
}

// evenParts cuts n into k parts that differ by one at most, the larger first.
func evenParts(n, k int) []int {
	parts := make([]int, k)
	for i := range parts {
		parts[i] = n / k
		if i < n%k {
			parts[i]++
		}
	}
	return parts
}

// sliceScan is what one goroutine found in the slices it took.
type sliceScan struct {
	findings []diffFinding
	st       diffStats
	err      error
}

// scanSlices runs git over the slices, procs at a time, and scans their patches. The first
// failure stops every process: a partial history is no pass.
func (sc *Secrets) scanSlices(ctx context.Context, rs *ruleSet, root string, procs int, parts []historySlice) ([]diffFinding, diffStats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan historySlice, len(parts))
	for _, p := range parts {
		work <- p
	}
	close(work)
	scans := make([]sliceScan, min(procs, len(parts)))
	var wg sync.WaitGroup
	for i := range scans {
		wg.Go(func() { scans[i] = sc.scanSliceQueue(ctx, cancel, rs, root, work) })
	}
	wg.Wait()
	var findings []diffFinding
	var st diffStats
	var errs []error
	for _, s := range scans {
		findings = append(findings, s.findings...)
		st = st.plus(s.st)
		if s.err != nil {
			errs = append(errs, s.err)
		}
	}
	if err := firstCause(errs); err != nil {
		return nil, st, err
	}
	if err := ctx.Err(); err != nil {
		return nil, st, err
	}
	// In git log's order, as one process over the whole history finds them: which rule names a
	// secret found in two commits, and so the report, does not depend on which slice was done
	// first.
	slices.SortStableFunc(findings, func(a, b diffFinding) int { return a.seq - b.seq })
	return findings, st, nil
}

// scanSliceQueue takes slices from work until there are none left, the context ends or one
// fails, which cancels the others.
func (sc *Secrets) scanSliceQueue(ctx context.Context, cancel func(), rs *ruleSet, root string, work <-chan historySlice) (out sliceScan) {
	scn := newScanner(rs)
	for part := range work {
		if ctx.Err() != nil {
			break
		}
		st, err := sc.streamDiff(ctx, root, historySliceArgs(), part.commits, func(c *diffChunk) {
			out.findings = sc.scanChunk(scn, c, part.first, out.findings)
		})
		out.st = out.st.plus(st)
		if err != nil {
			out.err = err
			cancel()
			break
		}
	}
	return out
}

// firstCause returns the error that stopped the scan rather than one of those it caused: a
// process that failed cancels the others, which then fail for that.
func firstCause(errs []error) error {
	for _, err := range errs {
		if !errors.Is(err, context.Canceled) {
			return err
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}
