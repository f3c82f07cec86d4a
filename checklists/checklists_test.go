package checklists_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/checklists"
	_ "github.com/launchgate/launchgate/checks/all"
	"github.com/launchgate/launchgate/internal/check"
	"github.com/launchgate/launchgate/internal/checklist"
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
			_, err := checklist.Parse(name, data, checklist.Options{Getenv: func(string) string { return "" }})
			var errs checklist.Errors
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
	cl, err := checklist.Parse(checklists.DefaultName, checklists.Default(), checklist.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if len(cl.Checks) == 0 {
		t.Fatal("the default checklist has no checks")
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
	cl, err := checklist.Parse("journeys.yaml", data, checklist.Options{Getenv: set})
	if err != nil {
		t.Fatal(err)
	}
	if len(cl.Checks) < 3 {
		t.Fatalf("%d journeys", len(cl.Checks))
	}
	for _, e := range cl.Checks {
		if e.Type != "http.flow" || !check.EffectsOf(e.Check).Writes || len(e.Missing) > 0 {
			t.Errorf("%s: type %s, effects %+v, missing %v", e.ID, e.Type, check.EffectsOf(e.Check), e.Missing)
		}
	}
	def, err := checklist.Parse(checklists.DefaultName, checklists.Default(), checklist.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range def.Checks {
		if e.Type == "http.flow" {
			t.Errorf("the default checklist must stay read-only, yet %s is a flow", e.ID)
		}
	}
}
