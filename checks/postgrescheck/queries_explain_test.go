package postgrescheck

import "testing"

func TestFilterText(t *testing.T) {
	tests := []struct{ filter, alias, want string }{
		{"(users.email ~~ '%example%'::text)", "users", "email LIKE '%example%'"},
		{"((u.name)::text ~~* 'lamp%'::text)", "u", "name ILIKE 'lamp%'"},
		{"(lower(email) = 'a@b.c'::text)", "users", "lower(email) = 'a@b.c'"},
		{"((created_at > '2024-01-01 00:00:00+00'::timestamp with time zone) AND (NOT deleted))", "", "(created_at > '2024-01-01 00:00:00+00') AND (NOT deleted)"},
		{"(a.x !~~ 'y%'::text)", "a", "x NOT LIKE 'y%'"},
	}
	for _, tt := range tests {
		if got := qyFilterText(tt.filter, tt.alias); got != tt.want {
			t.Errorf("qyFilterText(%q)\n got %q\nwant %q", tt.filter, got, tt.want)
		}
	}
}

func TestNum(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 8.44: "8.44", 42: "42", 1234: "1,234", 300000: "300,000", 999999: "999,999", 2.4e6: "2.4M", 2.4e7: "24M", 3e9: "3B"} {
		if got := qyNum(in); got != want {
			t.Errorf("qyNum(%g) = %q, want %q", in, got, want)
		}
	}
}
