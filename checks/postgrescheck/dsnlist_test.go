package postgrescheck

import (
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/probe"
)

func TestSplitDSNs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ,", nil},
		{"postgres://ro@a/app", []string{"postgres://ro@a/app"}},
		{"postgres://ro@a/app,postgresql://ro@b/app", []string{"postgres://ro@a/app", "postgresql://ro@b/app"}},
		{"postgres://ro@a/app , postgres://ro@b/app ,", []string{"postgres://ro@a/app", "postgres://ro@b/app"}},
		// Multi-host URLs and passwords with commas stay whole.
		{"postgres://ro@h1,h2:5433/app,postgres://ro@c/app", []string{"postgres://ro@h1,h2:5433/app", "postgres://ro@c/app"}},
		{"postgres://ro:pa,ss@a/app", []string{"postgres://ro:pa,ss@a/app"}},
		{"host=a user=ro,host=b user=ro", []string{"host=a user=ro", "host=b user=ro"}},
		{"host=h1,h2 port=5432 user=ro", []string{"host=h1,h2 port=5432 user=ro"}},
	}
	for _, tt := range tests {
		if got := probe.SplitDSNs[pgDSNs](tt.in); len(got) != len(tt.want) || (len(got) > 0 && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("SplitDSNs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReplicaDSNsYAML(t *testing.T) {
	tests := []struct {
		name, src string
		want      DSNList
		err       string
	}{
		{"comma-separated scalar", "primary_dsn: postgres://p/app\nreplica_dsns: postgres://a/app,postgres://b/app\n", DSNList{"postgres://a/app", "postgres://b/app"}, ""},
		{"list", "primary_dsn: postgres://p/app\nreplica_dsns:\n  - postgres://a/app\n  - postgres://b/app\n", DSNList{"postgres://a/app", "postgres://b/app"}, ""},
		{"empty variable", "primary_dsn: postgres://p/app\nreplica_dsns: \"\"\n", DSNList{}, ""},
		{"map", "primary_dsn: postgres://p/app\nreplica_dsns: {a: b}\n", nil, "expected a list of DSNs"},
		{"typo still caught", "primary_dsn: postgres://p/app\nreplica_dnss: postgres://a/app\n", nil, "field replica_dnss not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newReplicaLag("", 0)
			c.ExpectReplicas = nil
			dec := yaml.NewDecoder(strings.NewReader(tt.src))
			dec.KnownFields(true)
			err := dec.Decode(c)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Decode: %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(c.ReplicaDSNs) != len(tt.want) || (len(tt.want) > 0 && !reflect.DeepEqual(c.ReplicaDSNs, tt.want)) {
				t.Fatalf("replica_dsns = %q, want %q", c.ReplicaDSNs, tt.want)
			}
		})
	}
}

// FuzzSplitDSNs checks that splitting never invents or loses text: the pieces, joined back,
// are the input without blank entries.
func FuzzSplitDSNs(f *testing.F) {
	for _, s := range []string{"postgres://a/b,postgres://c/d", "host=a,b port=1", ",,", "postgres://u:p,w@h1,h2/db"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := probe.SplitDSNs[pgDSNs](s)
		for _, d := range got {
			if d == "" || d != strings.TrimSpace(d) {
				t.Fatalf("SplitDSNs(%q) has an untrimmed or empty entry %q", s, d)
			}
			if !strings.Contains(s, d) {
				t.Fatalf("SplitDSNs(%q) invented %q", s, d)
			}
		}
		if flat(s) != flat(strings.Join(got, ",")) {
			t.Fatalf("SplitDSNs(%q) = %q lost text", s, got)
		}
	})
}

// flat drops whitespace and commas, which splitting may trim or consume.
func flat(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, ",", " ")), "")
}

// FuzzParseTargetRedacts: whatever is wrong with a DSN, the error about it never shows its
// password, nor does the name a parsed target is shown by.
func FuzzParseTargetRedacts(f *testing.F) {
	f.Add("s3cretpw", "db.internal:5432/app?sslmode=require")
	f.Add("s3cretpw", "host:notaport/db")
	f.Add("pa:ss:word", "h1,h2:5433/db")
	f.Add("p%40ssword", "[::1]:5432/db")
	f.Add("s3cretpw", "h/db?connect_timeout=x")
	f.Fuzz(func(t *testing.T, password, rest string) {
		if len(password) < 6 || strings.ContainsAny(password, "@/?#") || strings.Contains("postgres://app:@"+rest, password) {
			return
		}
		tg, err := parseTarget("postgres://app:" + password + "@" + rest)
		if err != nil {
			if strings.Contains(err.Error(), password) {
				t.Fatalf("error shows the password: %v", err)
			}
			return
		}
		if strings.Contains(tg.name, password) || strings.Contains(tg.address(), password) {
			t.Fatalf("target name shows the password: %s", tg.name)
		}
	})
}
