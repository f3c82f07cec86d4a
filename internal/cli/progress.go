package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
)

// progress shows which checks are still running, on stderr, only when stderr is a terminal. The
// runner calls start and done one at a time.
type progress struct {
	io      *IOStreams
	total   int
	done_   int
	running map[string]bool
	shown   bool
}

func newProgress(io *IOStreams, cl *config.Checklist) *progress {
	if !io.ErrTTY {
		return nil
	}
	return &progress{io: io, total: len(cl.Checks), running: map[string]bool{}}
}

func (p *progress) start(_ int, e *config.Entry) {
	if p == nil {
		return
	}
	p.running[e.ID] = true
	p.draw()
}

func (p *progress) done(_ int, e *config.Entry, _ kind.Result) {
	if p == nil {
		return
	}
	delete(p.running, e.ID)
	p.done_++
	p.draw()
}

func (p *progress) draw() {
	ids := make([]string, 0, len(p.running))
	for id := range p.running {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	line := fmt.Sprintf("%d/%d done · running: %s", p.done_, p.total, strings.Join(ids, ", "))
	if len(line) > 100 {
		line = line[:99] + "…"
	}
	// Carriage return and erase-line redraw the one status line in place.
	fmt.Fprintf(p.io.ErrOut, "\r\x1b[K%s", line)
	p.shown = true
}

func (p *progress) finish() {
	if p == nil || !p.shown {
		return
	}
	fmt.Fprint(p.io.ErrOut, "\r\x1b[K")
}
