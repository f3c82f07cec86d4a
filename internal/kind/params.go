package kind

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Param describes one parameter of a check kind, read from the struct tags of its check:
//
//	URL string `yaml:"url" required:"true" doc:"The URL to request."`
//
// The loader, `launchgate explain` and the checklist schema all read this one description, so
// they cannot drift apart.
type Param struct {
	Name     string
	Type     string
	Default  string
	Required bool
	Doc      string
	// Index is the field's index path in the check struct.
	Index []int
	// GoType is the field's type.
	GoType reflect.Type
}

// Params lists the parameters of a check in declaration order, with the defaults its
// constructor set.
func Params(c Check) []Param {
	v := reflect.ValueOf(c)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	return structParams(v, nil)
}

// KindParamNames lists the parameter names of a kind, for "did you mean" hints.
func KindParamNames(k Kind) []string {
	ps := Params(k.New())
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names
}

// StructParams lists the parameters of any struct type decoded from a checklist, such as the
// items of a list parameter.
func StructParams(t reflect.Type) []Param {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return structParams(reflect.New(t).Elem(), nil)
}

func structParams(v reflect.Value, prefix []int) []Param {
	var out []Param
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		idx := append(append([]int(nil), prefix...), i)
		if strings.Contains(opts, "inline") {
			out = append(out, structParams(v.Field(i), idx)...)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, Param{
			Name:     name,
			Type:     TypeName(f.Type),
			Default:  defaultString(v.Field(i)),
			Required: f.Tag.Get("required") == "true",
			Doc:      f.Tag.Get("doc"),
			Index:    idx,
			GoType:   f.Type,
		})
	}
	return out
}

// ParamTyper is implemented by parameter types with their own YAML syntax, to name that syntax
// in `launchgate explain` (e.g. "status codes").
type ParamTyper interface {
	ParamType() string
}

var paramTyperType = reflect.TypeOf((*ParamTyper)(nil)).Elem()

// TypeName is the name of a parameter type in a person's words.
func TypeName(t reflect.Type) string {
	if t.Implements(paramTyperType) {
		return reflect.Zero(t).Interface().(ParamTyper).ParamType()
	}
	switch t {
	case reflect.TypeOf(Duration(0)):
		return "duration"
	case reflect.TypeOf(ByteSize(0)):
		return "size"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return TypeName(t.Elem())
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice:
		return "list of " + pluralNoun(TypeName(t.Elem()))
	case reflect.Map:
		return "map of " + pluralNoun(TypeName(t.Elem()))
	case reflect.Struct:
		return "object"
	}
	return t.String()
}

func pluralNoun(s string) string {
	if strings.HasPrefix(s, "list of") || strings.HasPrefix(s, "map of") {
		return s
	}
	return s + "s"
}

func defaultString(v reflect.Value) string {
	if v.IsZero() {
		return ""
	}
	if s, ok := v.Interface().(fmt.Stringer); ok {
		return s.String()
	}
	switch v.Kind() {
	case reflect.Pointer:
		return defaultString(v.Elem())
	case reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = fmt.Sprint(v.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Map:
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, fmt.Sprintf("%v: %v", k.Interface(), v.MapIndex(k).Interface()))
		}
		sort.Strings(keys)
		return "{" + strings.Join(keys, ", ") + "}"
	}
	return fmt.Sprint(v.Interface())
}
