package mysqlcheck

import (
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/probe"
)

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn      string
		name     string
		addr     string
		user     string
		password string
		db       string
		tls      string
		wantErr  string
	}{
		{dsn: "app:" + appPassword + "@tcp(db.internal:3306)/shop", name: "app@db.internal:3306/shop", addr: "db.internal:3306", user: "app", password: appPassword, db: "shop"},
		{dsn: "app@tcp(db)/", name: "app@db:3306", addr: "db:3306", user: "app"},
		{dsn: "app:pw@unix(/run/mysqld/mysqld.sock)/x", name: "app@unix:/run/mysqld/mysqld.sock/x", addr: "/run/mysqld/mysqld.sock", user: "app", password: "pw", db: "x"},
		{dsn: "mysql://app:" + appPassword + "@db.internal/shop", name: "app@db.internal:3306/shop", addr: "db.internal:3306", user: "app", password: appPassword, db: "shop"},
		{dsn: "mysql://app:p%40ss%2Fw0rd@10.0.0.5:3307/shop?ssl-mode=REQUIRED", name: "app@10.0.0.5:3307/shop", addr: "10.0.0.5:3307", user: "app", password: "p@ss/w0rd", db: "shop", tls: "skip-verify"},
		{dsn: "mariadb://app@[::1]:3306/", name: "app@[::1]:3306", addr: "[::1]:3306", user: "app"},
		{dsn: "mysql://app:pw@db/shop?sslmode=verify_identity", name: "app@db:3306/shop", addr: "db:3306", user: "app", password: "pw", db: "shop", tls: "true"},
		{dsn: "", wantErr: "the DSN is empty"},
		{dsn: "mysql://app:hunter2@S3cret#x@db/shop", wantErr: "percent-encode"},
		{dsn: "postgres://app:" + appPassword + "@db/x", wantErr: `unsupported scheme "postgres"`},
		{dsn: "mysql://app:" + appPassword + "@/x", wantErr: "has no host"},
		{dsn: "app:" + appPassword + "@db:3306", wantErr: "invalid DSN app:***@db:3306"},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			got, err := parseDSN(tt.dsn)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), appPassword) {
					t.Errorf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := got.cfg
			if got.name != tt.name || c.Addr != tt.addr || c.User != tt.user || c.Passwd != tt.password || c.DBName != tt.db || c.TLSConfig != tt.tls {
				t.Errorf("got name %q addr %q user %q password %q db %q tls %q", got.name, c.Addr, c.User, c.Passwd, c.DBName, c.TLSConfig)
			}
		})
	}
}

// FuzzParseDSN: whatever surrounds a password, parsing never panics, and neither the name used
// in output nor an error ever carries it.
func FuzzParseDSN(f *testing.F) {
	f.Add(true, "app", "@tcp(db:3306)/x")
	f.Add(false, "app", "@db/x?ssl-mode=REQUIRED")
	f.Add(true, "app", "@db")
	f.Add(false, "u", "/x@h:99/d")
	f.Add(true, "u", "@unix(/s)/d?tls=true")
	const secret = "Zq9Secret"
	f.Fuzz(func(t *testing.T, driverForm bool, user, rest string) {
		if user == "" || strings.ContainsAny(user, ":@/()?#%[] \t\n") || !strings.Contains(rest, "@") {
			return // the secret is a password only in user:secret…@host
		}
		dsn := user + ":" + secret + rest
		if !driverForm {
			dsn = "mysql://" + dsn
		}
		tg, err := parseDSN(dsn)
		if err != nil {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error carries the password: %v", err)
			}
			return
		}
		if strings.Contains(tg.name, secret) {
			t.Errorf("name %q carries the password", tg.name)
		}
	})
}

func TestSplitDSNs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"mysql://a@r1/x,mysql://a@r2/x", []string{"mysql://a@r1/x", "mysql://a@r2/x"}},
		{" mon:pw@tcp(r1:3306)/ , mon:pw@tcp(r2:3306)/?charset=utf8mb4,utf8 ", []string{"mon:pw@tcp(r1:3306)/", "mon:pw@tcp(r2:3306)/?charset=utf8mb4,utf8"}},
		{"u:p,x@tcp(h)/,mysql://b@r2/", []string{"u:p,x@tcp(h)/", "mysql://b@r2/"}},
		{",,", nil},
	}
	for _, tt := range tests {
		got := probe.SplitDSNs[myDSNs](tt.in)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("SplitDSNs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestDSNParameters: only documented connection settings reach the driver. Any other parameter
// would be sent to the server as a session SET (and ?password=X comes back in the server's
// error), so it is refused when the checklist is loaded, by name and never by value.
func TestDSNParameters(t *testing.T) {
	const value = "Leak-Me-42"
	tests := []struct {
		name, dsn string
		wantErr   []string
	}{
		{"driver form, accepted", "app:pw@tcp(db:3306)/shop?tls=skip-verify&parseTime=true&loc=UTC&charset=utf8mb4,utf8&timeout=5s&readTimeout=2s", nil},
		{"URL form, accepted", "mysql://app:pw@db/shop?ssl-mode=REQUIRED&collation=utf8mb4_general_ci&writeTimeout=1s&multiStatements=true", nil},
		{"password as a parameter", "app@tcp(db:3306)/shop?password=" + value, []string{`DSN parameter "password" is not accepted: the user and password go before the host`}},
		{"password as a URL parameter", "mysql://app@db/shop?password=" + value, []string{`DSN parameter "password" is not accepted`}},
		{"session variables", "app:pw@tcp(db:3306)/shop?sql_mode=" + value + "&autocommit=0", []string{
			`DSN parameter "autocommit" is not accepted: the driver would send it to the server as SET autocommit=…, and the checks change no session state`,
			`DSN parameter "sql_mode" is not accepted`}},
		{"wrong case", "mysql://app:pw@db/shop?parsetime=" + value, []string{`DSN parameter "parsetime" is not accepted: did you mean parseTime?`}},
		{"local files", "app:pw@tcp(db:3306)/shop?allowAllFiles=true", []string{`"allowAllFiles" is not accepted: it would let the server read any file on this machine`}},
		{"compression", "mysql://app:pw@db/shop?compress=true", []string{`"compress" is not accepted: the checks read uncompressed replies`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Connections{DSN: tt.dsn, MaxUsedPercent: 80, WarnUsedPercent: 70, PeakWarnPercent: 90}
			err := c.Validate()
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(c.target.cfg.Params) > 0 {
					t.Errorf("the driver would send SET for %v", c.target.cfg.Params)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range append(tt.wantErr, "dsn: ", "(accepted: tls, ") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), value) {
				t.Errorf("the error shows the parameter's value: %v", err)
			}
		})
	}
}

// TestAtInPassword: go-sql-driver DSNs and URLs both take an '@' in the password (the last '@'
// ends it), and nothing of the password reaches the name used in output.
func TestAtInPassword(t *testing.T) {
	for _, dsn := range []string{"app:Tr0ub4dor@Horse99@tcp(db:3306)/shop", "mysql://app:Tr0ub4dor@Horse99@db:3306/shop"} {
		c := &Connections{DSN: dsn, MaxUsedPercent: 80, WarnUsedPercent: 70, PeakWarnPercent: 90}
		if err := c.Validate(); err != nil {
			t.Fatalf("%s: %v", dsn, err)
		}
		if c.target.cfg.Passwd != "Tr0ub4dor@Horse99" || c.target.name != "app@db:3306/shop" || strings.Contains(c.Title(), "Horse99") {
			t.Errorf("%s: password %q, name %q, title %q", dsn, c.target.cfg.Passwd, c.target.name, c.Title())
		}
	}
}
