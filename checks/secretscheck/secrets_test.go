package secretscheck

import (
	"testing"

	"github.com/launchgate/launchgate/internal/kind"
)

func TestKindRegistered(t *testing.T) {
	k, ok := kind.Lookup("secrets")
	if !ok {
		t.Fatal("kind secrets is not registered")
	}
	if k.Positional != "path" || k.Example == "" {
		t.Errorf("kind %+v", k)
	}
	c := k.New().(*Secrets)
	if c.Path != "." || c.MaxFileSize != 5<<20 {
		t.Errorf("defaults %+v", c)
	}
	for _, p := range kind.Params(c) {
		if p.Doc == "" {
			t.Errorf("parameter %s has no doc", p.Name)
		}
	}
}

func TestValidate(t *testing.T) {
	yes := true
	for _, s := range []*Secrets{
		{Path: ".", MaxFileSize: 0},
		{Path: ".", MaxFileSize: 10, Staged: true, History: &yes},
		{Path: ".", MaxFileSize: 10, IgnorePaths: []string{"[abc"}},
	} {
		if err := s.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", s)
		}
	}
}
