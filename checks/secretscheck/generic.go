package secretscheck

import (
	"bytes"
	"strings"
)

// The generic rule: a high-entropy value assigned to a name that says it is secret
// (password=…, "api_key": "…", const apiToken = "…", <secret>…</secret>,
// define('DB_PASSWORD', '…')). It is parsed rather than matched by a regular expression so that
// it is both fast and strict about what counts as an assignment and what counts as a secret
// name.

// stopWords in a value mean it is a word, a reference or configuration, not a credential.
var stopWords = []string{
	"true", "false", "null", "none", "undefined", "localhost", "function", "return", "string",
	"bearer", "basic", "secret", "token", "password", "passwd", "api_key", "apikey", "config",
	"default", "value", "public", "private", "enabled", "disabled", "required", "optional",
	"http", "www.", "env", "getenv", "process", "settings", "param", "vault:", "arn:aws",
	"ssm:", "file:", "keyvault", "secretsmanager",
}

func isIdentByte(c byte) bool { return isWordByte(c) || c == '.' || c == '-' }

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// assignment parses name = value around a keyword hit at ks (length kl) on the line [ls, le).
// It returns the end of the name it looked at (so that a second keyword in the same name is
// not parsed twice), or -1 when the name was already done.
func (s *scanner) assignment(r *Rule, buf []byte, ls, le, ks, kl int, o fileOpts, lastEnd int) int {
	is := ks
	for is > ls && isIdentByte(buf[is-1]) {
		is--
	}
	ie := ks + kl
	for ie < le && isIdentByte(buf[ie]) {
		ie++
	}
	if ie == lastEnd {
		return -1
	}
	// ${DB_PASSWORD:-x} refers to a secret kept elsewhere.
	if is > ls+1 && buf[is-1] == '{' && buf[is-2] == '$' {
		return ie
	}
	vs, ve, quoted := assignedValueAt(buf, ls, le, is, ie, o)
	if vs < 0 {
		return ie
	}
	// "--- PASS: TestName" is go test's output, not a password.
	if string(buf[is:ie]) == "PASS" {
		return ie
	}
	strength := judgeName(buf[is:ie])
	if strength == notSecret {
		return ie
	}
	v := string(buf[vs:ve])
	legacy := ""
	if !quoted {
		// Before values could hold punctuation the rule cut them at the first of these: what a
		// version 1 baseline hashed.
		if i := strings.IndexAny(v, "#;,`"); i >= 0 {
			legacy = v[:i]
		}
	}
	if !plausibleSecretValue(v, quoted, strength) || entropy(v) < r.Entropy {
		return ie
	}
	s.out = append(s.out, match{rule: r, secret: v, start: vs, end: ve, legacy: legacy})
	return ie
}

// assignedValueAt finds the value assigned to the name at [is, ie) on the line [ls, le): after
// name =, name :=, name =>, name:, "name": (and ['name'] =), <name>value</name>,
// key="name" value="…" (.NET configuration) and define('name', 'value') (PHP). It
// returns the value's bounds, or -1 when the name is not assigned a value there.
func assignedValueAt(buf []byte, ls, le, is, ie int, o fileOpts) (vs, ve int, quoted bool) {
	p := ie
	var nameQuote byte
	if p < le && (buf[p] == '"' || buf[p] == '\'') {
		nameQuote = buf[p]
		p++ // "api_key": …
	}
	if nameQuote != 0 && p < le && buf[p] == ']' {
		p++ // config['SECRET_KEY'] = …
	}
	if nameQuote == 0 && is > ls && buf[is-1] == '<' && p < le && buf[p] == '>' {
		return elementValue(buf, p+1, le)
	}
	p = skipSpaces(buf, p, le)
	if nameQuote != 0 {
		if vs, ve, quoted, ok := quotedNameValue(buf, ls, le, is, p, nameQuote); ok {
			return vs, ve, quoted
		}
	}
	p, ok := afterAssignment(buf, p, le)
	if !ok {
		return -1, -1, false
	}
	return valueAt(buf, p, le, o)
}

// elementValue reads <password>value</password> from just after the opening tag at vs.
func elementValue(buf []byte, vs, le int) (int, int, bool) {
	i := bytes.IndexByte(buf[vs:le], '<')
	if i < 0 || !bytes.HasPrefix(buf[vs+i:le], []byte("</")) {
		return -1, -1, false
	}
	return vs, vs + i, true
}

func skipSpaces(buf []byte, p, le int) int {
	for p < le && isSpaceByte(buf[p]) {
		p++
	}
	return p
}

// quotedNameValue reads the value of a quoted name where what follows it is not an assignment
// operator: PHP's define('DB_PASSWORD', 'value') and .NET's <add key="ApiKey" value="…"/>, where
// only a quoted value counts (other calls with a name and a value are too often lists of
// names, or test set-up). ok is false where neither form is there.
func quotedNameValue(buf []byte, ls, le, is, p int, nameQuote byte) (vs, ve int, quoted, ok bool) {
	rest := buf[p:le]
	switch {
	case len(rest) > 0 && rest[0] == ',' && bytes.HasSuffix(bytes.ToLower(buf[max(ls, is-8):is]), []byte("define("+string(nameQuote))):
		p = skipSpaces(buf, p+1, le)
	case bytes.HasPrefix(rest, []byte("value=")):
		p += len("value=")
	default:
		return 0, 0, false, false
	}
	if p >= le || (buf[p] != '"' && buf[p] != '\'') {
		return -1, -1, false, true
	}
	vs, ve, quoted = quotedValue(buf, p, le)
	return vs, ve, quoted, true
}

// afterAssignment returns where the value starts after an assignment operator at p (=, :=, =>,
// ?=, :), or false where there is none (==, !=, ===, ::, anything else).
func afterAssignment(buf []byte, p, le int) (int, bool) {
	rest := buf[p:le]
	switch {
	case bytes.HasPrefix(rest, []byte(":=")), bytes.HasPrefix(rest, []byte("=>")),
		bytes.HasPrefix(rest, []byte("?=")):
		p += 2
	case bytes.HasPrefix(rest, []byte("==")), bytes.HasPrefix(rest, []byte("!=")):
		return 0, false
	case len(rest) > 0 && (rest[0] == '=' || rest[0] == ':'):
		p++
	default:
		return 0, false
	}
	if p < le && (buf[p] == '=' || buf[p] == ':') {
		return 0, false // ===, ::
	}
	p = skipSpaces(buf, p, le)
	return p, p < le
}

// valueAt reads the value that starts at p: a string literal (Python's b'…', r'…', rb'…'
// too) or, outside code, an unquoted value: any printable character up to a space or a quote.
func valueAt(buf []byte, p, le int, o fileOpts) (vs, ve int, quoted bool) {
	q := p
	for q < le && q < p+2 && (buf[q] == 'b' || buf[q] == 'r' || buf[q] == 'u' || buf[q] == 'B' || buf[q] == 'R') {
		q++
	}
	if q < le && q > p && (buf[q] == '"' || buf[q] == '\'') {
		p = q
	}
	if c := buf[p]; c == '"' || c == '\'' || c == '`' {
		return quotedValue(buf, p, le)
	}
	if o.code {
		return -1, -1, false // in code only a string literal is a value; anything else is an expression
	}
	ve = p
	for ve < le && buf[ve] > ' ' && buf[ve] != '"' && buf[ve] != '\'' && buf[ve] < 0x7f {
		ve++
	}
	if ve < le && buf[ve] >= 0x7f {
		return -1, -1, false // not ASCII: text, not a credential
	}
	// A flow mapping ({password: x, user: y}) or a statement ends at its separator.
	for ve > p && (buf[ve-1] == ',' || buf[ve-1] == ';') {
		ve--
	}
	return p, ve, false
}

// quotedValue returns the value of the string literal opening at p, up to its closing quote on
// the same line.
func quotedValue(buf []byte, p, le int) (vs, ve int, quoted bool) {
	q := buf[p]
	vs = p + 1
	i := bytes.IndexByte(buf[vs:le], q)
	if i < 0 {
		return -1, -1, false
	}
	return vs, vs + i, true
}

// nameStrength is how strongly a name says it holds a secret.
type nameStrength int

const (
	notSecret nameStrength = iota
	// weakName is a bare key (key=, Key:): a secret only when the value looks generated.
	weakName
	// keyName is a key of something (license_key, session_key): not a UUID, which such names
	// hold as identifiers in fixtures.
	keyName
	secretName
)

// judgeName splits an identifier into words (snake_case, kebab-case, dotted.names, camelCase)
// and judges it by its last meaningful word: api_key and licenseKey hold secrets; token_url,
// password_file, primary_key, sort_key, public_key and keyboard do not.
func judgeName(name []byte) nameStrength {
	var words [16]string
	n := splitWords(name, words[:])
	if n == 0 {
		return notSecret
	}
	ws := words[:n]
	for _, w := range ws {
		if publicWords[w] {
			return notSecret
		}
	}
	// Skip trailing qualifiers (API_KEY_PROD, secret_key_base, token2, passwordValue).
	end := len(ws)
	for end > 0 && (trailingQualifiers[ws[end-1]] || isDigits(ws[end-1]) || isVersionWord(ws[end-1])) {
		end--
	}
	// The head is the last word; a word the vocabulary does not know (password_github) lets
	// the two words before it speak.
	for i := end - 1; i >= 0 && i >= end-3; i-- {
		w := ws[i]
		if nonSecretHeads[w] {
			return notSecret
		}
		if st := secretHead(w, ws[:i]); st != notSecret {
			return st
		}
	}
	return notSecret
}

// secretHead judges one word, given the words before it.
func secretHead(w string, before []string) nameStrength {
	switch {
	case w == "key":
		if len(before) == 0 {
			return weakName
		}
		q := before[len(before)-1]
		if keyNotSecret[q] {
			return notSecret
		}
		if strongQualifiers[q] {
			return secretName
		}
		return keyName
	case secretWords[w]:
		return secretName
	case strings.HasSuffix(w, "key") && keyQualifiers[w[:len(w)-3]]:
		return secretName // apikey, licensekey, secretkey
	}
	for _, suf := range compoundSecretSuffixes {
		if strings.HasSuffix(w, suf) && len(w) > len(suf) {
			return secretName // dbpassword, authtoken, clientsecret
		}
	}
	return notSecret
}

// splitWords cuts name into lower-case words at _ - . and camelCase boundaries (APIKey: api,
// key). It returns how many it put into words; the rest of a very long name is ignored.
func splitWords(name []byte, words []string) int {
	n := 0
	start := -1
	var b [64]byte
	flush := func(end int) {
		if start < 0 || n == len(words) {
			start = -1
			return
		}
		l := 0
		for i := start; i < end && l < len(b); i++ {
			b[l] = lowerByte(name[i])
			l++
		}
		// Trailing digits number a word (key2, token_v2 is handled as a word): drop them.
		for l > 3 && '0' <= b[l-1] && b[l-1] <= '9' && !('0' <= b[0] && b[0] <= '9') {
			l--
		}
		words[n] = string(b[:l])
		n++
		start = -1
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isAlnumByte(c) {
			flush(i)
			continue
		}
		if start >= 0 && i > 0 {
			p := name[i-1]
			upper := 'A' <= c && c <= 'Z'
			if upper && ('a' <= p && p <= 'z' || '0' <= p && p <= '9') || // apiKey
				upper && 'A' <= p && p <= 'Z' && i+1 < len(name) && 'a' <= name[i+1] && name[i+1] <= 'z' { // APIKey
				flush(i)
			}
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(name))
	return n
}

func isAlnumByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return w != ""
}

func isVersionWord(w string) bool { return len(w) >= 2 && w[0] == 'v' && isDigits(w[1:]) }

func wordSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// secretWords are heads that name a secret by themselves.
var secretWords = wordSet("secret", "secrets", "token", "tokens", "password", "passwords", "passwd",
	"passphrase", "pwd", "pass", "credential", "credentials", "creds", "cred", "apikey", "pat")

// compoundSecretSuffixes end one-word names of secrets (dbpassword, authtoken, clientsecret).
var compoundSecretSuffixes = []string{"password", "passwd", "passphrase", "secret", "token", "credential", "credentials", "creds"}

// keyQualifiers make a one-word name ending in "key" a secret's (apikey, licensekey).
var keyQualifiers = wordSet("api", "secret", "private", "priv", "master", "license", "licence",
	"subscription", "access", "auth", "app", "application", "dev", "developer", "user", "client",
	"signing", "sign", "encryption", "encrypt", "enc", "crypt", "crypto", "admin", "insert", "query",
	"service", "account", "shared", "hmac", "session", "consumer", "write", "ingest", "rest",
	"server", "root", "deploy", "webhook", "jwt", "cipher", "aes", "product", "activation",
	"recovery", "unlock", "storage", "bot", "integration", "merchant", "project", "personal",
	"live", "management", "global", "secondary", "x")

// strongQualifiers before "key" say it is a credential whatever its value looks like.
var strongQualifiers = wordSet("api", "secret", "private", "access", "auth", "signing",
	"encryption", "master", "client", "hmac", "webhook", "jwt", "app")

// keyNotSecret words before "key" make it a key of something else: a database's, a cache's, a
// map's, a keyboard's, or a public one.
var keyNotSecret = wordSet("primary", "foreign", "sort", "sorting", "partition", "hash", "range",
	"cache", "caching", "map", "dict", "row", "unique", "composite", "lookup", "routing",
	"idempotency", "dedup", "dedupe", "deduplication", "message", "event", "label", "tag", "metric",
	"config", "setting", "settings", "field", "translation", "i18n", "locale", "hot", "shortcut",
	"site", "object", "s3", "bucket", "blob", "file", "lock", "queue", "job", "task", "state",
	"context", "ctx", "request", "header", "param", "group", "shard", "sharding", "node", "record",
	"item", "entry", "column", "index", "table", "sequence", "natural", "surrogate", "join",
	"parent", "child", "order", "distribution", "prefix", "suffix", "namespace", "ssh", "gpg",
	"pgp", "host", "registry", "reg", "enum", "type", "kind", "mode", "sub", "cursor", "page",
	"next", "last", "first", "min", "max", "pk", "fk", "json", "yaml", "text", "string", "msg",
	"menu", "nav", "route", "component", "element", "widget", "form", "input", "option", "select",
	"list", "tab", "cell", "col", "music", "musical", "react", "vue", "cluster",
	"redis", "memcache", "memcached", "kv", "dynamo", "dynamodb", "idx", "data", "meta", "env",
	"environment", "var", "variable", "url", "path", "name", "id", "public", "pub",
	"verify", "verification", "validation", "encrypted", "wrapped", "kms", "vault", "kid", "jwk",
	"dns", "dnssec", "zone", "tsig", "rsa", "ecdsa", "ed25519", "ec")

// publicWords anywhere in a name make it about something public (public_key, pubkey,
// publishable_key, anon_key) or about keys rather than a key (keyboard, keyword, keystore).
var publicWords = wordSet("public", "pub", "pubkey", "publickey", "publishable", "anon", "keyboard",
	"keyword", "keywords", "keystroke", "keypress", "keydown", "keyup", "keyframe", "keyframes",
	"keystore", "keyring", "keychain", "keyspace", "keypair", "keyset", "keymap", "keycode",
	"keybinding", "keybindings", "tokenizer", "tokenize", "tokenized", "csrf",
	"xsrf", "bypass", "passthrough", "passport", "passenger", "passive", "compass", "fingerprint",
	"thumbprint", "checksum", "placeholder", "example", "sample", "mock", "dummy", "fake")

// trailingQualifiers after a secret's word do not change what it is (API_KEY_PROD,
// secret_key_base, passwordValue).
var trailingQualifiers = wordSet("value", "val", "str", "string", "raw", "b64", "base64", "hex",
	"encoded", "plain", "plaintext", "bytes", "prod", "production", "dev", "development", "staging",
	"stage", "test", "testing", "live", "sandbox", "local", "new", "old", "current", "main", "base",
	"secondary", "alt", "backup", "override", "literal")

// nonSecretHeads hold something about a secret, not the secret itself (password_file,
// token_url, secret_name, api_key_id, password_policy).
var nonSecretHeads = wordSet("url", "uri", "urls", "file", "files", "filename", "path", "paths", "dir",
	"directory", "folder", "name", "names", "type", "types", "len", "length", "size", "count", "env",
	"field", "fields", "header", "headers", "prefix", "suffix", "format", "regex", "regexp",
	"pattern", "ttl", "timeout", "expiry", "expires", "expiration", "exp", "expiresat", "at",
	"endpoint", "endpoints", "host", "hostname", "port", "user", "username", "login", "email", "id",
	"ids", "uid", "uuid", "guid", "ref", "reference", "policy", "policies", "mode", "source",
	"provider", "store", "version", "label", "hint", "param", "params", "parameter", "query",
	"location", "arn", "option", "options", "enabled", "enable", "disabled", "required", "hash",
	"hashed", "sha", "sha1", "sha256", "digest", "algorithm", "algo", "alg", "kind", "class",
	"template", "spec", "schema", "description", "desc", "help", "message", "msg", "error", "err",
	"title", "min", "max", "minlength", "maxlength", "rotation", "lifetime", "duration",
	"interval", "period", "validity", "check", "validator", "validation", "strength", "rule",
	"rules", "mask", "input", "form", "button", "icon", "column", "index", "idx", "position",
	"offset", "start", "end", "num", "number", "list", "map", "set", "dict", "table", "cache",
	"manager", "handler", "factory", "generator", "builder", "parser", "reader", "writer",
	"loader", "getter", "setter", "helper", "util", "utils", "fn", "func", "function", "callback",
	"method", "request", "req", "response", "resp", "result", "results", "status", "state", "info",
	"meta", "metadata", "config", "conf", "cfg", "setting", "settings", "view", "dialog", "modal",
	"page", "route", "screen", "component", "issuer", "audience", "scope", "scopes", "claims",
	"claim", "subject", "kid", "keyid", "cert", "certificate", "usage", "purpose", "owner", "bits",
	"salt", "iv", "nonce", "attempts", "retries", "reset", "forgot", "confirm", "confirmation",
	"verify", "verification", "changed", "updated", "created", "date", "time", "timestamp", "len",
	"var", "variable", "vault", "ssm", "kms", "keyvault", "secretsmanager", "secretref",
	"secretkeyref", "selector", "mount", "volume", "annotation", "encrypted", "ciphertext", "wrapped", "algorithm", "storage", "backend",
	"plugin", "module", "package", "alias", "aliases", "handle", "slot")

// plausibleSecretValue rejects values that are references, code, words, paths or templates.
// A quoted value may hold any printable character but a space; an unquoted one (in a .env or
// YAML file) also, but must not look like a path, a reference or an expression. Only a name
// that says credential may hold a UUID, and a bare key= needs a value that looks generated:
// long, with digits, and mixed case unless very long.
func plausibleSecretValue(v string, quoted bool, strength nameStrength) bool {
	if len(v) < 8 || len(v) > 1000 || isPlaceholder(v) || !oneToken(v) {
		return false
	}
	if looksLikeReference(v) || !quoted && looksLikeUnquotedReference(v) {
		return false
	}
	lv := strings.ToLower(v)
	mix := charMixOf(v)
	if looksLikeWords(v, lv, mix) {
		return false
	}
	if isUUID(v) && (strength != secretName || wellKnownUUID(lv)) {
		return false
	}
	return strength != weakName || looksGenerated(v, mix)
}

// oneToken: no space, no control character, no text in another script.
func oneToken(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f {
			return false
		}
	}
	return true
}

// looksLikeReference: a URL, a data: URI, a template, a password hash, $VAR, %s, {…}, <…>,
// [list] or a path, quoted or not.
func looksLikeReference(v string) bool {
	if strings.Contains(v, "://") || strings.HasPrefix(v, "data:") || looksLikeTemplate(v) || isPasswordHash(v) {
		return true
	}
	switch v[0] {
	case '$', '%', '{', '<', '[':
		return true
	case '/', '~', '.':
		return strings.Count(v, "/") >= 2 || strings.HasPrefix(v, "~/") || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "../")
	}
	return false
}

// looksLikeUnquotedReference: what a value outside quotes is when it is a reference, a YAML
// anchor, alias, tag or block, a comment, a flag, a call (ENC(…), generate()), a Windows path
// or an escaped string written out.
func looksLikeUnquotedReference(v string) bool {
	switch v[0] {
	case '@', '&', '*', '!', '#', ':', '(', '|', '>', '-', '+', '=':
		return true
	}
	return strings.HasSuffix(v, ")") && strings.Contains(v, "(") || strings.IndexByte(v, '\\') >= 0
}

// charMix counts the kinds of characters in a value.
type charMix struct{ digits, letters, other int }

func charMixOf(v string) charMix {
	var m charMix
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case '0' <= c && c <= '9':
			m.digits++
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			m.letters++
		default:
			m.other++
		}
	}
	return m
}

// looksLikeWords: a made-up test value, an unsigned or fixture JWT, a value holding a stop
// word, numbers without letters (dates, versions), words or an identifier, or a dotted, dashed
// or slashed name of words (my-app.config-name, secrets/prod/db).
func looksLikeWords(v, lv string, mix charMix) bool {
	if hasDummyWord(lv) {
		return true
	}
	if strings.HasPrefix(v, "eyJ") && (strings.Count(v, ".") != 2 || !validJWT(v)) {
		return true // a JWT is a secret only if it is signed and no fixture
	}
	for _, w := range stopWords {
		if strings.Contains(lv, w) {
			return true
		}
	}
	if mix.letters == 0 || mix.digits == 0 && mix.other == 0 && isWordsOnly(v) || looksLikeIdentifier(v) {
		return true
	}
	return mix.digits == 0 && strings.Trim(lv, "abcdefghijklmnopqrstuvwxyz-_./:") == "" && strings.ContainsAny(lv, "-_./:")
}

// looksGenerated: what a bare key= needs to hold to be taken for a secret: 16 characters or
// more with digits, and mixed case unless 32 or more.
func looksGenerated(v string, mix charMix) bool {
	return len(v) >= 16 && mix.digits > 0 && (len(v) >= 32 || mixedCase(v))
}

func mixedCase(v string) bool {
	return strings.ContainsAny(v, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
}

// looksLikeTemplate finds interpolation and format syntax anywhere in a value.
func looksLikeTemplate(v string) bool {
	for _, t := range []string{"${", "$(", "{{", "}}", "%(", "<%", "#{", "{0}", "{}", "%s", "%d", "%v", "@{"} {
		if strings.Contains(v, t) {
			return true
		}
	}
	return false
}

// isPasswordHash recognises crypt(3)-style hashes ($2b$…, $argon2id$…, $6$…): what a system
// stores instead of the password.
func isPasswordHash(v string) bool {
	if len(v) < 4 || v[0] != '$' {
		return false
	}
	id, _, ok := strings.Cut(v[1:], "$")
	if !ok {
		return false
	}
	switch id {
	case "1", "2", "2a", "2b", "2x", "2y", "5", "6", "7", "y", "gy", "argon2i", "argon2d", "argon2id", "scrypt", "pbkdf2", "pbkdf2-sha256", "pbkdf2-sha512", "sha1", "md5":
		return true
	}
	return false
}

// isUUID reports the 8-4-4-4-12 hexadecimal shape.
func isUUID(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := v[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// wellKnownUUID finds the UUIDs of documentation and fixtures: RFC 4122's and Swagger's examples
// and UUIDs padded with zeros.
func wellKnownUUID(lv string) bool {
	switch lv {
	case "123e4567-e89b-12d3-a456-426614174000", "123e4567-e89b-12d3-a456-426655440000",
		"550e8400-e29b-41d4-a716-446655440000", "3fa85f64-5717-4562-b3fc-2c963f66afa6",
		"f47ac10b-58cc-4372-a567-0e02b2c3d479", "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
		"6ba7b811-9dad-11d1-80b4-00c04fd430c8", "ffffffff-ffff-ffff-ffff-ffffffffffff":
		return true
	}
	return strings.Count(lv, "0") >= 12
}

// looksLikeIdentifier reports a name made of words, maybe numbered: TestOrphanCmd,
// DecapsulationKey1024, parseEK768, load_config_v2. Each part is a capitalised or lower-case
// word of three letters or more, or a short acronym; a generated token's case changes far more
// often than that.
func looksLikeIdentifier(v string) bool {
	if !('a' <= v[0] && v[0] <= 'z' || 'A' <= v[0] && v[0] <= 'Z') {
		return false
	}
	parts := 0
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == '_' || c == '-' || c == '.':
			i++
			continue
		case '0' <= c && c <= '9':
			for i < len(v) && '0' <= v[i] && v[i] <= '9' {
				i++
			}
			continue
		case 'A' <= c && c <= 'Z':
			j := i + 1
			for j < len(v) && 'A' <= v[j] && v[j] <= 'Z' {
				j++
			}
			if j < len(v) && 'a' <= v[j] && v[j] <= 'z' {
				word := i
				if j-i > 1 {
					word = j - 1 // ACRONYMWord: the last capital starts the word
				}
				k := j
				for k < len(v) && 'a' <= v[k] && v[k] <= 'z' {
					k++
				}
				if word-i > 4 || k-word < 3 {
					return false
				}
				i = k
			} else {
				if j-i > 4 {
					return false
				}
				i = j
			}
		case 'a' <= c && c <= 'z':
			j := i
			for j < len(v) && 'a' <= v[j] && v[j] <= 'z' {
				j++
			}
			if j-i < 3 {
				return false
			}
			i = j
		default:
			return false
		}
		parts++
	}
	return parts >= 2
}

// isWordsOnly reports letters-only identifiers in camelCase or all one case (getPassword,
// DEFAULTVALUE): names, not secrets. A random letters-only token changes case far more often.
func isWordsOnly(v string) bool {
	changes := 0
	for i := 1; i < len(v); i++ {
		a, b := v[i-1] >= 'a', v[i] >= 'a'
		if a != b {
			changes++
		}
	}
	return changes*4 < len(v)
}
