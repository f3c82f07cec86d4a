package tlscheck

import (
	"bytes"
	//lint:ignore SA1019 only to recognise (and fail) DSA keys.
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// minRSABits is the smallest RSA key CAs may issue (CA/Browser Forum baseline requirements).
const minRSABits = 2048

// judgedEndpoint is what one address served and the lines judged about it alone.
type judgedEndpoint struct {
	ep endpoint
	// chain is the verified chain, leaf first; when nothing verified it is the presented chain.
	chain    []*x509.Certificate
	verified bool
	lines    []kind.Line
}

// judge turns what every address served into one result: the addresses, each distinct chain
// described once, the lines judged per address (addresses judged alike are named together),
// and whether they all serve the same certificate.
func (c *Certificate) judge(eps []endpoint, total int, roots *x509.CertPool, now time.Time) kind.Result {
	var j kind.Judgement
	j.Observe("addresses", c.addressesSeen(eps, total), "every address serves a good certificate")
	judged := make([]*judgedEndpoint, len(eps))
	for i, ep := range eps {
		judged[i] = c.judgeEndpoint(ep, roots, now)
	}
	c.describeChains(&j, judged, now)
	addAlike(&j, judged)
	if len(eps) > 1 {
		addFor(&j, "", c.consistency(judged))
	}
	r := j.Result()
	if r.Status == kind.Error && j.Has(kind.Fail) {
		// What failed is certain; an address that could not be judged does not make it less so.
		r.Status = kind.Fail
	}
	if r.Status == kind.Pass {
		r.Summary = c.passSummary(judged, now)
		return r
	}
	var problems []string
	for _, p := range j.Problems() {
		problems = append(problems, p.Problem)
	}
	problems = kind.Unique(problems)
	if len(problems) > 3 {
		problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
	}
	r.Summary = c.target.String() + ": " + strings.Join(problems, "; ")
	return r
}

// addFor adds a line about the addresses named by who ("" for all of them). A line without a
// problem of its own is shown: its status counts, and another line names what is wrong.
func addFor(j *kind.Judgement, who string, l kind.Line) {
	if who != "" {
		l.Label = who + " " + l.Label
	}
	if l.Problem == "" {
		j.Show(l)
		return
	}
	if who != "" {
		l.Problem = who + ": " + l.Problem
	}
	j.Add(l)
}

func (c *Certificate) addressesSeen(eps []endpoint, total int) string {
	ips := make([]string, len(eps))
	for i, ep := range eps {
		ips[i] = ep.ip
	}
	seen := strings.Join(ips, ", ")
	switch {
	case total > len(eps) && !c.AllIPs:
		seen += fmt.Sprintf(" (1 of %d addresses: all_ips is off)", total)
	case total > len(eps):
		seen += fmt.Sprintf(" (the first %d of %d addresses)", len(eps), total)
	case net.ParseIP(c.target.host) != nil:
	default:
		seen += fmt.Sprintf(" (%s resolves to %d)", c.target.host, total)
	}
	return seen
}

// describeChains shows each distinct chain once, naming the addresses serving it when they
// differ. Its lines carry their own status, but the judged lines name the problems.
func (c *Certificate) describeChains(j *kind.Judgement, judged []*judgedEndpoint, now time.Time) {
	type group struct {
		je  *judgedEndpoint
		ips []string
	}
	var groups []*group
	byLeaf := map[string]*group{}
	for _, je := range judged {
		if je.ep.failure != nil {
			continue
		}
		k := string(je.ep.state.PeerCertificates[0].Raw)
		if g, ok := byLeaf[k]; ok {
			g.ips = append(g.ips, je.ep.ip)
			continue
		}
		g := &group{je: je, ips: []string{je.ep.ip}}
		byLeaf[k] = g
		groups = append(groups, g)
	}
	for _, g := range groups {
		prefix := ""
		if len(groups) > 1 {
			prefix = strings.Join(g.ips, ", ") + " "
		}
		for _, l := range c.describeChain(g.je, now) {
			l.Label = prefix + l.Label
			j.Show(l)
		}
	}
}

// addAlike adds the lines judged per address. Addresses judged identically are reported once,
// named together; with one such group (every address alike) the lines carry no address at all.
func addAlike(j *kind.Judgement, judged []*judgedEndpoint) {
	var order []string
	alike := map[string][]*judgedEndpoint{}
	for _, je := range judged {
		var key strings.Builder
		for _, l := range je.lines {
			fmt.Fprintf(&key, "%s\x00%d\x00%s\x00", l.Label, l.Status, l.Observed)
		}
		k := key.String()
		if _, ok := alike[k]; !ok {
			order = append(order, k)
		}
		alike[k] = append(alike[k], je)
	}
	for _, k := range order {
		group := alike[k]
		who := ""
		if len(order) > 1 {
			names := make([]string, len(group))
			for i, je := range group {
				names[i] = je.ep.ip
			}
			who = strings.Join(names, ", ")
		}
		for _, l := range group[0].lines {
			addFor(j, who, l)
		}
	}
}

func (c *Certificate) passSummary(judged []*judgedEndpoint, now time.Time) string {
	je := judged[0]
	e := earliest(je.chain)
	where := ""
	if len(judged) > 1 {
		where = fmt.Sprintf(" on all %d addresses", len(judged))
	}
	return fmt.Sprintf("%s: trusted certificate for %s, valid until %s (%s left)%s, %s", c.target.String(), c.serverName(),
		day(e.NotAfter), left(e.NotAfter.Sub(now)), where, tls.VersionName(je.ep.state.Version))
}

// judgeEndpoint judges one address on its own, as a client connecting only to it would.
func (c *Certificate) judgeEndpoint(ep endpoint, roots *x509.CertPool, now time.Time) *judgedEndpoint {
	je := &judgedEndpoint{ep: ep}
	if ep.failure != nil {
		st := kind.Error
		if ep.failure.noTLS {
			st = kind.Fail
		}
		je.lines = append(je.lines, kind.Line{Label: "connection", Observed: ep.failure.msg, Expected: "a TLS handshake", Status: st,
			Problem: ep.failure.msg, Remedy: ep.failure.remedy})
		return je
	}
	certs := ep.state.PeerCertificates
	chain, shifted, err := verifyChain(certs, roots, now)
	je.chain, je.verified = chain, err == nil
	if err != nil {
		je.chain = certs
	}
	je.lines = append(je.lines, c.trustLine(certs, chain, shifted, err), c.hostnameLine(certs[0]),
		c.expiryLine(je, now), c.protocolLine(ep), c.cryptoLine(je))
	if c.RequireOCSPStaple || len(ep.state.OCSPResponse) > 0 {
		je.lines = append(je.lines, c.ocspLine(je, now))
	}
	return je
}

// verifyChain builds the chain a client would: from the leaf through the certificates the
// server sent to a trusted root, at the injected time. When that fails it tries again at the
// start and end of each presented certificate's validity: a chain that verifies then is
// trustworthy but out of date (shifted), which the expiry item names precisely, instead of
// calling an expired intermediate an unknown authority.
func verifyChain(certs []*x509.Certificate, roots *x509.CertPool, now time.Time) ([]*x509.Certificate, bool, error) {
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	chains, err := certs[0].Verify(opts)
	if err == nil {
		return best(chains), false, nil
	}
	var times []time.Time
	for _, c := range certs {
		times = append(times, c.NotBefore, c.NotAfter)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].After(times[j]) })
	for _, t := range times {
		opts.CurrentTime = t
		if chains, err2 := certs[0].Verify(opts); err2 == nil {
			return best(chains), true, nil
		}
	}
	return nil, false, err
}

// best picks, of several valid chains, the one that stays valid longest: a client that can
// build it does not care that an alternative path (an old cross-sign) expires sooner.
func best(chains [][]*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	for _, ch := range chains {
		if out == nil || earliest(ch).NotAfter.After(earliest(out).NotAfter) {
			out = ch
		}
	}
	return out
}

func earliest(chain []*x509.Certificate) *x509.Certificate {
	var e *x509.Certificate
	for _, c := range chain {
		if e == nil || c.NotAfter.Before(e.NotAfter) {
			e = c
		}
	}
	return e
}

func selfIssued(c *x509.Certificate) bool { return bytes.Equal(c.RawIssuer, c.RawSubject) }

func (c *Certificate) trustLine(certs, chain []*x509.Certificate, shifted bool, err error) kind.Line {
	expected := "a chain to a trusted root"
	if c.CAFile != "" {
		expected += " (system roots + ca_file)"
	}
	if err != nil {
		l := untrusted(certs, err)
		l.Label, l.Expected, l.Status = "trust", expected, kind.Fail
		return l
	}
	l := kind.Line{Label: "trust", Observed: fmt.Sprintf("verified: %s", chainNames(chain)), Expected: expected, Status: kind.Pass}
	if len(chain) == 1 {
		l.Observed = fmt.Sprintf("verified: %s is itself a trusted root", name(chain[0]))
	}
	if shifted {
		l.Observed += " (the chain is sound; its dates are judged below)"
	}
	return l
}

// untrusted says why the presented chain did not verify, the most specific reason first: what
// was observed, the problem and the remedy.
func untrusted(certs []*x509.Certificate, err error) kind.Line {
	leaf := certs[0]
	for _, cert := range certs {
		if weakSignature(cert.SignatureAlgorithm) && !(selfIssued(cert) && cert != leaf) {
			return kind.Line{Observed: fmt.Sprintf("cannot be verified: %s is signed with %s, which browsers and modern clients reject", name(cert), cert.SignatureAlgorithm),
				Problem: "certificate signed with " + cert.SignatureAlgorithm.String() + " is rejected by clients",
				Remedy:  "reissue the certificate (and intermediates) with SHA-256 signatures"}
		}
	}
	var invalid x509.CertificateInvalidError
	if errors.As(err, &invalid) {
		switch invalid.Reason {
		case x509.IncompatibleUsage:
			return kind.Line{Observed: fmt.Sprintf("%s is not valid for TLS server authentication (extended key usage)", name(invalid.Cert)),
				Problem: "certificate is not issued for TLS servers", Remedy: "reissue the certificate with the serverAuth extended key usage"}
		case x509.NotAuthorizedToSign:
			return kind.Line{Observed: fmt.Sprintf("%s signed another certificate but is not a CA", name(invalid.Cert)),
				Problem: "the chain contains a non-CA certificate as issuer", Remedy: "serve the CA's real intermediate certificate"}
		}
	}
	if selfIssued(leaf) {
		return kind.Line{Observed: fmt.Sprintf("self-signed certificate %s, which no client trusts", name(leaf)), Problem: "self-signed certificate",
			Remedy: "replace the self-signed certificate with one from a trusted CA (or, if only your own clients connect, give them and this check its CA with ca_file)"}
	}
	return unknownRoot(leaf, certs)
}

// unknownRoot follows issuers through what the server sent to say where the chain stops.
func unknownRoot(leaf *x509.Certificate, certs []*x509.Certificate) kind.Line {
	top := leaf
	for steps := 0; steps < len(certs); steps++ {
		next := issuerIn(top, certs)
		if next == nil {
			break
		}
		top = next
		if selfIssued(top) {
			break
		}
	}
	switch {
	case selfIssued(top):
		return kind.Line{Observed: fmt.Sprintf("untrusted root: the chain ends at the self-signed %s, which is not a trusted root", name(top)),
			Problem: "certificate chains to an untrusted root " + name(top),
			Remedy:  "use a certificate from a publicly trusted CA, or add the private CA with ca_file if every client trusts it"}
	case top == leaf:
		// Public CAs never issue leaves from a root (CA/Browser Forum baseline requirements), so
		// a lone leaf whose issuer is not a trusted root is missing its intermediate; a private CA
		// that issues from its root directly looks the same, hence the second hint.
		return kind.Line{Observed: fmt.Sprintf("incomplete chain: the server sent only the leaf, and its issuer %q is not a trusted root (missing intermediate certificate; or, if %q is a private CA, it is not trusted here)", issuerName(leaf), issuerName(leaf)),
			Problem: "incomplete chain: intermediate certificate missing",
			Remedy:  "configure the server to send the intermediate certificate(s) after the leaf (the full-chain file, e.g. fullchain.pem); for a private CA, give its root with ca_file"}
	}
	return kind.Line{Observed: fmt.Sprintf("untrusted root: the chain ends at %s, issued by %q, which is neither sent nor a trusted root", name(top), issuerName(top)),
		Problem: fmt.Sprintf("certificate chains to %q, which is not a trusted root", issuerName(top)),
		Remedy:  "use a certificate from a publicly trusted CA and send all its intermediates, or add the private CA with ca_file"}
}

// issuerIn finds the certificate among certs whose subject issued c.
func issuerIn(c *x509.Certificate, certs []*x509.Certificate) *x509.Certificate {
	for _, p := range certs {
		if p != c && bytes.Equal(c.RawIssuer, p.RawSubject) {
			return p
		}
	}
	return nil
}

func (c *Certificate) hostnameLine(leaf *x509.Certificate) kind.Line {
	sn := c.serverName()
	l := kind.Line{Label: "hostname", Expected: "covers " + sn}
	if c.target.proto == "postgres" && c.target.sslmode == "verify-ca" {
		l.Status, l.Observed = kind.Pass, "not checked: the URL says sslmode=verify-ca"
		return l
	}
	covered := coveredNames(leaf)
	if err := leaf.VerifyHostname(sn); err == nil {
		l.Status = kind.Pass
		l.Observed = "covered (SANs: " + covered + ")"
		return l
	}
	l.Status = kind.Fail
	l.Observed = fmt.Sprintf("%s is not covered; the certificate covers: %s", sn, covered)
	if len(leaf.DNSNames) == 0 && len(leaf.IPAddresses) == 0 && leaf.Subject.CommonName != "" {
		l.Observed += fmt.Sprintf(" (its common name %q is ignored by modern clients: names belong in the SANs)", probe.Clip(leaf.Subject.CommonName))
	}
	l.Problem = fmt.Sprintf("certificate does not cover %s (covers %s)", sn, covered)
	l.Remedy = fmt.Sprintf("serve a certificate whose SANs include %s, or set server_name to the name clients use", sn)
	return l
}

// maxNamesShown bounds the SANs a result lists: a certificate may carry hundreds.
const maxNamesShown = 10

func coveredNames(c *x509.Certificate) string {
	names := make([]string, 0, len(c.DNSNames)+len(c.IPAddresses))
	for _, n := range c.DNSNames {
		names = append(names, probe.Clip(n))
	}
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no names (the certificate has no SANs)"
	}
	if len(names) > maxNamesShown {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:maxNamesShown], ", "), len(names)-maxNamesShown)
	}
	return strings.Join(names, ", ")
}

func (c *Certificate) expiryLine(je *judgedEndpoint, now time.Time) kind.Line {
	l := kind.Line{Label: "expiry", Expected: fmt.Sprintf("more than %s left (fail within %s)", c.WarnWithin, c.FailWithin)}
	of := ""
	if !je.verified {
		of = " (of the presented chain: it did not verify)"
	}
	for _, cert := range je.chain {
		if now.Before(cert.NotBefore) {
			l.Status = kind.Fail
			l.Observed = fmt.Sprintf("%s %s is not valid until %s (in %s)%s", role(je.chain, cert), name(cert), stamp(cert.NotBefore), left(cert.NotBefore.Sub(now)), of)
			l.Problem = fmt.Sprintf("%s %s is not valid yet (from %s)", role(je.chain, cert), name(cert), stamp(cert.NotBefore))
			l.Remedy = "serve a certificate that is valid now: check its dates and the clock of whatever issued it"
			return l
		}
	}
	e := earliest(je.chain)
	rest := e.NotAfter.Sub(now)
	what := fmt.Sprintf("%s %s", role(je.chain, e), name(e))
	renew := "renew the certificate and deploy it to every server behind the name"
	if e != je.chain[0] {
		renew = "install the CA's current intermediate certificate (the one in use expires first) on every server"
	}
	switch {
	case rest < 0:
		l.Status = kind.Fail
		l.Observed = fmt.Sprintf("%s expired on %s (%s ago)%s", what, stamp(e.NotAfter), left(-rest), of)
		l.Problem = fmt.Sprintf("%s expired %s ago (%s)", what, left(-rest), day(e.NotAfter))
	case rest <= c.FailWithin.D():
		l.Status = kind.Fail
		l.Observed = fmt.Sprintf("%s expires on %s (%s left)%s", what, stamp(e.NotAfter), left(rest), of)
		l.Problem = fmt.Sprintf("%s expires in %s (%s), inside fail_within %s", what, left(rest), day(e.NotAfter), c.FailWithin)
	case rest <= c.WarnWithin.D():
		l.Status = kind.Warn
		l.Observed = fmt.Sprintf("%s expires on %s (%s left)%s", what, stamp(e.NotAfter), left(rest), of)
		l.Problem = fmt.Sprintf("%s expires in %s (%s), inside warn_within %s", what, left(rest), day(e.NotAfter), c.WarnWithin)
	default:
		l.Status = kind.Pass
		l.Observed = fmt.Sprintf("earliest in the chain: %s on %s (%s left)%s", what, stamp(e.NotAfter), left(rest), of)
		return l
	}
	l.Remedy = renew
	return l
}

func (c *Certificate) protocolLine(ep endpoint) kind.Line {
	st := ep.state
	observed, accepted, unknown := describeProtocol(ep)
	l := kind.Line{Label: "protocol", Observed: observed, Status: kind.Pass,
		Expected: fmt.Sprintf("%s or later; older versions refused", tls.VersionName(c.minVersion))}
	switch {
	case st.Version < c.minVersion:
		l.Status = kind.Fail
		l.Problem = fmt.Sprintf("server negotiates only %s (minimum %s)", tls.VersionName(st.Version), tls.VersionName(c.minVersion))
		l.Remedy = fmt.Sprintf("enable %s on the server and disable older versions (%s)",
			andList(versionNames(c.minVersion, tls.VersionName)), floorConfig(c.target.proto, c.minVersion, true))
	case len(accepted) > 0:
		l.Status = kind.Fail
		l.Problem = "server accepts " + strings.Join(accepted, " and ")
		l.Remedy = fmt.Sprintf("disable TLS versions below %s on the server (%s)", tls.VersionName(c.minVersion), floorConfig(c.target.proto, c.minVersion, false))
	case len(unknown) > 0:
		l.Status = kind.Error
		l.Problem = "could not probe " + strings.Join(unknown, ", ")
		l.Remedy = "run the check again; if it persists, check what drops the extra connections"
	case ep.insecureOnly:
		l.Status = kind.Fail
		l.Observed += " (only when insecure suites are offered: modern clients cannot connect)"
		l.Problem = "server only offers the insecure cipher " + tls.CipherSuiteName(st.CipherSuite)
		l.Remedy = "enable ECDHE with AES-GCM or ChaCha20-Poly1305 suites on the server"
	case insecureSuite(st.CipherSuite):
		l.Status = kind.Warn
		l.Problem = "server prefers the insecure cipher " + tls.CipherSuiteName(st.CipherSuite)
		l.Remedy = "disable RC4, 3DES and CBC-SHA256 suites on the server"
	}
	return l
}

// describeProtocol says what was negotiated and how the server answered each version below the
// floor; it returns the versions it accepted and those that could not be probed.
func describeProtocol(ep endpoint) (observed string, accepted, unknown []string) {
	observed = fmt.Sprintf("negotiated %s, %s", tls.VersionName(ep.state.Version), tls.CipherSuiteName(ep.state.CipherSuite))
	var refused []string
	for _, p := range ep.probes {
		switch {
		case p.accepted:
			accepted = append(accepted, tls.VersionName(p.version))
		case p.inconclusive != "":
			unknown = append(unknown, tls.VersionName(p.version)+" ("+p.inconclusive+")")
		default:
			refused = append(refused, tls.VersionName(p.version))
		}
	}
	if len(refused) > 0 {
		observed += "; refuses " + strings.Join(refused, ", ")
	}
	if len(accepted) > 0 {
		observed += "; ACCEPTS " + strings.Join(accepted, ", ")
	}
	if len(unknown) > 0 {
		observed += "; could not probe " + strings.Join(unknown, ", ")
	}
	if ep.afterCert != "" {
		observed += "; after sending its certificate the server " + ep.afterCert + " (as servers that require a client certificate do)"
	}
	return observed, accepted, unknown
}

// versionNames names every TLS version from floor up to TLS 1.3, oldest first.
func versionNames(floor uint16, name func(uint16) string) []string {
	var names []string
	for v := max(floor, tls.VersionTLS10); v <= tls.VersionTLS13; v++ {
		names = append(names, name(v))
	}
	return names
}

// andList joins names as a sentence does: "a", "a and b", "a, b and c".
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// configName is a TLS version as nginx, Apache and PostgreSQL spell it (OpenSSL's names).
func configName(v uint16) string {
	if v == tls.VersionTLS10 {
		return "TLSv1"
	}
	return "TLSv1." + fmt.Sprint(v-tls.VersionTLS10)
}

// floorConfig is the server configuration that allows exactly the versions from floor up to
// TLS 1.3: postgresql.conf for a postgres:// target, otherwise nginx and Apache, the usual
// terminators in front of a web service. onlyOlder says the server negotiated nothing as new
// as the floor, so a PostgreSQL ceiling below it must go too.
func floorConfig(proto string, floor uint16, onlyOlder bool) string {
	if proto == "postgres" {
		s := fmt.Sprintf("PostgreSQL: ssl_min_protocol_version = '%s'", configName(floor))
		if onlyOlder {
			s += " and ssl_max_protocol_version = ''"
		}
		return s + " in postgresql.conf, then SELECT pg_reload_conf();"
	}
	names := versionNames(floor, configName)
	return fmt.Sprintf("e.g. nginx: ssl_protocols %s; Apache: SSLProtocol -all +%s",
		strings.Join(names, " "), strings.Join(names, " +"))
}

func weakSignature(a x509.SignatureAlgorithm) bool {
	switch a {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		return true
	}
	return false
}

func keyDesc(c *x509.Certificate) (string, bool) {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		return fmt.Sprintf("RSA %d", bits), bits < minRSABits
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name, k.Curve.Params().BitSize < 256
	case ed25519.PublicKey:
		return "Ed25519", false
	case *dsa.PublicKey:
		return "DSA", true
	}
	return c.PublicKeyAlgorithm.String(), false
}

func (c *Certificate) cryptoLine(je *judgedEndpoint) kind.Line {
	l := kind.Line{Label: "key and signatures", Status: kind.Pass,
		Expected: fmt.Sprintf("RSA ≥ %d bits or ECDSA/Ed25519; no SHA-1 or MD5 signatures", minRSABits)}
	var parts, weak []string
	for i, cert := range je.chain {
		kd, weakKey := keyDesc(cert)
		anchor := i == len(je.chain)-1 && i > 0 && selfIssued(cert)
		sig := cert.SignatureAlgorithm.String()
		if anchor {
			sig = "self-signed root"
		}
		parts = append(parts, fmt.Sprintf("%s: %s, %s", role(je.chain, cert), kd, sig))
		if weakKey {
			weak = append(weak, fmt.Sprintf("%s %s has a weak %s key", role(je.chain, cert), name(cert), kd))
		}
		// A root's own signature is never checked by clients, so only signatures that are
		// verified count.
		if !anchor && weakSignature(cert.SignatureAlgorithm) {
			weak = append(weak, fmt.Sprintf("%s %s is signed with %s", role(je.chain, cert), name(cert), cert.SignatureAlgorithm))
		}
	}
	l.Observed = strings.Join(parts, "; ")
	if len(weak) > 0 {
		l.Status = kind.Fail
		l.Observed = strings.Join(weak, "; ") + " (" + l.Observed + ")"
		l.Problem = strings.Join(weak, "; ")
		l.Remedy = "reissue with an RSA key of 2048+ bits (or ECDSA P-256) and SHA-256 signatures throughout the chain"
	}
	return l
}

func (c *Certificate) ocspLine(je *judgedEndpoint, now time.Time) kind.Line {
	expected := "a stapled OCSP response saying good"
	if !c.RequireOCSPStaple {
		expected = "optional; if stapled, good"
	}
	raw := je.ep.state.OCSPResponse
	var l kind.Line
	if len(raw) == 0 {
		l = kind.Line{Status: kind.Fail, Observed: "no OCSP response stapled", Problem: "no OCSP staple (require_ocsp_staple is on)",
			Remedy: "enable OCSP stapling on the server (nginx: ssl_stapling on; ssl_stapling_verify on;)"}
	} else {
		var issuer *x509.Certificate
		if len(je.chain) > 1 {
			issuer = je.chain[1]
		}
		l = stapleStatus(raw, je.ep.state.PeerCertificates[0], issuer, now)
	}
	l.Label, l.Expected = "ocsp staple", expected
	return l
}

// stapleStatus judges a stapled OCSP response: it must parse, be signed for this leaf, be fresh
// and say good.
func stapleStatus(raw []byte, leaf, issuer *x509.Certificate, now time.Time) kind.Line {
	resp, err := ocsp.ParseResponseForCert(raw, leaf, issuer)
	if err != nil {
		return kind.Line{Status: kind.Fail, Observed: "the stapled OCSP response does not parse or verify: " + err.Error(),
			Problem: "invalid OCSP staple", Remedy: "fix the server's OCSP stapling (it staples a broken or foreign response)"}
	}
	upd := fmt.Sprintf("updated %s", stamp(resp.ThisUpdate))
	if !resp.NextUpdate.IsZero() {
		upd += ", next update " + stamp(resp.NextUpdate)
	}
	switch {
	case resp.Status == ocsp.Good && !resp.NextUpdate.IsZero() && now.After(resp.NextUpdate):
		return kind.Line{Status: kind.Fail, Observed: "stapled response says good but is stale (" + upd + ")",
			Problem: "stale OCSP staple", Remedy: "check that the server can reach its CA's OCSP responder to refresh the staple"}
	case resp.Status == ocsp.Good:
		return kind.Line{Status: kind.Pass, Observed: "good (" + upd + ")"}
	case resp.Status == ocsp.Revoked:
		return kind.Line{Status: kind.Fail, Observed: fmt.Sprintf("REVOKED on %s (%s)", stamp(resp.RevokedAt), upd),
			Problem: "the certificate is revoked (OCSP)", Remedy: "issue and deploy a new certificate now: clients reject a revoked one"}
	}
	return kind.Line{Status: kind.Fail, Observed: "the responder does not know the certificate (" + upd + ")",
		Problem: "OCSP status unknown", Remedy: "check that the staple comes from the certificate's own CA"}
}

// consistency compares what the addresses serve: the incident this check exists for is one
// server behind a name still serving last year's certificate.
func (c *Certificate) consistency(judged []*judgedEndpoint) kind.Line {
	l := kind.Line{Label: "same certificate on every address", Expected: "one certificate behind the name", Status: kind.Pass}
	if !c.ExpectSameCert {
		l.Expected = "not required (expect_same_cert: false)"
	}
	var order []string
	served := map[string][]string{}
	desc := map[string]string{}
	for _, je := range judged {
		if je.ep.failure != nil {
			continue
		}
		leaf := je.ep.state.PeerCertificates[0]
		k := string(leaf.Raw)
		if _, ok := served[k]; !ok {
			order = append(order, k)
			desc[k] = fmt.Sprintf("serial %s, expires %s", serial(leaf), day(leaf.NotAfter))
		}
		served[k] = append(served[k], je.ep.ip)
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, strings.Join(served[k], ", ")+" serve"+kind.Plural(len(served[k]), "s", "")+" "+desc[k])
	}
	switch len(order) {
	case 0:
		l.Observed = "no address completed a handshake"
		l.Status = kind.Error
		return l
	case 1:
		l.Observed = "all reachable addresses serve " + desc[order[0]]
		return l
	}
	l.Observed = strings.Join(parts, "; ")
	if c.ExpectSameCert {
		l.Status = kind.Fail
		l.Problem = "addresses serve different certificates (" + l.Observed + ")"
		l.Remedy = "make every server behind the name serve the same current certificate (or set expect_same_cert: false if they differ on purpose)"
	}
	return l
}

// describeChain is the readable certificate summary: one line per chain element, plus any
// certificate the server sent that the verified chain does not use.
func (c *Certificate) describeChain(je *judgedEndpoint, now time.Time) []kind.Line {
	var out []kind.Line
	for i, cert := range je.chain {
		st := kind.Pass
		rest := cert.NotAfter.Sub(now)
		switch {
		case now.Before(cert.NotBefore) || rest < 0 || rest <= c.FailWithin.D():
			st = kind.Fail
		case rest <= c.WarnWithin.D():
			st = kind.Warn
		}
		obs := fmt.Sprintf("subject %s", subject(cert))
		if i == 0 {
			obs += "; SANs " + coveredNames(cert)
		}
		obs += fmt.Sprintf("; issuer %s; valid %s to %s (%s); serial %s", issuerName(cert), day(cert.NotBefore), stamp(cert.NotAfter), status(cert, now), serial(cert))
		out = append(out, kind.Line{Label: fmt.Sprintf("certificate %d (%s)", i, role(je.chain, cert)), Observed: obs, Status: st})
	}
	for _, sent := range je.ep.state.PeerCertificates {
		used := false
		for _, cert := range je.chain {
			if bytes.Equal(cert.Raw, sent.Raw) {
				used = true
			}
		}
		if !used {
			out = append(out, kind.Line{Label: "also sent, unused", Status: kind.Pass,
				Observed: fmt.Sprintf("subject %s; issuer %s; valid to %s (%s): not part of the verified chain, so it does not count",
					subject(sent), issuerName(sent), stamp(sent.NotAfter), status(sent, now))})
		}
	}
	return out
}

func status(c *x509.Certificate, now time.Time) string {
	switch {
	case now.Before(c.NotBefore):
		return "not valid yet"
	case now.After(c.NotAfter):
		return "expired " + left(now.Sub(c.NotAfter)) + " ago"
	}
	return left(c.NotAfter.Sub(now)) + " left"
}

func role(chain []*x509.Certificate, c *x509.Certificate) string {
	switch {
	case c == chain[0]:
		return "leaf"
	case c == chain[len(chain)-1] && selfIssued(c):
		return "root"
	}
	return "intermediate"
}

func name(c *x509.Certificate) string { return fmt.Sprintf("%q", subject(c)) }

// subject and issuerName are names the certificate's owner chose, so they are clipped.
func subject(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return probe.Clip(c.Subject.CommonName)
	}
	return probe.Clip(c.Subject.String())
}

func issuerName(c *x509.Certificate) string {
	if c.Issuer.CommonName != "" {
		return probe.Clip(c.Issuer.CommonName)
	}
	return probe.Clip(c.Issuer.String())
}

func chainNames(chain []*x509.Certificate) string {
	parts := make([]string, len(chain))
	for i, c := range chain {
		parts[i] = name(c)
	}
	return strings.Join(parts, " ← ") + " (trusted root)"
}

func serial(c *x509.Certificate) string {
	s := probe.Clip(hex.EncodeToString(c.SerialNumber.Bytes()))
	if s == "" {
		s = "00"
	}
	return s
}

func day(t time.Time) string   { return t.UTC().Format("2006-01-02") }
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// left prints a span the way a person counts it: days when there are some, else hours.
func left(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}
