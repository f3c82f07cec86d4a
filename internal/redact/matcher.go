package redact

import "sort"

// matcher finds every occurrence of a set of words in one pass over the text (Aho–Corasick), so
// that redacting costs the length of the text and not the number of secrets times it: a run of
// ten thousand checks, each with its own token, has ten thousand secrets.
type matcher struct {
	nodes []acNode
}

type acNode struct {
	// next holds the trie's edges, sorted by byte.
	next []acEdge
	fail int32
	// longest is the length of the longest word that ends here (this node's own word or one
	// reached through fail links), 0 if none: the union of matches only needs the longest.
	longest int32
}

type acEdge struct {
	b    byte
	node int32
}

func newMatcher(words []string) *matcher {
	m := &matcher{nodes: []acNode{{}}}
	for _, w := range words {
		n := int32(0)
		for i := 0; i < len(w); i++ {
			c, ok := m.child(n, w[i])
			if !ok {
				c = int32(len(m.nodes))
				m.nodes = append(m.nodes, acNode{})
				m.addEdge(n, w[i], c)
			}
			n = c
		}
		m.nodes[n].longest = int32(len(w))
	}
	// Breadth first, so that a node's fail target is complete before the node is.
	queue := make([]int32, 0, len(m.nodes))
	for _, e := range m.nodes[0].next {
		queue = append(queue, e.node)
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range m.nodes[n].next {
			f := m.nodes[n].fail
			for {
				if c, ok := m.child(f, e.b); ok {
					m.nodes[e.node].fail = c
					break
				}
				if f == 0 {
					break
				}
				f = m.nodes[f].fail
			}
			if m.nodes[e.node].longest == 0 {
				m.nodes[e.node].longest = m.nodes[m.nodes[e.node].fail].longest
			}
			queue = append(queue, e.node)
		}
	}
	return m
}

func (m *matcher) child(n int32, b byte) (int32, bool) {
	next := m.nodes[n].next
	i := sort.Search(len(next), func(i int) bool { return next[i].b >= b })
	if i < len(next) && next[i].b == b {
		return next[i].node, true
	}
	return 0, false
}

func (m *matcher) addEdge(n int32, b byte, c int32) {
	next := m.nodes[n].next
	i := sort.Search(len(next), func(i int) bool { return next[i].b >= b })
	next = append(next, acEdge{})
	copy(next[i+1:], next[i:])
	next[i] = acEdge{b, c}
	m.nodes[n].next = next
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
