package postgrescheck

import (
	"slices"
	"strings"
	"testing"
)

func TestMigrationSplit(t *testing.T) {
	type st struct {
		line int
		text string
	}
	for _, tc := range []struct {
		name string
		src  string
		want []st
	}{
		{"plain", "SELECT 1;\nSELECT 2;", []st{{1, "SELECT 1"}, {2, "SELECT 2"}}},
		{"no final semicolon", "SELECT 1;\n\n  SELECT 2  \n", []st{{1, "SELECT 1"}, {3, "SELECT 2"}}},
		{"comments hold semicolons", "-- a; b\nSELECT 1; /* x; /* nested; */ y; */ SELECT 2 -- trailing;\n;",
			[]st{{2, "SELECT 1"}, {2, "SELECT 2 -- trailing;"}}},
		{"comment-only statements vanish", "-- just a note\n;\n/* and another */;\n;;", nil},
		{"strings and identifiers", "SELECT 'a;b', 'it''s;', \"we;\"\"ird\";\nSELECT 2",
			[]st{{1, `SELECT 'a;b', 'it''s;', "we;""ird"`}, {2, "SELECT 2"}}},
		{"E string with a backslash-escaped quote", "SELECT E'it\\'s; fine';SELECT 2",
			[]st{{1, `SELECT E'it\'s; fine'`}, {1, "SELECT 2"}}},
		{"a backslash does not escape in a standard string", "SELECT 'C:\\';SELECT 2",
			[]st{{1, `SELECT 'C:\'`}, {1, "SELECT 2"}}},
		{"dollar quoting", "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\nSELECT 2;",
			[]st{{1, "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql"}, {6, "SELECT 2"}}},
		{"tagged dollar quote holding $$", "DO $body$ BEGIN PERFORM '$$;'; END $body$;\nSELECT 2",
			[]st{{1, "DO $body$ BEGIN PERFORM '$$;'; END $body$"}, {2, "SELECT 2"}}},
		{"parameters and $ in identifiers are not quotes", "SELECT $1, a$b$c FROM t;SELECT 2",
			[]st{{1, "SELECT $1, a$b$c FROM t"}, {1, "SELECT 2"}}},
		{"SQL-standard function body", "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN true THEN 1 END;\n  SELECT 2;\nEND;\nSELECT 3;",
			[]st{{1, "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN true THEN 1 END;\n  SELECT 2;\nEND"}, {6, "SELECT 3"}}},
		{"BEGIN and COMMIT are statements", "BEGIN;\nALTER TABLE t ADD COLUMN begin int;\nCOMMIT;",
			[]st{{1, "BEGIN"}, {2, "ALTER TABLE t ADD COLUMN begin int"}, {3, "COMMIT"}}},
		{"parentheses", "CREATE TABLE t (a int, CHECK (a > 0));SELECT 2",
			[]st{{1, "CREATE TABLE t (a int, CHECK (a > 0))"}, {1, "SELECT 2"}}},
		{"lines after multi-line strings and comments", "SELECT 'a\nb';\n/*\n\n*/\nSELECT $x$\n$x$;\nSELECT 3",
			[]st{{1, "SELECT 'a\nb'"}, {6, "SELECT $x$\n$x$"}, {8, "SELECT 3"}}},
		{"CRLF", "SELECT 1;\r\nSELECT 2;\r\n", []st{{1, "SELECT 1"}, {2, "SELECT 2"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mgSplit(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			var flat []st
			for _, s := range got {
				flat = append(flat, st{s.Line, s.Text})
			}
			if !slices.Equal(flat, tc.want) {
				t.Errorf("split %q:\n got %+v\nwant %+v", tc.src, flat, tc.want)
			}
		})
	}
}

func TestMigrationSplitRefusesWhatIsLeftOpen(t *testing.T) {
	for src, want := range map[string]string{
		"SELECT 1;\nSELECT 'abc":               "line 2: unterminated quoted string",
		"SELECT \"abc":                         "line 1: unterminated quoted identifier",
		"SELECT 1;\n\nDO $body$ BEGIN END $b$": "line 3: unterminated dollar-quoted string ($body$ opened here)",
		"SELECT 1; /* a /* b */":               "line 1: unterminated /* comment",
		"SELECT E'\\'":                         "line 1: unterminated quoted string",
	} {
		if _, err := mgSplit(src); err == nil || err.Error() != want {
			t.Errorf("mgSplit(%q) = %v, want %q", src, err, want)
		}
	}
}

func TestMigrationStatementFirstLine(t *testing.T) {
	for text, want := range map[string]string{
		"ALTER TABLE orders ALTER COLUMN id TYPE bigint":             "ALTER TABLE orders ALTER COLUMN id TYPE bigint",
		"ALTER TABLE orders\n  ADD COLUMN x int":                     "ALTER TABLE orders …",
		strings.Repeat("é", 100):                                     strings.Repeat("é", 77) + " …",
		"CREATE INDEX CONCURRENTLY orders_amount ON orders (amount)": "CREATE INDEX CONCURRENTLY orders_amount ON orders (amount)",
	} {
		if got := (mgStatement{Text: text}).FirstLine(); got != want {
			t.Errorf("FirstLine(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestMigrationClassify(t *testing.T) {
	for sql, want := range map[string]mgClass{
		"BEGIN":                              mgBoundary,
		"begin isolation level serializable": mgBoundary,
		"START TRANSACTION":                  mgBoundary,
		"COMMIT":                             mgBoundary,
		"END":                                mgBoundary,
		"ROLLBACK":                           mgBoundary,
		"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ":           mgBoundary,
		"ROLLBACK TO SAVEPOINT a":                                   mgTraced,
		"SAVEPOINT a":                                               mgTraced,
		"COMMIT PREPARED 'x'":                                       mgTraced,
		"SET lock_timeout = '5s'":                                   mgTraced,
		"CREATE INDEX CONCURRENTLY i ON t (a)":                      mgAlone,
		"create unique index concurrently if not exists i on t (a)": mgAlone,
		"CREATE INDEX i ON t (concurrently)":                        mgTraced,
		"DROP INDEX CONCURRENTLY i":                                 mgAlone,
		"REINDEX (VERBOSE) TABLE CONCURRENTLY t":                    mgAlone,
		"REINDEX TABLE t":                                           mgTraced,
		"VACUUM (ANALYZE) t":                                        mgAlone,
		"ALTER TABLE p DETACH PARTITION c CONCURRENTLY":             mgAlone,
		"ALTER TABLE p DETACH PARTITION c":                          mgTraced,
		"CREATE ROLE app LOGIN":                                     mgServerWide,
		"ALTER USER app SET search_path = x":                        mgServerWide,
		"CREATE USER MAPPING FOR app SERVER s":                      mgTraced,
		"CREATE DATABASE other":                                     mgServerWide,
		"ALTER SYSTEM SET work_mem = '1GB'":                         mgServerWide,
		"CREATE TABLESPACE fast LOCATION '/x'":                      mgServerWide,
		"CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p":        mgServerWide,
		"GRANT readers TO app":                                      mgServerWide,
		"GRANT SELECT ON orders TO app":                             mgTraced,
		"REVOKE ALL ON SCHEMA public FROM PUBLIC":                   mgTraced,
		"COMMENT ON ROLE app IS 'x'":                                mgServerWide,
		"COMMENT ON TABLE role IS 'x'":                              mgTraced,
		"ALTER TABLE orders ADD COLUMN x int":                       mgTraced,
	} {
		if got := mgClassify(mgWords(sql)); got != want {
			t.Errorf("mgClassify(%q) = %d, want %d (words %q)", sql, got, want, mgWords(sql))
		}
	}
}

// FuzzMigrationSplit: the lexer never panics, every statement is a piece of the input that
// starts with a token, and putting the statements back together with semicolons splits into
// the same statements.
func FuzzMigrationSplit(f *testing.F) {
	for _, s := range []string{
		"SELECT 1; SELECT 2",
		"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;",
		"CREATE PROCEDURE p() BEGIN ATOMIC SELECT 1; END; SELECT 2;",
		"SELECT 'a;b', E'\\'', \"x\"\"y\" -- c;\n/* d; /* e */ */;",
		"DO $t$ $$ ; $t$; SELECT $1",
		"SELECT (1; 2)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		stmts, err := mgSplit(src)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		lines := strings.Count(src, "\n") + 1
		var texts []string
		prev := 1
		for _, s := range stmts {
			if s.Text == "" || s.Text != strings.TrimLeft(s.Text, " \t\r\n\f\v") || !strings.Contains(src, s.Text) {
				t.Fatalf("statement %q is not a trimmed piece of %q", s.Text, src)
			}
			if s.Line < prev || s.Line > lines {
				t.Fatalf("statement %q on line %d (previous %d, %d lines)", s.Text, s.Line, prev, lines)
			}
			prev = s.Line
			texts = append(texts, s.Text)
		}
		again, err := mgSplit(strings.Join(texts, "\n;\n"))
		if err != nil {
			t.Fatalf("re-split: %v", err)
		}
		var got []string
		for _, s := range again {
			got = append(got, s.Text)
		}
		if !slices.Equal(got, texts) {
			t.Fatalf("re-split of %q:\n got %q\nwant %q", src, got, texts)
		}
	})
}
