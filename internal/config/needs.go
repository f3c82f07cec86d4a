package config

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// readNeeds reads a check's needs: the ids of checks that must pass (or warn) first.
func (p *parser) readNeeds(e *Entry, n *yaml.Node, where string) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s: needs: expected a list of check ids, got %s", where, p.refs.describe(n))
		return
	}
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode || c.Value == "" {
			p.errorf(c, "%s: needs: expected a check id, got %s", where, p.refs.describe(c))
			continue
		}
		e.Needs = append(e.Needs, c.Value)
		e.needNodes = append(e.needNodes, c)
	}
}

// checkNeeds reports needs that name no check, a check itself, or that go round in a cycle:
// a cycle would leave every check in it waiting for the others forever.
func (p *parser) checkNeeds(cl *Checklist) {
	byID := map[string]*Entry{}
	var ids []string
	for _, e := range cl.Checks {
		byID[e.ID] = e
		ids = append(ids, e.ID)
	}
	for _, e := range cl.Checks {
		// A check's needs are reported in the file that declares it.
		p.file = e.File
		for i, id := range e.Needs {
			switch {
			case id == e.ID:
				p.errorf(e.needNodes[i], "check %q: needs: a check cannot need itself", e.ID)
			case byID[id] == nil:
				p.errorf(e.needNodes[i], "check %q: needs: no check has the id %q%s", e.ID, id, didYouMean(id, ids))
			}
		}
	}
	p.needCycles(cl, byID)
}

// needCycles reports the first cycle through each part of the graph of needs, at the need that
// closes it, in the file that declares that check.
func (p *parser) needCycles(cl *Checklist, byID map[string]*Entry) {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(e *Entry) bool
	visit = func(e *Entry) bool {
		state[e.ID] = onPath
		path = append(path, e.ID)
		for i, id := range e.Needs {
			next := byID[id]
			if next == nil || id == e.ID {
				continue
			}
			switch state[id] {
			case onPath:
				start := 0
				for path[start] != id {
					start++
				}
				cycle := append(append([]string{}, path[start:]...), id)
				p.file = e.File
				p.errorf(e.needNodes[i], "check %q: needs: a cycle: %s", e.ID, strings.Join(cycle, " -> "))
				return false
			case unseen:
				if !visit(next) {
					return false
				}
			}
		}
		path = path[:len(path)-1]
		state[e.ID] = done
		return true
	}
	for _, e := range cl.Checks {
		if state[e.ID] == unseen {
			path = path[:0]
			visit(e)
		}
	}
}

// NeededBy returns the ids of every check that those given need, directly or not, with the
// first check that needs each, in checklist order.
func (cl *Checklist) NeededBy(selected map[string]bool) map[string]string {
	byID := map[string]*Entry{}
	for _, e := range cl.Checks {
		byID[e.ID] = e
	}
	because := map[string]string{}
	var pull func(e *Entry)
	pull = func(e *Entry) {
		for _, id := range e.Needs {
			if selected[id] || because[id] != "" || byID[id] == nil {
				continue
			}
			because[id] = e.ID
			pull(byID[id])
		}
	}
	for _, e := range cl.Checks {
		if selected[e.ID] {
			pull(e)
		}
	}
	return because
}
