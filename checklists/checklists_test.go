package checklists_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/checklists"
	_ "github.com/launchgate/launchgate/checks/all"
	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
)

// TestShippedChecklistsAreValid loads every shipped checklist with an empty environment. An
// example may refer to variables its user will set, so "not set" is the one mistake allowed;
// everything else (typos, wrong types, unknown kinds) fails.
func TestShippedChecklistsAreValid(t *testing.T) {
	files, err := fs.Glob(checklists.FS, "*.yaml")
	if err != nil || len(files) < 2 {
		t.Fatalf("shipped checklists: %v %v", files, err)
	}
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			data, _ := checklists.FS.ReadFile(name)
			_, err := config.Parse(name, data, config.Options{Getenv: func(string) string { return "" }})
			var errs config.Errors
			if err != nil && !errors.As(err, &errs) {
				t.Fatal(err)
			}
			for _, e := range errs {
				if !strings.Contains(e.Msg, "is not set") {
					t.Errorf("%v", e)
				}
			}
		})
	}
}

// TestDefaultChecklistNeedsNothing: with no environment at all, the embedded default loads
// cleanly, so `launchgate run` works anywhere.
func TestDefaultChecklistNeedsNothing(t *testing.T) {
	cl, err := config.Parse(checklists.DefaultName, checklists.Default(), config.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if len(cl.Checks) == 0 {
		t.Fatal("the default checklist has no checks")
	}
}

// TestAPIChecklistSkipsCleanly: api.yaml, the example README runs, loads with no variable set,
// and then every check is skipped naming what to set, rather than failing to load.
func TestAPIChecklistSkipsCleanly(t *testing.T) {
	data, err := checklists.FS.ReadFile("api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := config.Parse("api.yaml", data, config.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, e := range cl.Checks {
		kinds[e.Type] = true
		if len(e.Missing) == 0 {
			t.Errorf("%s runs with nothing set: give it needs_env", e.ID)
		}
	}
	for _, k := range []string{"http.health", "tls", "postgres.connections", "http.rate_limit"} {
		if !kinds[k] {
			t.Errorf("api.yaml has no %s check", k)
		}
	}
}

// TestJourneysChecklist: the shipped journeys load with their variables set, every one is an
// http.flow that writes, and none of them is in the embedded default, which stays read-only.
func TestJourneysChecklist(t *testing.T) {
	data, err := checklists.FS.ReadFile("journeys.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set := func(k string) string {
		if k == "APP_URL" {
			return "https://staging.example.com"
		}
		return "value-of-" + k
	}
	cl, err := config.Parse("journeys.yaml", data, config.Options{Getenv: set})
	if err != nil {
		t.Fatal(err)
	}
	if len(cl.Checks) < 3 {
		t.Fatalf("%d journeys", len(cl.Checks))
	}
	for _, e := range cl.Checks {
		if e.Type != "http.flow" || !kind.EffectsOf(e.Check).Writes || len(e.Missing) > 0 {
			t.Errorf("%s: type %s, effects %+v, missing %v", e.ID, e.Type, kind.EffectsOf(e.Check), e.Missing)
		}
	}
	def, err := config.Parse(checklists.DefaultName, checklists.Default(), config.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range def.Checks {
		if e.Type == "http.flow" {
			t.Errorf("the default checklist must stay read-only, yet %s is a flow", e.ID)
		}
	}
}
