package redact

import "testing"

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://app:s3cret@db:5432/app", "postgres://app:***@db:5432/app"},
		{"dial postgres://app:p%40ss@db/app: refused", "dial postgres://app:***@db/app: refused"},
		{"redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"},
		{"https://api.example.com/healthz", "https://api.example.com/healthz"},
		{"host=db user=app password=s3cret dbname=app", "host=db user=app password=*** dbname=app"},
		{"host=db password='with space' dbname=app", "host=db password=*** dbname=app"},
		{"https://h/x?token=abc123&x=1", "https://h/x?token=***&x=1"},
		{"root:@tcp(127.0.0.1:3306)/test", "root:@tcp(127.0.0.1:3306)/test"},
		{"app:pw@tcp(db:3306)/shop?tls=true", "app:***@tcp(db:3306)/shop?tls=true"},
		{"no secrets here", "no secrets here"},
		{"http://h/p?client_secret=S3CR1&page=2", "http://h/p?client_secret=***&page=2"},
		{"https://b.blob/x?sv=2020&sig=abcDEF%3D&X-Amz-Security-Token=tok", "https://b.blob/x?sv=2020&sig=***&X-Amz-Security-Token=***"},
		{"http://h/?a=1;refresh_token=r3fr3sh", "http://h/?a=1;refresh_token=***"},
		{"http://h/?q=launch&limit=10", "http://h/?q=launch&limit=10"},
	}
	for _, tt := range tests {
		if got := String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactorKnownValues(t *testing.T) {
	var r Redactor
	r.Add("eyJhbGciOiJIUzI1NiJ9.payload.sig", "abc", "")
	got := r.String("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig (abc)")
	if want := "Authorization: Bearer *** (abc)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var nilR *Redactor
	if got := nilR.String("x://u:p@h"); got != "x://u:***@h" {
		t.Errorf("nil redactor: got %q", got)
	}
}

func TestUnparsed(t *testing.T) {
	for in, want := range map[string]string{
		"mysql://app:pa ss@db/shop": "mysql://app:***@db/shop",
		"redis://:p@ss@cache:6379":  "redis://:***@cache:6379",
		"app:s3cret@tcp(db:3306)/x": "app:***@tcp(db:3306)/x",
		"redis://cache:6379":        "redis://cache:6379",
		"postgres://app@db/app?x=1": "postgres://app@db/app?x=1",
	} {
		if got := Unparsed(in); got != want {
			t.Errorf("Unparsed(%q) = %q, want %q", in, got, want)
		}
	}
}
