package probe

import (
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// schemeDSNs separates DSNs where a URL begins.
type schemeDSNs struct{}

func (schemeDSNs) Separates(_, after string) bool { return strings.Contains(after, "://") }

func TestSplitDSNs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"db://a,db://b", []string{"db://a", "db://b"}},
		{"db://a?opts=x,y, db://b", []string{"db://a?opts=x,y", "db://b"}},
		{" , db://a,,", []string{"db://a"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := SplitDSNs[schemeDSNs](tt.in); len(got)+len(tt.want) > 0 && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitDSNs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDSNListYAML(t *testing.T) {
	tests := []struct {
		doc  string
		want DSNList[schemeDSNs]
		err  string
	}{
		{"dsns: db://a,db://b?x=1,2\n", DSNList[schemeDSNs]{"db://a", "db://b?x=1,2"}, ""},
		{"dsns: [db://a, ' db://b ']\n", DSNList[schemeDSNs]{"db://a", "db://b"}, ""},
		{"dsns: {a: b}\n", nil, "expected a list of DSNs"},
	}
	for _, tt := range tests {
		var v struct {
			DSNs DSNList[schemeDSNs] `yaml:"dsns"`
		}
		err := yaml.Unmarshal([]byte(tt.doc), &v)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %q", tt.doc, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(v.DSNs, tt.want) {
			t.Errorf("%q: %q, %v; want %q", tt.doc, v.DSNs, err, tt.want)
		}
	}
}
