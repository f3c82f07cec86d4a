package secretscheck

// matcher is a case-insensitive Aho–Corasick automaton over the rules' keywords. It is the
// prefilter that keeps scanning fast: the regular expressions run only on lines where one of
// their keywords occurs. The transition table is dense over byte classes (the distinct
// lower-cased bytes of the keywords plus one class for every other byte), so the inner loop is
// one table load per input byte and the table stays small enough for the CPU cache.
type matcher struct {
	class  [256]uint8
	nclass int
	// delta maps (state offset + class) to the next state's offset (state*nclass), with
	// outFlag set when keywords end in that state: one load and one test per input byte.
	table    []uint32
	delta    []int32   // construction only
	out      [][]int32 // state → keyword indexes ending here (including via suffix links)
	kwLen    []int
	maxLen   int
	keywords []string
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func newMatcher(keywords []string) *matcher {
	m := &matcher{keywords: keywords}
	// Byte classes: 0 is "no keyword uses this byte".
	n := 1
	for _, kw := range keywords {
		for i := 0; i < len(kw); i++ {
			c := lowerByte(kw[i])
			if m.class[c] == 0 {
				m.class[c] = uint8(n)
				n++
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	m.nclass = n

	// Trie.
	type node struct {
		next map[uint8]int32
		out  []int32
		fail int32
	}
	nodes := []node{{next: map[uint8]int32{}}}
	for ki, kw := range keywords {
		s := int32(0)
		for i := 0; i < len(kw); i++ {
			cl := m.class[lowerByte(kw[i])]
			nx, ok := nodes[s].next[cl]
			if !ok {
				nx = int32(len(nodes))
				nodes = append(nodes, node{next: map[uint8]int32{}})
				nodes[s].next[cl] = nx
			}
			s = nx
		}
		nodes[s].out = append(nodes[s].out, int32(ki))
		m.kwLen = append(m.kwLen, len(kw))
		m.maxLen = max(m.maxLen, len(kw))
	}
	// Breadth-first: failure links and the dense table.
	m.delta = make([]int32, len(nodes)*n)
	queue := []int32{}
	for cl := 0; cl < n; cl++ {
		if nx, ok := nodes[0].next[uint8(cl)]; ok {
			nodes[nx].fail = 0
			m.delta[cl] = nx
			queue = append(queue, nx)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := nodes[s].fail
		nodes[s].out = append(nodes[s].out, nodes[f].out...)
		for cl := 0; cl < n; cl++ {
			if nx, ok := nodes[s].next[uint8(cl)]; ok {
				nodes[nx].fail = m.delta[int(f)*n+cl]
				m.delta[int(s)*n+cl] = nx
				queue = append(queue, nx)
			} else {
				m.delta[int(s)*n+cl] = m.delta[int(f)*n+cl]
			}
		}
	}
	m.out = make([][]int32, len(nodes))
	for i := range nodes {
		m.out[i] = nodes[i].out
	}
	m.table = make([]uint32, len(m.delta))
	for i, nx := range m.delta {
		v := uint32(nx) * uint32(n)
		if len(nodes[nx].out) > 0 {
			v |= outFlag
		}
		m.table[i] = v
	}
	m.delta = nil
	return m
}

const outFlag = 1 << 31

// scan calls hit for every keyword occurrence in b, in order of position, with the offset
// where it starts. Large inputs are stepped as two interleaved halves: each automaton step
// depends on the previous one, so two independent chains keep the CPU busier than one.
func (m *matcher) scan(b []byte, hit func(kw int, start int)) {
	if len(b) < 4096 {
		m.scanRange(b, 0, len(b), len(b), hit)
		return
	}
	mid := len(b) / 2
	// The first half runs on past mid far enough to finish keywords that start before mid.
	endA := min(len(b), mid+m.maxLen-1)
	var hitsA, hitsB [][2]int
	table, class := m.table, &m.class
	n := uint32(m.nclass)
	sa, sb := uint32(0), uint32(0)
	a, bb := b[:endA], b[mid:]
	k := min(len(a), len(bb))
	for i := 0; i < k; i++ {
		sa = table[sa&^outFlag+uint32(class[a[i]])]
		sb = table[sb&^outFlag+uint32(class[bb[i]])]
		if (sa|sb)&outFlag != 0 {
			if sa&outFlag != 0 {
				for _, kw := range m.out[(sa&^outFlag)/n] {
					if st := i + 1 - m.kwLen[kw]; st < mid {
						hitsA = append(hitsA, [2]int{int(kw), st})
					}
				}
			}
			if sb&outFlag != 0 {
				for _, kw := range m.out[(sb&^outFlag)/n] {
					hitsB = append(hitsB, [2]int{int(kw), mid + i + 1 - m.kwLen[kw]})
				}
			}
		}
	}
	for i := k; i < len(a); i++ {
		sa = table[sa&^outFlag+uint32(class[a[i]])]
		if sa&outFlag != 0 {
			for _, kw := range m.out[(sa&^outFlag)/n] {
				if st := i + 1 - m.kwLen[kw]; st < mid {
					hitsA = append(hitsA, [2]int{int(kw), st})
				}
			}
		}
	}
	for i := k; i < len(bb); i++ {
		sb = table[sb&^outFlag+uint32(class[bb[i]])]
		if sb&outFlag != 0 {
			for _, kw := range m.out[(sb&^outFlag)/n] {
				hitsB = append(hitsB, [2]int{int(kw), mid + i + 1 - m.kwLen[kw]})
			}
		}
	}
	for _, h := range hitsA {
		hit(h[0], h[1])
	}
	for _, h := range hitsB {
		hit(h[0], h[1])
	}
}

// scanRange steps one automaton over b[from:to], reporting hits that start before limit.
func (m *matcher) scanRange(b []byte, from, to, limit int, hit func(kw int, start int)) {
	s := uint32(0)
	table, class := m.table, &m.class
	n := uint32(m.nclass)
	for i := from; i < to; i++ {
		s = table[s&^outFlag+uint32(class[b[i]])]
		if s&outFlag != 0 {
			for _, kw := range m.out[(s&^outFlag)/n] {
				if st := i + 1 - m.kwLen[kw]; st < limit {
					hit(int(kw), st)
				}
			}
		}
	}
}
