package tlscheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
)

// maxAddresses bounds how many addresses behind one name are dialled, so that a name with a
// hundred A records cannot turn one check into a scan.
const maxAddresses = 16

// parallelDials bounds how many addresses are probed at the same time.
const parallelDials = 4

// fallbackBudget bounds a run whose context carries no deadline (a direct call outside the
// runner): every network operation still ends.
const fallbackBudget = 30 * time.Second

// Certificate checks the certificate, chain and protocol setup served at every address behind a
// name.
type Certificate struct {
	Host              string        `yaml:"host" required:"true" doc:"What to check: a host name, host:port, an https:// URL or a postgres:// URL (port defaults to 443, or 5432 for postgres)."`
	ServerName        string        `yaml:"server_name" doc:"The name sent as SNI and verified against the certificate's SANs; defaults to the host."`
	WarnWithin        kind.Duration `yaml:"warn_within" doc:"Warn when any certificate of the verified chain expires within this time."`
	FailWithin        kind.Duration `yaml:"fail_within" doc:"Fail when any certificate of the verified chain expires within this time."`
	MinVersion        string        `yaml:"min_version" doc:"The lowest TLS version the server may accept (1.0, 1.1, 1.2 or 1.3); older versions are probed and must be refused."`
	CAFile            string        `yaml:"ca_file" doc:"A PEM file of extra trusted root certificates, for private CAs (relative to the checklist)."`
	AllIPs            bool          `yaml:"all_ips" doc:"Check every address the name resolves to (A and AAAA), not only the first."`
	ExpectSameCert    bool          `yaml:"expect_same_cert" doc:"Fail when the addresses behind the name serve different certificates."`
	RequireOCSPStaple bool          `yaml:"require_ocsp_staple" doc:"Fail unless the server staples an OCSP response that says the certificate is good."`

	target     target
	minVersion uint16
}

func init() {
	kind.Register(kind.Kind{
		Name:       "tls",
		Summary:    "Every server behind a name presents a trusted, matching, unexpired certificate over a modern TLS version.",
		Title:      "TLS certificate is valid",
		Positional: "host",
		New:        func() kind.Check { return New() },
		Example: `host: ${API_URL}
warn_within: 30d
fail_within: 7d
min_version: "1.2"`,
	})
}

// New returns a check with the defaults of the `tls` kind.
func New() *Certificate {
	return &Certificate{
		WarnWithin:     kind.Duration(30 * 24 * time.Hour),
		FailWithin:     kind.Duration(7 * 24 * time.Hour),
		MinVersion:     "1.2",
		AllIPs:         true,
		ExpectSameCert: true,
	}
}

// Title names the target, without any password a postgres:// URL carries.
func (c *Certificate) Title() string { return "TLS certificate of " + redact.String(c.Host) }

// target is the parsed host parameter.
type target struct {
	// proto is "tls" (TLS from the first byte), "postgres" (SSLRequest first) or "http"
	// (plain text: nothing to check).
	proto string
	host  string
	port  string
	// sslmode is the postgres URL's sslmode, which decides whether the host name is verified.
	sslmode string
}

func (t target) addr() string { return net.JoinHostPort(t.host, t.port) }

func (t target) String() string {
	if t.proto == "postgres" {
		return "postgres://" + t.addr()
	}
	return t.addr()
}

// Validate parses the target and the version floor.
func (c *Certificate) Validate() error {
	var errs []error
	t, err := parseTarget(c.Host)
	if err != nil {
		errs = append(errs, kind.BadParam("host", "%v", err))
	}
	c.target = t
	v, err := parseVersion(c.MinVersion)
	if err != nil {
		errs = append(errs, kind.BadParam("min_version", "%v", err))
	}
	c.minVersion = v
	switch {
	case c.WarnWithin < 0 || c.FailWithin < 0:
		errs = append(errs, kind.BadParam("warn_within", "must not be negative (nor fail_within)"))
	case c.FailWithin > c.WarnWithin:
		errs = append(errs, kind.BadParam("fail_within", "%s must not be longer than warn_within (%s)", c.FailWithin, c.WarnWithin))
	}
	return errors.Join(errs...)
}

func parseTarget(s string) (target, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return target{}, fmt.Errorf("is empty: give a host name, host:port or an https:// URL")
	}
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return target{}, fmt.Errorf("%q is not a valid URL: %v", redact.String(s), redactErr(err))
		}
		t := target{host: u.Hostname(), port: u.Port()}
		switch strings.ToLower(u.Scheme) {
		case "https", "tls":
			t.proto = "tls"
			if t.port == "" {
				t.port = "443"
			}
		case "postgres", "postgresql":
			t.proto = "postgres"
			if t.port == "" {
				t.port = "5432"
			}
			t.sslmode = u.Query().Get("sslmode")
			if t.sslmode == "disable" {
				return target{}, fmt.Errorf("%q says sslmode=disable: there is no certificate to check", redact.String(s))
			}
		case "http":
			t.proto = "http"
			if t.port == "" {
				t.port = "80"
			}
		default:
			return target{}, fmt.Errorf("%q: unsupported scheme %q (use a host name, host:port, https:// or postgres://)", redact.String(s), u.Scheme)
		}
		if t.host == "" {
			return target{}, fmt.Errorf("%q has no host name", redact.String(s))
		}
		if !validHost(t.host) {
			return target{}, fmt.Errorf("%q: %q is not a host name", redact.String(s), t.host)
		}
		return t, checkPort(t, s)
	}
	t := target{proto: "tls", port: "443"}
	if h, p, err := net.SplitHostPort(s); err == nil {
		t.host, t.port = h, p
	} else if ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); ip != nil {
		t.host = ip.String()
	} else {
		t.host = s
	}
	if t.host == "" {
		return target{}, fmt.Errorf("%q has no host name", s)
	}
	if !validHost(t.host) {
		return target{}, fmt.Errorf("%q is not a host name, host:port or URL", s)
	}
	return t, checkPort(t, s)
}

// hostName is what DNS names look like (underscores allowed, as some internal names use them).
var hostName = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?$`)

func validHost(h string) bool {
	return net.ParseIP(h) != nil || (len(h) <= 253 && hostName.MatchString(h))
}

func checkPort(t target, s string) error {
	n, err := strconv.Atoi(t.port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 1 to 65535", redact.String(s), t.port)
	}
	return nil
}

func redactErr(err error) string { return redact.String(err.Error()) }

// parseVersion reads "1.2", "TLS 1.2", "tls1.2" or "TLSv1.2".
func parseVersion(s string) (uint16, error) {
	v := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	v = strings.TrimPrefix(strings.TrimPrefix(v, "tls"), "v")
	switch v {
	case "1.0", "1":
		return tls.VersionTLS10, nil
	case "1.1":
		return tls.VersionTLS11, nil
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("%q is not a TLS version: use 1.0, 1.1, 1.2 or 1.3", s)
}

// roots is what a client of this server would trust: env.RootCAs (tests) or the system roots,
// plus ca_file.
func (c *Certificate) roots(env *kind.Env) (*x509.CertPool, error) {
	var pool *x509.CertPool
	if env.RootCAs != nil {
		pool = env.RootCAs.Clone()
	} else {
		sys, err := x509.SystemCertPool()
		if err != nil {
			return nil, fmt.Errorf("cannot load the system's trusted roots: %w", err)
		}
		pool = sys
	}
	if c.CAFile == "" {
		return pool, nil
	}
	path := c.CAFile
	if !filepath.IsAbs(path) && env.BaseDir != "" {
		path = filepath.Join(env.BaseDir, path)
	}
	// 16 MiB is far beyond any CA bundle.
	pem, err := kind.ReadSmallFile(path, 16<<20)
	if err != nil {
		return nil, fmt.Errorf("cannot read ca_file: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// Run resolves the name, probes every address and judges what each one serves.
func (c *Certificate) Run(ctx context.Context, env *kind.Env) kind.Result {
	if c.target.proto == "" {
		if err := c.Validate(); err != nil {
			return kind.Errorf("fix the check's parameters", "%v", err)
		}
	}
	if c.target.proto == "http" {
		return kind.Result{Status: kind.Skip,
			Summary: fmt.Sprintf("%s is plain http://: there is no TLS certificate to check", redact.String(c.Host)),
			Remedy:  "point host at the https:// URL clients use"}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, fallbackBudget)
		defer cancel()
	}
	// Taken now, before DNS and the roots use some of it: messages name the configured timeout.
	p := &prober{c: c, env: env, budget: kind.Timeout(ctx)}
	roots, err := c.roots(env)
	if err != nil {
		return kind.Errorf("point ca_file at a readable PEM file of CA certificates", "%v", err)
	}
	now := time.Now
	if env.Now != nil {
		now = env.Now
	}

	ips, total, err := c.addresses(ctx, env)
	if err != nil {
		return kind.Result{Status: kind.Error, Summary: err.Error(),
			Remedy:   "check the host name and that its DNS records exist and resolve from here",
			Evidence: []kind.Evidence{{Label: "addresses", Observed: err.Error(), Expected: "at least one address", Status: kind.Error}}}
	}
	eps := p.probeAll(ctx, ips)
	return c.judge(eps, total, roots, now())
}

// addresses resolves the host (A and AAAA) unless it is an address already. It returns the
// addresses to dial and how many the name has in all.
func (c *Certificate) addresses(ctx context.Context, env *kind.Env) ([]string, int, error) {
	if ip := net.ParseIP(c.target.host); ip != nil {
		return []string{ip.String()}, 1, nil
	}
	var r kind.Resolver = net.DefaultResolver
	if env.Resolver != nil {
		r = env.Resolver
	}
	addrs, err := r.LookupIPAddr(ctx, c.target.host)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, fmt.Errorf("DNS lookup of %s did not finish in time", c.target.host)
		}
		return nil, 0, fmt.Errorf("DNS lookup of %s failed: %v", c.target.host, err)
	}
	seen := map[string]bool{}
	var out []string
	for _, a := range addrs {
		s := a.String()
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, 0, fmt.Errorf("%s resolves to no address", c.target.host)
	}
	total := len(out)
	if !c.AllIPs {
		out = out[:1]
	} else if len(out) > maxAddresses {
		out = out[:maxAddresses]
	}
	return out, total, nil
}

// serverName is the SNI and the name the certificate must cover.
func (c *Certificate) serverName() string {
	if c.ServerName != "" {
		return c.ServerName
	}
	return c.target.host
}
