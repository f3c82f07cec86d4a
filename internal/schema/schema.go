// Package schema generates the JSON Schema of the checklist format from the registered check
// kinds: the same struct tags (yaml name, doc, required) the loader decodes with, so a new kind
// appears in the schema without anyone writing schema by hand. Editors use it through the
// `# yaml-language-server: $schema=…` comment to validate and complete checklists.
//
// The schema is JSON Schema draft-07, the draft yaml-language-server and most editors support
// fully. It is as strict as the loader where a schema can be (unknown keys, types, required
// parameters, the id pattern, the type and severity enums) and never stricter: what only the
// loader can judge (a URL's shape, a duplicate id, an unset variable) is left to
// `launchgate validate`.
package schema

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
)

// ID is where the published schema lives; checklists point at it from their first line.
const ID = "https://raw.githubusercontent.com/launchgate/launchgate/main/internal/schema/checklist.schema.json"

// Describer is implemented by parameter types that decode themselves (UnmarshalYAML) and so
// cannot be described from their Go type alone, such as a status list that accepts 200, "2xx"
// or a list of those. The method is called on the zero value.
type Describer interface {
	JSONSchema() map[string]any
}

// Patterns the loader's own parsers accept.
const (
	// durationPattern: unsigned Go durations, days included (30d, 1d12h, 500ms), as
	// kind.ParseDuration reads them.
	durationPattern = `^(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h|d))+)$`
	// sizePattern: a number with an optional unit (5MiB, 512 KB, 1048576), as
	// kind.ParseByteSize reads them.
	sizePattern = `^\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*([kKmMgG]|[kKmMgGtT][iI]?[bB]|[bB])?\s*$`
	// expansionPattern: a ${VAR} reference, which the loader substitutes before decoding, so
	// `port: ${DB_PORT}` fills an integer.
	expansionPattern = `\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}`
	// idPattern is the loader's pattern for check ids.
	idPattern = `^[a-z0-9][a-z0-9-]*$`
	// envNamePattern is a variable name, as needs_env lists them.
	envNamePattern = `^[A-Za-z_][A-Za-z0-9_]*$`
)

var (
	durationType = reflect.TypeOf(kind.Duration(0))
	sizeType     = reflect.TypeOf(kind.ByteSize(0))
	unmarshaler  = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
	describer    = reflect.TypeOf((*Describer)(nil)).Elem()
)

// Generate returns the checklist schema for the given kinds (usually kind.Kinds()).
func Generate(kinds []kind.Kind) map[string]any {
	defs := sharedDefinitions()
	names, branches := kindDefinitions(kinds, defs)
	defs["check"] = checkSchema(names, branches)
	return map[string]any{
		"$schema":              "http://json-schema.org/draft-07/schema#",
		"$id":                  ID,
		"title":                "launchgate checklist",
		"description":          "A launch checklist: the checks `launchgate run` runs against the live environment.",
		"type":                 "object",
		"additionalProperties": false,
		// checks: is not required: a file may take its checks from the files it includes, or
		// be included for its vars, policy or waivers alone. The loader reports a checklist
		// that ends up with no checks at all.
		"required":    []any{"version"},
		"properties":  topProperties(),
		"definitions": defs,
	}
}

// sharedDefinitions are the value types several properties refer to.
func sharedDefinitions() map[string]any {
	return map[string]any{
		"duration": map[string]any{
			"description": "A duration: 500ms, 10s, 5m, 1h30m, or days such as 30d and 1d12h.",
			"anyOf": []any{
				map[string]any{"type": "string", "pattern": durationPattern},
				expansion(),
			},
		},
		"size": map[string]any{
			"description": "A size in bytes: 5MiB, 512KB, 1GiB or a plain number of bytes.",
			"anyOf": []any{
				map[string]any{"type": "integer", "minimum": 0},
				map[string]any{"type": "string", "pattern": sizePattern},
				expansion(),
			},
		},
		"stringList": map[string]any{
			"description": "A string or a list of strings.",
			"anyOf": []any{
				map[string]any{"type": "string"},
				map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
			},
		},
		"envNames": map[string]any{
			"description": "A variable name or a list of them: the name, API_URL, not a reference, ${API_URL}.",
			"anyOf": []any{
				map[string]any{"type": "string", "pattern": envNamePattern},
				map[string]any{"type": "array", "items": map[string]any{"type": "string", "pattern": envNamePattern}},
			},
		},
	}
}

// kindDefinitions adds each kind's parameters to defs as with:KIND, and returns the kind names
// and, for the check schema, the branches that apply with:KIND to a check of type KIND.
func kindDefinitions(kinds []kind.Kind, defs map[string]any) (names, branches []any) {
	names = make([]any, 0, len(kinds))
	for _, k := range kinds {
		names = append(names, k.Name)
		defName := "with:" + k.Name
		with := objectSchema(kind.Params(k.New()))
		with["title"] = k.Name + " parameters"
		with["description"] = k.Summary
		then := map[string]any{"properties": map[string]any{"with": map[string]any{"$ref": "#/definitions/" + defName}}}
		if req, _ := with["required"].([]any); len(req) > 0 {
			then["required"] = []any{"with"}
		} else {
			// The loader treats an empty `with:` (null) as no parameters.
			with["type"] = []any{"object", "null"}
		}
		defs[defName] = with
		branches = append(branches, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"type": map[string]any{"const": k.Name}}, "required": []any{"type"}},
			"then": then,
		})
	}
	return names, branches
}

// checkSchema is the schema of one entry of checks:, its with: chosen by its type.
func checkSchema(names, branches []any) map[string]any {
	checkDef := map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []any{"id", "type"},
		"properties": map[string]any{
			"id": map[string]any{"type": "string", "pattern": idPattern,
				"description": "A unique id for the check: a-z, 0-9 and -. --only and --skip select checks by id."},
			"type": map[string]any{"enum": names,
				"description": "The kind of check. `launchgate checks` lists them; `launchgate explain KIND` shows a kind's parameters."},
			"title": map[string]any{"type": "string", "description": "What the check proves, in a few words; shown in every report."},
			"severity": map[string]any{
				"description": "block (the default): a failure closes the gate. warn: a failure only warns.",
				"anyOf":       []any{map[string]any{"enum": []any{"block", "warn"}}, expansion()},
			},
			"tags": map[string]any{"$ref": "#/definitions/stringList",
				"description": "Labels that --only and --skip select checks by."},
			"timeout": map[string]any{"$ref": "#/definitions/duration",
				"description": "This check's deadline (default: defaults.timeout, else 10s)."},
			"retry": map[string]any{"type": "object", "additionalProperties": false, "required": []any{"within"},
				"description": "Run the check again while it fails or errors, until it passes or `within` has passed since its first attempt: for a deploy still becoming ready. Each attempt keeps the check's timeout. Overrides --wait.",
				"properties": map[string]any{
					"within": map[string]any{"$ref": "#/definitions/duration",
						"description": "How long after the first attempt another may start, e.g. 2m."},
					"every": map[string]any{"$ref": "#/definitions/duration",
						"description": "The pause after a failed attempt, shorter than within (default 5s, or a quarter of within when that is shorter)."},
				}},
			"needs_env": map[string]any{"$ref": "#/definitions/envNames",
				"description": "Variables the check needs; while any is unset (in the environment, vars:, --vars and --var) the check is skipped, saying which."},
			"serve": map[string]any{"description": "true lets `launchgate serve` run the check every interval although it sends traffic or writes.",
				"anyOf": []any{map[string]any{"type": "boolean"}, expansion()}},
			"needs": map[string]any{"type": "array", "uniqueItems": true,
				"items":       map[string]any{"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
				"description": "Ids of checks that must not fail or error first: if one does, this check is blocked (not run; the gate stays closed); if one is skipped, so is this one. --only runs them too."},
			"with": map[string]any{"description": "The check's parameters; they depend on its type."},
		},
	}
	if len(branches) > 0 {
		checkDef["allOf"] = branches
	}
	return checkDef
}

// topProperties are the top-level keys of a checklist file.
func topProperties() map[string]any {
	return map[string]any{
		"version": map[string]any{"const": 1, "description": "The checklist format version; this launchgate reads version 1."},
		"name":    map[string]any{"type": "string", "description": "The checklist's name, shown in every report (that of the file launchgate runs; an included file's is not used)."},
		"include": map[string]any{"$ref": "#/definitions/stringList",
			"description": "Checklist files whose checks, waivers, vars and policy join this one's, relative to this file (to the working directory for a checklist read from standard input). Their checks come first; ids are unique across all files."},
		"vars": varsSchema(),
		"defaults": map[string]any{
			"type":                 "object",
			"additionalProperties": false,
			"properties": map[string]any{
				"timeout": map[string]any{"$ref": "#/definitions/duration",
					"description": "Every check's deadline unless it sets its own (default 10s); for the checks of this file."},
			},
		},
		"policy":  policySchema(),
		"waivers": waiversSchema(),
		"checks": map[string]any{
			"type":        "array",
			"minItems":    1,
			"items":       map[string]any{"$ref": "#/definitions/check"},
			"description": "The checks, run concurrently and reported in this order.",
		},
	}
}

// varsSchema is vars:, the defaults of ${VAR}: literal values, since the loader expands none.
func varsSchema() map[string]any {
	return map[string]any{
		"type": "object",
		"description": "Defaults for ${VAR}, used when neither --var, --vars nor the environment sets the variable. " +
			"An including file's vars win over those of the files it includes.",
		"propertyNames": map[string]any{"pattern": envNamePattern},
		"additionalProperties": map[string]any{
			"type": []any{"string", "number", "boolean"},
			"not":  map[string]any{"type": "string", "pattern": `\$\{`},
		},
	}
}

// policySchema is policy:, the rules for waivers.
func policySchema() map[string]any {
	return map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"description":          "Rules for waivers. Key by key, the including file's setting wins; two included files may not disagree on one it does not set.",
		"properties": map[string]any{
			"timezone": map[string]any{"type": "string",
				"description": "IANA time zone in which a waiver's date ends (default UTC)."},
			"max_waiver_days": map[string]any{"type": "integer", "minimum": 1,
				"description": "How far ahead a waiver may end, in days (default 90)."},
			"allow_secret_waivers": map[string]any{"type": "boolean",
				"description": "Let waivers cover secrets checks (default false: use the secrets baseline)."},
		},
	}
}

// waiversSchema is waivers:, the failures accepted for a while.
func waiversSchema() map[string]any {
	return map[string]any{
		"type":        "array",
		"description": "Known failures accepted for a while: a waived check that fails or errors keeps the gate open until the waiver ends.",
		"items": map[string]any{
			"type":                 "object",
			"additionalProperties": false,
			"required":             []any{"check", "until", "reason", "owner"},
			"properties": map[string]any{
				"check": map[string]any{"type": "string", "minLength": 1,
					"description": "A check id, or tag:NAME for every check with that tag."},
				"until": map[string]any{"type": "string",
					"pattern":     `^\d{4}-\d{2}-\d{2}([Tt].+)?$`,
					"description": "A date (valid through the end of that day in policy.timezone) or an RFC 3339 time."},
				"reason": map[string]any{"type": "string", "minLength": 1, "description": "Why the risk is accepted (a ticket)."},
				"owner":  map[string]any{"type": "string", "minLength": 1, "description": "Who owns the risk."},
			},
		},
	}
}

// JSON is the schema as indented JSON with a trailing newline, as `launchgate schema` prints it.
func JSON(kinds []kind.Kind) ([]byte, error) {
	b, err := json.MarshalIndent(Generate(kinds), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the checklist schema: %w", err)
	}
	return append(b, '\n'), nil
}

// objectSchema describes a struct's parameters: each typed and documented, the required ones
// required, nothing else allowed.
func objectSchema(params []kind.Param) map[string]any {
	props := map[string]any{}
	required := []any{}
	for _, p := range params {
		s := typeSchema(p.GoType)
		desc := p.Doc
		if p.Default != "" && !p.Required {
			desc = strings.TrimSpace(desc + " Default: " + p.Default + ".")
		}
		if desc != "" {
			s["description"] = desc
		}
		props[p.Name] = s
		if p.Required {
			required = append(required, p.Name)
		}
	}
	out := map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

// typeSchema describes what the loader accepts for a Go type. Every call returns a new map,
// so callers may add a description.
func typeSchema(t reflect.Type) map[string]any {
	switch {
	case t == durationType:
		return map[string]any{"$ref": "#/definitions/duration"}
	case t == sizeType:
		return map[string]any{"$ref": "#/definitions/size"}
	case t.Implements(describer):
		return copyMap(reflect.Zero(t).Interface().(Describer).JSONSchema())
	case reflect.PointerTo(t).Implements(describer):
		return copyMap(reflect.New(t).Interface().(Describer).JSONSchema())
	case t.Implements(unmarshaler) || reflect.PointerTo(t).Implements(unmarshaler):
		// It decodes itself in a way the Go type does not tell; accept any value and let the
		// loader judge. A Describer method on the type makes this precise.
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := typeSchema(t.Elem())
		return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
	case reflect.String:
		// YAML decodes any scalar into a string: `expect_body: 200` is the string "200".
		return map[string]any{"type": []any{"string", "number", "boolean"}}
	case reflect.Bool:
		return orExpansion(map[string]any{"type": "boolean"})
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return orExpansion(map[string]any{"type": "integer"})
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return orExpansion(map[string]any{"type": "integer", "minimum": 0})
	case reflect.Float32, reflect.Float64:
		return orExpansion(map[string]any{"type": "number"})
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": typeSchema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": typeSchema(t.Elem())}
	case reflect.Struct:
		return objectSchema(kind.StructParams(t))
	}
	return map[string]any{}
}

func expansion() map[string]any {
	return map[string]any{"type": "string", "pattern": expansionPattern,
		"description": "A ${VAR} or ${VAR:-default} reference, substituted from the environment."}
}

func orExpansion(s map[string]any) map[string]any {
	return map[string]any{"anyOf": []any{s, expansion()}}
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
