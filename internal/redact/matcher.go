package redact

// matcher finds every occurrence of a set of words in one pass over the text (Aho–Corasick), so
// that redacting costs the length of the text and not the number of secrets times it: a run of
// ten thousand checks, each with its own token, has ten thousand secrets.
//
// Secrets are long and mostly unrelated, so nearly every node of the trie has a single child:
// children are kept as a linked list of edges in one flat slice (one allocation for the whole
// trie, not one per node), and only the root, where scanning spends most of its time, has a
// table indexed by byte.
type matcher struct {
	root  [256]int32
	nodes []acNode
	edges []acEdge
}

type acNode struct {
	// first is the index+1 of the node's first edge in matcher.edges, 0 when it has none.
	first int32
	fail  int32
	// longest is the length of the longest word that ends here (this node's own word or one
	// reached through fail links), 0 if none: the union of matches only needs the longest.
	longest int32
}

type acEdge struct {
	b byte
	// node is the child; next is the index+1 of the sibling edge, 0 at the end of the list.
	node, next int32
}

func newMatcher(words []string) *matcher {
	size := 1
	for _, w := range words {
		size += len(w)
	}
	m := &matcher{nodes: make([]acNode, 1, size), edges: make([]acEdge, 0, size)}
	for _, w := range words {
		n := int32(0)
		for i := 0; i < len(w); i++ {
			c, ok := m.child(n, w[i])
			if !ok {
				c = int32(len(m.nodes))
				m.nodes = append(m.nodes, acNode{})
				if n == 0 {
					m.root[w[i]] = c
				} else {
					m.edges = append(m.edges, acEdge{b: w[i], node: c, next: m.nodes[n].first})
					m.nodes[n].first = int32(len(m.edges))
				}
			}
			n = c
		}
		if len(w) > 0 {
			m.nodes[n].longest = int32(len(w))
		}
	}
	// Breadth first, so that a node's fail target is complete before the node is.
	queue := make([]int32, 0, len(m.nodes))
	for _, c := range m.root {
		if c != 0 {
			queue = append(queue, c)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for e := m.nodes[n].first; e != 0; e = m.edges[e-1].next {
			b, c := m.edges[e-1].b, m.edges[e-1].node
			f := m.nodes[n].fail
			for {
				if t, ok := m.child(f, b); ok {
					m.nodes[c].fail = t
					break
				}
				if f == 0 {
					break
				}
				f = m.nodes[f].fail
			}
			if m.nodes[c].longest == 0 {
				m.nodes[c].longest = m.nodes[m.nodes[c].fail].longest
			}
			queue = append(queue, c)
		}
	}
	return m
}

func (m *matcher) child(n int32, b byte) (int32, bool) {
	if n == 0 {
		c := m.root[b]
		return c, c != 0
	}
	for e := m.nodes[n].first; e != 0; e = m.edges[e-1].next {
		if m.edges[e-1].b == b {
			return m.edges[e-1].node, true
		}
	}
	return 0, false
}

// spans appends the positions of the words in s: for each end position the longest word ending
// there, which covers every shorter one.
func (m *matcher) spans(s string, out []span) []span {
	n := int32(0)
	for i := 0; i < len(s); i++ {
		for {
			if c, ok := m.child(n, s[i]); ok {
				n = c
				break
			}
			if n == 0 {
				break
			}
			n = m.nodes[n].fail
		}
		if l := int(m.nodes[n].longest); l > 0 {
			out = append(out, span{i + 1 - l, i + 1})
		}
	}
	return out
}
