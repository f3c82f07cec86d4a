package probe

import "sync"

// InParallel calls f on every item, at most limit at a time, and returns the results in the
// items' order: a check that asks every address behind a name asks a few at once, and reports
// them in the order DNS gave them.
func InParallel[T, R any](items []T, limit int, f func(T) R) []R {
	out := make([]R, len(items))
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = f(it)
		}()
	}
	wg.Wait()
	return out
}
