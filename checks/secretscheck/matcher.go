package secretscheck

import (
	"cmp"
	"slices"
)

// matcher is the prefilter that keeps scanning fast: the regular expressions run only on lines
// where one of their keywords occurs. It is a case-insensitive Aho–Corasick automaton over the
// keywords. The transition table is dense over byte classes (the distinct lower-cased bytes of
// the keywords plus one class for every other byte) and numbers the states so that those where
// a keyword ends come last: each input byte costs one table load and one comparison, and the
// load is all that the next byte's step waits for. Its offsets are 16-bit: were the keywords to
// outgrow that, the automaton would hold only their first bytes and the matcher would compare
// the rest of each keyword where its start is found.
type matcher struct {
	class  [256]uint8
	nclass int
	// table maps (state offset + class) to the next state's offset. It is a whole 64 Ki array
	// so that indexing it with a uint16 needs no bounds check.
	table *[1 << 16]uint16
	// accept is the offset of the first state where a keyword (or its prefix) ends.
	accept uint16
	// cands lists, per accepting state, the keywords whose prefix ends there (its own and, by
	// suffix links, shorter ones).
	cands    [][]candidate
	keywords []string
	lower    []string
	prefix   int // bytes of each keyword in the automaton
}

// candidate is a keyword whose first n bytes the automaton has just seen.
type candidate struct{ kw, n int }

// kwHit is an occurrence of keyword kw at offset start.
type kwHit struct{ kw, start int }

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func lowerString(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lowerByte(c)
	}
	return string(b)
}

// newMatcher builds the automaton over the keywords, or over as long a prefix of them as its
// table can hold.
func newMatcher(keywords []string) *matcher {
	m := &matcher{keywords: keywords, table: new([1 << 16]uint16)}
	longest := 0
	for _, kw := range keywords {
		m.lower = append(m.lower, lowerString(kw))
		longest = max(longest, len(kw))
	}
	for m.prefix = longest; ; m.prefix-- {
		prefixes := make([]string, len(m.lower))
		for i, kw := range m.lower {
			prefixes[i] = kw[:min(len(kw), m.prefix)]
		}
		m.nclass = m.classify(prefixes)
		next, ends := m.trie(prefixes)
		if len(ends)*m.nclass <= len(m.table) || m.prefix == 1 {
			m.build(next, ends)
			return m
		}
	}
}

// classify gives each byte of the prefixes a class (upper-case letters their lower-case
// letter's) and returns how many classes there are; class 0 is every other byte.
func (m *matcher) classify(prefixes []string) int {
	m.class = [256]uint8{}
	n := 1
	for _, p := range prefixes {
		for i := 0; i < len(p); i++ {
			if c := p[i]; m.class[c] == 0 {
				m.class[c] = uint8(n)
				n++
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	return n
}

// build makes the automaton: the trie of the prefixes, completed by suffix links into a full
// transition table, with the accepting states numbered last.
func (m *matcher) build(next []int32, ends [][]candidate) {
	n := m.nclass
	delta, order := completeTrie(next, ends, n)
	// Number the states: those where nothing ends first, then the accepting ones.
	num := make([]int, len(ends))
	k := 0
	for _, accepting := range []bool{false, true} {
		for _, s := range order {
			if (len(ends[s]) > 0) == accepting {
				num[s] = k
				k++
			}
		}
	}
	if len(ends)*n > len(m.table) {
		panic("secrets: the keywords' automaton outgrows its table")
	}
	for s := range ends {
		for c := 0; c < n; c++ {
			m.table[num[s]*n+c] = uint16(num[delta[s*n+c]] * n)
		}
	}
	m.cands = make([][]candidate, 0, len(ends))
	for _, s := range order {
		if len(ends[s]) > 0 {
			m.cands = append(m.cands, ends[s])
		}
	}
	firstAccepting := len(ends) - len(m.cands)
	m.accept = uint16(firstAccepting * n)
}

// trie builds the trie of the prefixes: next[state*nclass+class] is the child or -1, and
// ends[state] the keywords whose prefix is that state's string.
func (m *matcher) trie(prefixes []string) (next []int32, ends [][]candidate) {
	n := m.nclass
	ends = [][]candidate{nil}
	next = slices.Repeat([]int32{-1}, n)
	for kw, p := range prefixes {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			cl := int32(m.class[p[i]])
			if next[s*int32(n)+cl] < 0 {
				next[s*int32(n)+cl] = int32(len(ends))
				ends = append(ends, nil)
				for range n {
					next = append(next, -1)
				}
			}
			s = next[s*int32(n)+cl]
		}
		ends[s] = append(ends[s], candidate{kw: kw, n: len(p)})
	}
	return next, ends
}

// completeTrie follows the trie breadth-first, giving each state its suffix link and each
// missing edge the transition its suffix link takes, and each state the keywords that end at
// its suffix link (after its own: longer ones first). It returns the full table and the states
// in breadth-first order.
func completeTrie(next []int32, ends [][]candidate, n int) (delta []int32, order []int32) {
	delta = make([]int32, len(next))
	fail := make([]int32, len(ends))
	order = []int32{0}
	for i := 0; i < len(order); i++ {
		s := order[i]
		if s != 0 {
			ends[s] = append(ends[s], ends[fail[s]]...)
		}
		for cl := 0; cl < n; cl++ {
			nx := next[int(s)*n+cl]
			switch {
			case nx >= 0:
				if s != 0 {
					fail[nx] = delta[int(fail[s])*n+cl]
				}
				delta[int(s)*n+cl] = nx
				order = append(order, nx)
			case s != 0:
				delta[int(s)*n+cl] = delta[int(fail[s])*n+cl]
			}
		}
	}
	return delta, order
}

// scan returns every keyword occurrence in b, reusing h's buffers, in the order the scanner
// takes them: by where they end, the longer of two that end together first; in an input of
// splitOrder bytes or more, those that start in its first half come first. That order decides
// which of two rules that match one secret at one place names it, so it stays as it was when the
// matcher stepped one automaton through small inputs and two through the halves of large ones.
// Now four automata step side by side through the quarters of every input but the smallest
// (each step waits for the table load of the one before it, so independent chains keep the
// CPU busy: four take half the time of two), and the hits are put in that order afterwards.
func (m *matcher) scan(b []byte, h *hitBuffers) []kwHit {
	h.hits = h.hits[:0]
	if len(b) < minLanes*lanes {
		h.seen[0] = m.step(b, 0, 0, h.seen[0][:0])
		h.hits = m.verify(b, h.seen[0], len(b), h.hits)
	} else {
		m.stepLanes(b, h)
		for j := range lanes {
			h.hits = m.verify(b, h.seen[j], laneEnd(len(b), j), h.hits)
		}
	}
	if len(b) < splitOrder {
		sortHits(h.hits, m.keywords)
		return h.hits
	}
	// The first half's hits, then the second's.
	mid := len(b) / 2
	h.second = h.second[:0]
	first := h.hits[:0]
	for _, x := range h.hits {
		if x.start < mid {
			first = append(first, x)
		} else {
			h.second = append(h.second, x)
		}
	}
	sortHits(first, m.keywords)
	sortHits(h.second, m.keywords)
	h.hits = append(first, h.second...)
	return h.hits
}

// splitOrder is the size from which the hits in each half of an input are ordered apart.
const splitOrder = 4096

// lanes is how many automata step through an input side by side, each through a part of it at
// least minLanes bytes long.
const (
	lanes    = 4
	minLanes = 16
)

// laneEnd is where lane j of an input of n bytes ends (the last takes what is left).
func laneEnd(n, j int) int {
	if j == lanes-1 {
		return n
	}
	return (j + 1) * (n / lanes)
}

// hitBuffers are a scanner's buffers for the matcher, reused from one input to the next.
type hitBuffers struct {
	hits, second []kwHit
	seen         [lanes][]seen
}

// seen is a state where a prefix ends, and the offset of the byte that led to it.
type seen struct {
	at    int
	state uint16
}

// stepLanes steps an automaton through each lane of b into h.seen: all of them side by side as
// far as the shortest goes, then each on to its end and past it, far enough to see the prefixes
// that start in it.
func (m *matcher) stepLanes(b []byte, h *hitBuffers) {
	q := len(b) / lanes
	for j := range lanes {
		h.seen[j] = h.seen[j][:0]
	}
	var states [lanes]uint16
	var block [64]seen
	for i := 0; i < q; {
		var n int
		i, n = m.stepFour(b, q, i, &states, &block)
		for _, sn := range block[:n] {
			j := sn.at / q
			h.seen[j] = append(h.seen[j], sn)
		}
	}
	for j := range lanes {
		end := min(len(b), laneEnd(len(b), j)+m.prefix-1)
		h.seen[j] = m.step(b[:end], (j+1)*q, states[j], h.seen[j])
	}
}

// stepFour steps four automata, from states s, through b[i:q], b[q+i:2q], b[2q+i:3q] and
// b[3q+i:4q] side by side until the end or until out is nearly full of accepting states; it
// returns where it stopped and how many it filled. It calls nothing, so that the compiler keeps
// the states in registers.
func (m *matcher) stepFour(b []byte, q, i int, s *[lanes]uint16, out *[64]seen) (int, int) {
	table, class, accept := m.table, &m.class, m.accept
	_ = table[0] // one nil check here, none in the loop
	s0, s1, s2, s3 := s[0], s[1], s[2], s[3]
	b0, b1, b2, b3 := b[:q], b[q:2*q], b[2*q:3*q], b[3*q:4*q]
	n := 0
	for ; i < len(b0); i++ {
		s0 = table[s0+uint16(class[b0[i]])]
		s1 = table[s1+uint16(class[b1[i]])]
		s2 = table[s2+uint16(class[b2[i]])]
		s3 = table[s3+uint16(class[b3[i]])]
		if s0 < accept && s1 < accept && s2 < accept && s3 < accept {
			continue
		}
		for j, st := range [lanes]uint16{s0, s1, s2, s3} {
			if st >= accept {
				out[n] = seen{at: j*q + i, state: st}
				n++
			}
		}
		if n > len(out)-lanes {
			i++
			break
		}
	}
	s[0], s[1], s[2], s[3] = s0, s1, s2, s3
	return i, n
}

// step runs one automaton over b[from:] from state s, adding the accepting states it passes.
func (m *matcher) step(b []byte, from int, s uint16, out []seen) []seen {
	table, class, accept := m.table, &m.class, m.accept
	for i := from; i < len(b); i++ {
		if s = table[s+uint16(class[b[i]])]; s >= accept {
			out = append(out, seen{at: i, state: s})
		}
	}
	return out
}

// verify adds the keywords whose prefixes end where the automaton saw them, that start before
// limit and are there in full.
func (m *matcher) verify(b []byte, seen []seen, limit int, hits []kwHit) []kwHit {
	for _, sn := range seen {
		hits = m.verifyAt(b, sn.state, sn.at, limit, hits)
	}
	return hits
}

// verifyAt adds the keywords whose prefix ends at b[i] in state s, that start before limit and
// are there in full.
func (m *matcher) verifyAt(b []byte, s uint16, i, limit int, hits []kwHit) []kwHit {
	for _, c := range m.cands[int(s-m.accept)/m.nclass] {
		start := i + 1 - c.n
		if start >= limit {
			continue
		}
		kw := m.lower[c.kw]
		if len(b)-start < len(kw) {
			continue
		}
		rest := b[start+c.n : start+len(kw)]
		same := true
		for j := range rest {
			if lowerByte(rest[j]) != kw[c.n+j] {
				same = false
				break
			}
		}
		if same {
			hits = append(hits, kwHit{kw: c.kw, start: start})
		}
	}
	return hits
}

// sortHits puts hits in order of where they end, the longer first where two end together.
func sortHits(hits []kwHit, keywords []string) {
	order := func(x, y kwHit) int {
		ex, ey := x.start+len(keywords[x.kw]), y.start+len(keywords[y.kw])
		if ex != ey {
			return cmp.Compare(ex, ey)
		}
		if x.start != y.start {
			return cmp.Compare(x.start, y.start)
		}
		return cmp.Compare(x.kw, y.kw)
	}
	if !slices.IsSortedFunc(hits, order) {
		slices.SortFunc(hits, order)
	}
}
