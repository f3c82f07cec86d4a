package tlscheck

import (
	"bytes"
	"crypto/dsa" //nolint:staticcheck // only to recognise (and fail) DSA keys.
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

// item is one judgement about one address, before it becomes evidence.
type item struct {
	label    string
	observed string
	expected string
	status   kind.Status
	// problem is the phrase the summary uses when the item did not pass.
	problem string
	remedy  string
}

// verdict is everything judged about one address.
type verdict struct {
	ep endpoint
	// chain is the verified chain, leaf first; when nothing verified it is the presented chain.
	chain    []*x509.Certificate
	verified bool
	items    []item
}

func (v *verdict) add(it item) { v.items = append(v.items, it) }

// judge turns what every address served into one result.
func (c *Certificate) judge(eps []endpoint, total int, roots *x509.CertPool, now time.Time) kind.Result {
	var r kind.Result
	var problems, remedies []string
	worst := kind.Pass
	anyFail, anyError := false, false
	add := func(ip string, it item) {
		label := it.label
		if ip != "" {
			label = ip + " " + label
		}
		r.Evidence = append(r.Evidence, kind.Evidence{Label: label, Observed: it.observed, Expected: it.expected, Status: it.status})
		switch it.status {
		case kind.Fail:
			anyFail = true
		case kind.Error:
			anyError = true
		}
		worst = kind.Worst(worst, it.status)
		if it.status.Problem() && it.problem != "" {
			p := it.problem
			if ip != "" {
				p = ip + ": " + p
			}
			problems = append(problems, p)
			if it.remedy != "" {
				remedies = append(remedies, it.remedy)
			}
		}
	}

	ips := make([]string, len(eps))
	for i, ep := range eps {
		ips[i] = ep.ip
	}
	addrObs := strings.Join(ips, ", ")
	switch {
	case total > len(eps) && !c.AllIPs:
		addrObs += fmt.Sprintf(" (1 of %d addresses: all_ips is off)", total)
	case total > len(eps):
		addrObs += fmt.Sprintf(" (the first %d of %d addresses)", len(eps), total)
	case net.ParseIP(c.target.host) != nil:
	default:
		addrObs += fmt.Sprintf(" (%s resolves to %d)", c.target.host, total)
	}
	add("", item{label: "addresses", observed: addrObs, expected: "every address serves a good certificate", status: kind.Pass})

	verdicts := make([]*verdict, len(eps))
	for i, ep := range eps {
		verdicts[i] = c.judgeEndpoint(ep, roots, now)
	}

	// The certificate summary: once per distinct chain, naming the addresses serving it.
	type group struct {
		v   *verdict
		ips []string
	}
	var groups []*group
	byLeaf := map[string]*group{}
	for _, v := range verdicts {
		if v.ep.failure != nil {
			continue
		}
		k := string(v.ep.state.PeerCertificates[0].Raw)
		if g, ok := byLeaf[k]; ok {
			g.ips = append(g.ips, v.ep.ip)
			continue
		}
		g := &group{v: v, ips: []string{v.ep.ip}}
		byLeaf[k] = g
		groups = append(groups, g)
	}
	for _, g := range groups {
		prefix := ""
		if len(groups) > 1 {
			prefix = strings.Join(g.ips, ", ") + " "
		}
		for _, it := range c.describeChain(g.v, now) {
			it.label = prefix + it.label
			// Summary lines carry their own status but their problems are named by the
			// judgement lines below, so they add none to the summary.
			it.problem = ""
			add("", it)
		}
	}

	// Addresses that were judged identically are reported once, named together; with one such
	// group (every address alike) the lines carry no address at all.
	var order []string
	judged := map[string][]*verdict{}
	for _, v := range verdicts {
		var key strings.Builder
		for _, it := range v.items {
			fmt.Fprintf(&key, "%s\x00%d\x00%s\x00", it.label, it.status, it.observed)
		}
		k := key.String()
		if _, ok := judged[k]; !ok {
			order = append(order, k)
		}
		judged[k] = append(judged[k], v)
	}
	for _, k := range order {
		vs := judged[k]
		who := ""
		if len(order) > 1 {
			names := make([]string, len(vs))
			for i, v := range vs {
				names[i] = v.ep.ip
			}
			who = strings.Join(names, ", ")
		}
		for _, it := range vs[0].items {
			add(who, it)
		}
	}

	if len(eps) > 1 {
		add("", c.consistency(verdicts))
	}

	switch {
	case anyFail:
		r.Status = kind.Fail
	case anyError:
		r.Status = kind.Error
	default:
		r.Status = worst
	}
	if r.Status == kind.Pass {
		r.Summary = c.passSummary(verdicts, now)
		return r
	}
	problems = kind.Unique(problems)
	if len(problems) > 3 {
		problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
	}
	r.Summary = c.target.String() + ": " + strings.Join(problems, "; ")
	r.Remedy = strings.Join(kind.Unique(remedies), "; ")
	return r
}

func (c *Certificate) passSummary(vs []*verdict, now time.Time) string {
	v := vs[0]
	e := earliest(v.chain)
	where := ""
	if len(vs) > 1 {
		where = fmt.Sprintf(" on all %d addresses", len(vs))
	}
	return fmt.Sprintf("%s: trusted certificate for %s, valid until %s (%s left)%s, %s", c.target.String(), c.serverName(),
		day(e.NotAfter), left(e.NotAfter.Sub(now)), where, tls.VersionName(v.ep.state.Version))
}

// judgeEndpoint judges one address on its own, as a client connecting only to it would.
func (c *Certificate) judgeEndpoint(ep endpoint, roots *x509.CertPool, now time.Time) *verdict {
	v := &verdict{ep: ep}
	if ep.failure != nil {
		st := kind.Error
		if ep.failure.noTLS {
			st = kind.Fail
		}
		v.add(item{label: "connection", observed: ep.failure.msg, expected: "a TLS handshake", status: st,
			problem: ep.failure.msg, remedy: ep.failure.remedy})
		return v
	}
	certs := ep.state.PeerCertificates
	chain, shifted, err := verifyChain(certs, roots, now)
	v.chain, v.verified = chain, err == nil
	if err != nil {
		v.chain = certs
	}
	v.add(c.trustItem(certs, chain, shifted, err))
	v.add(c.hostnameItem(certs[0]))
	v.add(c.expiryItem(v, now))
	v.add(c.protocolItem(ep))
	v.add(c.cryptoItem(v))
	if c.RequireOCSPStaple || len(ep.state.OCSPResponse) > 0 {
		v.add(c.ocspItem(v, now))
	}
	return v
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

func (c *Certificate) trustItem(certs, chain []*x509.Certificate, shifted bool, err error) item {
	it := item{label: "trust", expected: "a chain to a trusted root"}
	if c.CAFile != "" {
		it.expected += " (system roots + ca_file)"
	}
	if err == nil {
		it.status = kind.Pass
		root := chain[len(chain)-1]
		it.observed = fmt.Sprintf("verified: %s", chainNames(chain))
		if len(chain) == 1 {
			it.observed = fmt.Sprintf("verified: %s is itself a trusted root", name(root))
		}
		if shifted {
			it.observed += " (the chain is sound; its dates are judged below)"
		}
		return it
	}
	it.status = kind.Fail
	leaf := certs[0]
	for _, cert := range certs {
		if weakSignature(cert.SignatureAlgorithm) && !(selfIssued(cert) && cert != leaf) {
			it.observed = fmt.Sprintf("cannot be verified: %s is signed with %s, which browsers and modern clients reject", name(cert), cert.SignatureAlgorithm)
			it.problem = "certificate signed with " + cert.SignatureAlgorithm.String() + " is rejected by clients"
			it.remedy = "reissue the certificate (and intermediates) with SHA-256 signatures"
			return it
		}
	}
	var invalid x509.CertificateInvalidError
	if errors.As(err, &invalid) {
		switch invalid.Reason {
		case x509.IncompatibleUsage:
			it.observed = fmt.Sprintf("%s is not valid for TLS server authentication (extended key usage)", name(invalid.Cert))
			it.problem = "certificate is not issued for TLS servers"
			it.remedy = "reissue the certificate with the serverAuth extended key usage"
			return it
		case x509.NotAuthorizedToSign:
			it.observed = fmt.Sprintf("%s signed another certificate but is not a CA", name(invalid.Cert))
			it.problem = "the chain contains a non-CA certificate as issuer"
			it.remedy = "serve the CA's real intermediate certificate"
			return it
		}
	}
	if selfIssued(leaf) {
		it.observed = fmt.Sprintf("self-signed certificate %s, which no client trusts", name(leaf))
		it.problem = "self-signed certificate"
		it.remedy = "replace the self-signed certificate with one from a trusted CA (or, if only your own clients connect, give them and this check its CA with ca_file)"
		return it
	}
	// Follow issuers through what the server sent to see where the chain stops.
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
		it.observed = fmt.Sprintf("untrusted root: the chain ends at the self-signed %s, which is not a trusted root", name(top))
		it.problem = "certificate chains to an untrusted root " + name(top)
		it.remedy = "use a certificate from a publicly trusted CA, or add the private CA with ca_file if every client trusts it"
	case top == leaf:
		// Public CAs never issue leaves from a root (CA/Browser Forum baseline requirements), so
		// a lone leaf whose issuer is not a trusted root is missing its intermediate; a private CA
		// that issues from its root directly looks the same, hence the second hint.
		it.observed = fmt.Sprintf("incomplete chain: the server sent only the leaf, and its issuer %q is not a trusted root (missing intermediate certificate; or, if %q is a private CA, it is not trusted here)", issuerName(leaf), issuerName(leaf))
		it.problem = "incomplete chain: intermediate certificate missing"
		it.remedy = "configure the server to send the intermediate certificate(s) after the leaf (the full-chain file, e.g. fullchain.pem); for a private CA, give its root with ca_file"
	default:
		it.observed = fmt.Sprintf("untrusted root: the chain ends at %s, issued by %q, which is neither sent nor a trusted root", name(top), issuerName(top))
		it.problem = fmt.Sprintf("certificate chains to %q, which is not a trusted root", issuerName(top))
		it.remedy = "use a certificate from a publicly trusted CA and send all its intermediates, or add the private CA with ca_file"
	}
	return it
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

func (c *Certificate) hostnameItem(leaf *x509.Certificate) item {
	sn := c.serverName()
	it := item{label: "hostname", expected: "covers " + sn}
	if c.target.proto == "postgres" && c.target.sslmode == "verify-ca" {
		it.status, it.observed = kind.Pass, "not checked: the URL says sslmode=verify-ca"
		return it
	}
	covered := coveredNames(leaf)
	if err := leaf.VerifyHostname(sn); err == nil {
		it.status = kind.Pass
		it.observed = "covered (SANs: " + covered + ")"
		return it
	}
	it.status = kind.Fail
	it.observed = fmt.Sprintf("%s is not covered; the certificate covers: %s", sn, covered)
	if len(leaf.DNSNames) == 0 && len(leaf.IPAddresses) == 0 && leaf.Subject.CommonName != "" {
		it.observed += fmt.Sprintf(" (its common name %q is ignored by modern clients: names belong in the SANs)", probe.Clip(leaf.Subject.CommonName))
	}
	it.problem = fmt.Sprintf("certificate does not cover %s (covers %s)", sn, covered)
	it.remedy = fmt.Sprintf("serve a certificate whose SANs include %s, or set server_name to the name clients use", sn)
	return it
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

func (c *Certificate) expiryItem(v *verdict, now time.Time) item {
	it := item{label: "expiry", expected: fmt.Sprintf("more than %s left (fail within %s)", c.WarnWithin, c.FailWithin)}
	of := ""
	if !v.verified {
		of = " (of the presented chain: it did not verify)"
	}
	for _, cert := range v.chain {
		if now.Before(cert.NotBefore) {
			it.status = kind.Fail
			it.observed = fmt.Sprintf("%s %s is not valid until %s (in %s)%s", role(v.chain, cert), name(cert), stamp(cert.NotBefore), left(cert.NotBefore.Sub(now)), of)
			it.problem = fmt.Sprintf("%s %s is not valid yet (from %s)", role(v.chain, cert), name(cert), stamp(cert.NotBefore))
			it.remedy = "serve a certificate that is valid now: check its dates and the clock of whatever issued it"
			return it
		}
	}
	e := earliest(v.chain)
	rest := e.NotAfter.Sub(now)
	what := fmt.Sprintf("%s %s", role(v.chain, e), name(e))
	renew := "renew the certificate and deploy it to every server behind the name"
	if e != v.chain[0] {
		renew = "install the CA's current intermediate certificate (the one in use expires first) on every server"
	}
	switch {
	case rest < 0:
		it.status = kind.Fail
		it.observed = fmt.Sprintf("%s expired on %s (%s ago)%s", what, stamp(e.NotAfter), left(-rest), of)
		it.problem = fmt.Sprintf("%s expired %s ago (%s)", what, left(-rest), day(e.NotAfter))
	case rest <= c.FailWithin.D():
		it.status = kind.Fail
		it.observed = fmt.Sprintf("%s expires on %s (%s left)%s", what, stamp(e.NotAfter), left(rest), of)
		it.problem = fmt.Sprintf("%s expires in %s (%s), inside fail_within %s", what, left(rest), day(e.NotAfter), c.FailWithin)
	case rest <= c.WarnWithin.D():
		it.status = kind.Warn
		it.observed = fmt.Sprintf("%s expires on %s (%s left)%s", what, stamp(e.NotAfter), left(rest), of)
		it.problem = fmt.Sprintf("%s expires in %s (%s), inside warn_within %s", what, left(rest), day(e.NotAfter), c.WarnWithin)
	default:
		it.status = kind.Pass
		it.observed = fmt.Sprintf("earliest in the chain: %s on %s (%s left)%s", what, stamp(e.NotAfter), left(rest), of)
		return it
	}
	it.remedy = renew
	return it
}

func (c *Certificate) protocolItem(ep endpoint) item {
	st := ep.state
	it := item{label: "protocol", status: kind.Pass,
		expected: fmt.Sprintf("%s or later; older versions refused", tls.VersionName(c.minVersion))}
	obs := fmt.Sprintf("negotiated %s, %s", tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
	var refused, accepted, unknown []string
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
		obs += "; refuses " + strings.Join(refused, ", ")
	}
	if len(accepted) > 0 {
		obs += "; ACCEPTS " + strings.Join(accepted, ", ")
	}
	if len(unknown) > 0 {
		obs += "; could not probe " + strings.Join(unknown, ", ")
	}
	if ep.afterCert != "" {
		obs += "; after sending its certificate the server " + ep.afterCert + " (as servers that require a client certificate do)"
	}
	it.observed = obs
	switch {
	case st.Version < c.minVersion:
		it.status = kind.Fail
		it.problem = fmt.Sprintf("server negotiates only %s (minimum %s)", tls.VersionName(st.Version), tls.VersionName(c.minVersion))
		it.remedy = fmt.Sprintf("enable %s on the server and disable older versions (%s)",
			andList(versionNames(c.minVersion, tls.VersionName)), floorConfig(c.target.proto, c.minVersion, true))
	case len(accepted) > 0:
		it.status = kind.Fail
		it.problem = "server accepts " + strings.Join(accepted, " and ")
		it.remedy = fmt.Sprintf("disable TLS versions below %s on the server (%s)", tls.VersionName(c.minVersion), floorConfig(c.target.proto, c.minVersion, false))
	case len(unknown) > 0:
		it.status = kind.Error
		it.problem = "could not probe " + strings.Join(unknown, ", ")
		it.remedy = "run the check again; if it persists, check what drops the extra connections"
	case ep.insecureOnly:
		it.status = kind.Fail
		it.observed += " (only when insecure suites are offered: modern clients cannot connect)"
		it.problem = "server only offers the insecure cipher " + tls.CipherSuiteName(st.CipherSuite)
		it.remedy = "enable ECDHE with AES-GCM or ChaCha20-Poly1305 suites on the server"
	case insecureSuite(st.CipherSuite):
		it.status = kind.Warn
		it.problem = "server prefers the insecure cipher " + tls.CipherSuiteName(st.CipherSuite)
		it.remedy = "disable RC4, 3DES and CBC-SHA256 suites on the server"
	}
	return it
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

func (c *Certificate) cryptoItem(v *verdict) item {
	it := item{label: "key and signatures", status: kind.Pass,
		expected: fmt.Sprintf("RSA ≥ %d bits or ECDSA/Ed25519; no SHA-1 or MD5 signatures", minRSABits)}
	var parts, weak []string
	for i, cert := range v.chain {
		kd, weakKey := keyDesc(cert)
		anchor := i == len(v.chain)-1 && i > 0 && selfIssued(cert)
		sig := cert.SignatureAlgorithm.String()
		if anchor {
			sig = "self-signed root"
		}
		parts = append(parts, fmt.Sprintf("%s: %s, %s", role(v.chain, cert), kd, sig))
		if weakKey {
			weak = append(weak, fmt.Sprintf("%s %s has a weak %s key", role(v.chain, cert), name(cert), kd))
		}
		// A root's own signature is never checked by clients, so only signatures that are
		// verified count.
		if !anchor && weakSignature(cert.SignatureAlgorithm) {
			weak = append(weak, fmt.Sprintf("%s %s is signed with %s", role(v.chain, cert), name(cert), cert.SignatureAlgorithm))
		}
	}
	it.observed = strings.Join(parts, "; ")
	if len(weak) > 0 {
		it.status = kind.Fail
		it.observed = strings.Join(weak, "; ") + " (" + it.observed + ")"
		it.problem = strings.Join(weak, "; ")
		it.remedy = "reissue with an RSA key of 2048+ bits (or ECDSA P-256) and SHA-256 signatures throughout the chain"
	}
	return it
}

func (c *Certificate) ocspItem(v *verdict, now time.Time) item {
	it := item{label: "ocsp staple", expected: "a stapled OCSP response saying good"}
	if !c.RequireOCSPStaple {
		it.expected = "optional; if stapled, good"
	}
	raw := v.ep.state.OCSPResponse
	if len(raw) == 0 {
		it.status = kind.Fail
		it.observed = "no OCSP response stapled"
		it.problem = "no OCSP staple (require_ocsp_staple is on)"
		it.remedy = "enable OCSP stapling on the server (nginx: ssl_stapling on; ssl_stapling_verify on;)"
		return it
	}
	leaf := v.ep.state.PeerCertificates[0]
	var issuer *x509.Certificate
	if len(v.chain) > 1 {
		issuer = v.chain[1]
	}
	resp, err := ocsp.ParseResponseForCert(raw, leaf, issuer)
	if err != nil {
		it.status = kind.Fail
		it.observed = "the stapled OCSP response does not parse or verify: " + err.Error()
		it.problem = "invalid OCSP staple"
		it.remedy = "fix the server's OCSP stapling (it staples a broken or foreign response)"
		return it
	}
	upd := fmt.Sprintf("updated %s", stamp(resp.ThisUpdate))
	if !resp.NextUpdate.IsZero() {
		upd += ", next update " + stamp(resp.NextUpdate)
	}
	switch resp.Status {
	case ocsp.Good:
		if !resp.NextUpdate.IsZero() && now.After(resp.NextUpdate) {
			it.status = kind.Fail
			it.observed = "stapled response says good but is stale (" + upd + ")"
			it.problem = "stale OCSP staple"
			it.remedy = "check that the server can reach its CA's OCSP responder to refresh the staple"
			return it
		}
		it.status, it.observed = kind.Pass, "good ("+upd+")"
	case ocsp.Revoked:
		it.status = kind.Fail
		it.observed = fmt.Sprintf("REVOKED on %s (%s)", stamp(resp.RevokedAt), upd)
		it.problem = "the certificate is revoked (OCSP)"
		it.remedy = "issue and deploy a new certificate now: clients reject a revoked one"
	default:
		it.status = kind.Fail
		it.observed = "the responder does not know the certificate (" + upd + ")"
		it.problem = "OCSP status unknown"
		it.remedy = "check that the staple comes from the certificate's own CA"
	}
	return it
}

// consistency compares what the addresses serve: the incident this check exists for is one
// server behind a name still serving last year's certificate.
func (c *Certificate) consistency(vs []*verdict) item {
	it := item{label: "same certificate on every address", expected: "one certificate behind the name", status: kind.Pass}
	if !c.ExpectSameCert {
		it.expected = "not required (expect_same_cert: false)"
	}
	var order []string
	served := map[string][]string{}
	desc := map[string]string{}
	for _, v := range vs {
		if v.ep.failure != nil {
			continue
		}
		leaf := v.ep.state.PeerCertificates[0]
		k := string(leaf.Raw)
		if _, ok := served[k]; !ok {
			order = append(order, k)
			desc[k] = fmt.Sprintf("serial %s, expires %s", serial(leaf), day(leaf.NotAfter))
		}
		served[k] = append(served[k], v.ep.ip)
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, strings.Join(served[k], ", ")+" serve"+kind.Plural(len(served[k]), "s", "")+" "+desc[k])
	}
	switch len(order) {
	case 0:
		it.observed = "no address completed a handshake"
		it.status = kind.Error
		return it
	case 1:
		it.observed = "all reachable addresses serve " + desc[order[0]]
		return it
	}
	it.observed = strings.Join(parts, "; ")
	if c.ExpectSameCert {
		it.status = kind.Fail
		it.problem = "addresses serve different certificates (" + it.observed + ")"
		it.remedy = "make every server behind the name serve the same current certificate (or set expect_same_cert: false if they differ on purpose)"
	}
	return it
}

// describeChain is the readable certificate summary: one line per chain element, plus any
// certificate the server sent that the verified chain does not use.
func (c *Certificate) describeChain(v *verdict, now time.Time) []item {
	var out []item
	for i, cert := range v.chain {
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
		out = append(out, item{label: fmt.Sprintf("certificate %d (%s)", i, role(v.chain, cert)), observed: obs, status: st})
	}
	for _, sent := range v.ep.state.PeerCertificates {
		used := false
		for _, cert := range v.chain {
			if bytes.Equal(cert.Raw, sent.Raw) {
				used = true
			}
		}
		if !used {
			out = append(out, item{label: "also sent, unused", status: kind.Pass,
				observed: fmt.Sprintf("subject %s; issuer %s; valid to %s (%s): not part of the verified chain, so it does not count",
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
