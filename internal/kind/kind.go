package kind

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/spf13/cobra"
)

// Check is one configured check. The struct that implements it is also its configuration: the
// loader decodes a checklist's `with:` block into it strictly.
type Check interface {
	// Run inspects the target and says what it found. It must honour ctx: the runner gives
	// each check a deadline and stops waiting for it when the deadline passes.
	Run(ctx context.Context, env *Env) Result
}

// Validator is implemented by checks whose parameters need checking beyond their types. It runs
// after decoding, before anything is run.
type Validator interface {
	Validate() error
}

// Titler is implemented by checks whose default title depends on their parameters.
type Titler interface {
	Title() string
}

// Kind describes a registered kind of check.
type Kind struct {
	// Name is what a checklist writes in `type:`, e.g. "http.health".
	Name string
	// Summary is the one-line description `launchgate checks` prints.
	Summary string
	// Title is the default title of a check of this kind (a Titler overrides it).
	Title string
	// New returns a check with its defaults set, ready to be decoded into.
	New func() Check
	// Example is a `with:` block showing typical parameters, printed by `launchgate explain`.
	Example string
	// ExampleTimeout is the check timeout the example needs when it runs for longer than the
	// default allows (a Lasting kind); empty otherwise.
	ExampleTimeout string
	// Positional names the parameter a bare argument fills in `launchgate check KIND ARG`.
	Positional string
	// Commands, when set, are subcommands the kind adds under `launchgate KIND` (the secrets
	// kind's `baseline`): a kind's tools live with the kind, and the command line imports no
	// family. An error they return means launchgate could not do what was asked (exit 2).
	Commands func(env CommandEnv) []*cobra.Command
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Kind{}
	kindName   = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)
)

// Register adds a kind. It is called from the init function of the kind's package and panics on
// programming mistakes (a bad or duplicate name), which tests catch at once.
func Register(k Kind) {
	if !kindName.MatchString(k.Name) {
		panic(fmt.Sprintf("check: invalid kind name %q", k.Name))
	}
	if k.New == nil || k.Summary == "" {
		panic(fmt.Sprintf("check: kind %q needs New and Summary", k.Name))
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[k.Name]; dup {
		panic(fmt.Sprintf("check: kind %q registered twice", k.Name))
	}
	registry[k.Name] = k
}

// Lookup finds a registered kind by name.
func Lookup(name string) (Kind, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	k, ok := registry[name]
	return k, ok
}

// Kinds returns every registered kind, sorted by name.
func Kinds() []Kind {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]Kind, 0, len(registry))
	for _, k := range registry {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// KindNames returns the names of every registered kind, sorted.
func KindNames() []string {
	ks := Kinds()
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.Name
	}
	return names
}

// Effects says what running a check does beyond reading its target. Policy uses it: checks with
// effects are not retried by --wait unless they ask to be, and continuous modes refuse them.
type Effects struct {
	// SendsTraffic: the check sends requests beyond a handful of reads (rate-limit probes,
	// bursts, flows).
	SendsTraffic bool
	// Writes: the check changes state on the target (creates users, commits a transaction).
	Writes bool
	// Load: the check is a load test; never run continuously, whatever it says.
	Load bool
}

// Any reports whether the check does anything beyond reading.
func (e Effects) Any() bool { return e.SendsTraffic || e.Writes || e.Load }

// Words says what the check does beyond reading, for messages ("not retried under --wait: it
// sends traffic"); "" when it only reads.
func (e Effects) Words() string {
	switch {
	case e.Load:
		return "is a load test"
	case e.SendsTraffic && e.Writes:
		return "sends traffic and writes to its target"
	case e.Writes:
		return "writes to its target"
	case e.SendsTraffic:
		return "sends traffic"
	}
	return ""
}

// Effecter is implemented by checks that may send traffic or write, computed from their
// parameters (a flow of GETs only reads; one with a POST writes). A check that does not
// implement it only reads.
type Effecter interface {
	Effects() Effects
}

// Lasting is implemented by checks that run for as long as their parameters say (a load test
// with its baseline, ramp and settle): the loader refuses a timeout shorter than MinTimeout,
// whose why says how it is made up.
type Lasting interface {
	MinTimeout() (d time.Duration, why string)
}

// EffectsOf returns what a check does beyond reading.
func EffectsOf(c Check) Effects {
	if e, ok := c.(Effecter); ok {
		return e.Effects()
	}
	return Effects{}
}

// CommandEnv is what a kind's own subcommands get from the command line: the environment checks
// run in, the working directory, and where to say what they did.
type CommandEnv struct {
	Env    func() *Env
	Dir    string
	ErrOut io.Writer
}
