package postgrescheck

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMaskQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ALTER ROLE app PASSWORD 'hunter2'", "ALTER ROLE app PASSWORD ?"},
		{"ALTER ROLE app WITH ENCRYPTED PASSWORD 'it''s a secret' VALID UNTIL '2030-01-01'", "ALTER ROLE app WITH ENCRYPTED PASSWORD ? VALID UNTIL ?"},
		{"SELECT pg_sleep(30)", "SELECT pg_sleep(?)"},
		{"SELECT * FROM t1 WHERE id = 42 AND price > 3.5e2 AND x = .5 AND h = 0x1F", "SELECT * FROM t1 WHERE id = ? AND price > ? AND x = ? AND h = ?"},
		{"SELECT * FROM users WHERE email = $1 LIMIT $2", "SELECT * FROM users WHERE email = $1 LIMIT $2"},
		{"SELECT E'a\\'b', B'0101', X'1f', U&'d\\0061t', N'x' FROM \"Tab 1\"", "SELECT ?, ?, ?, ?, ? FROM \"Tab 1\""},
		{"SELECT $$a 'quoted' secret$$, $fn$body$fn$ FROM t", "SELECT ?, ? FROM t"},
		{"SELECT 1 /* password 'x' */ -- trailing 'y'\n FROM t", "SELECT ? FROM t"},
		{"SELECT 'unterminated secret", "SELECT ?"},
		{"COPY t FROM PROGRAM 'curl http://x'", "COPY t FROM PROGRAM ?"},
		{"SELECT a.b, c2.d3 FROM s.t AS c2", "SELECT a.b, c2.d3 FROM s.t AS c2"},
		{"SELECT   x\n\n\tFROM    y", "SELECT x FROM y"},
		{"SELECT 1_000_000", "SELECT ?"},
	}
	for _, tt := range tests {
		if got := qyMaskQuery(tt.in); got != tt.want {
			t.Errorf("qyMaskQuery(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskQueryCutsAfterMasking(t *testing.T) {
	q := "SELECT " + strings.Repeat("col, ", 30) + "'a secret that would be cut in half'"
	got := qyMaskQuery(q)
	if utf8.RuneCountInString(got) != qyShownQuery+1 || !strings.HasSuffix(got, "…") {
		t.Errorf("want %d characters and an ellipsis, got %d: %q", qyShownQuery+1, utf8.RuneCountInString(got), got)
	}
	long := "SELECT " + strings.Repeat("x", 100) + ", 'secret-value-' FROM t"
	if got := qyMaskQuery(long); strings.Contains(got, "secret") {
		t.Errorf("a literal near the cut shows: %q", got)
	}
}

func TestParseStatement(t *testing.T) {
	tests := []struct {
		sql      string
		first    string
		multiple bool
		analyze  bool // allowed under analyze
	}{
		{"SELECT 1", "SELECT", false, true},
		{"  -- comment\n (SELECT 1)", "SELECT", false, true},
		{"WITH x AS (SELECT 1) SELECT * FROM x", "WITH", false, true},
		{"WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x", "WITH", false, false},
		{"SELECT * FROM t FOR UPDATE", "SELECT", false, false},
		{"SELECT * INTO copy FROM t", "SELECT", false, false},
		{"SELECT 1; DROP TABLE users", "SELECT", true, true},
		{"SELECT ';'; ", "SELECT", false, true},
		{"SELECT $$;$$;", "SELECT", false, true},
		{"UPDATE t SET a = 1", "UPDATE", false, false},
		{"", "", false, false},
		{"/* only a comment */", "", false, false},
	}
	for _, tt := range tests {
		st := qyParse(tt.sql)
		if st.first != tt.first || st.multiple != tt.multiple {
			t.Errorf("qyParse(%q) = first %q multiple %v, want %q %v", tt.sql, st.first, st.multiple, tt.first, tt.multiple)
		}
		if got := qyReadOnlyReason(st) == ""; got != tt.analyze {
			t.Errorf("qyReadOnlyReason(%q) = %q, want allowed=%v", tt.sql, qyReadOnlyReason(st), tt.analyze)
		}
	}
}

// FuzzMaskQuery: masking never fails, never grows the text past its cut, and never lets a
// quoted string through.
func FuzzMaskQuery(f *testing.F) {
	for _, s := range []string{"ALTER ROLE a PASSWORD 'x'", "SELECT $a$ $b$ $a$", "SELECT E'\\'", "/* /* */", "SELECT 1e", "U&'", "$1$", "\xff'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		got := qyMaskQuery(sql)
		if utf8.RuneCountInString(got) > qyShownQuery+1 {
			t.Fatalf("%d characters", utf8.RuneCountInString(got))
		}
		if strings.Contains(got, "'") && !strings.Contains(sql, "\"") {
			// A quote can only survive inside a quoted identifier.
			t.Fatalf("a quote survived masking: %q -> %q", sql, got)
		}
		qyParse(sql)
	})
}
