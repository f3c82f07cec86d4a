package secretscheck

import "encoding/base64"

// The decoding pass finds secrets written in base64 or base64url: a Docker config.json auth, a
// Kubernetes Secret's data: values, a token or a whole .env file encoded once or twice. Like
// gitleaks' --max-decode-depth, it decodes each long enough run of base64 characters that
// decodes to text and scans that text with every rule, down to maxDecodeDepth levels; a
// finding in decoded text is reported where the encoded run is, and says it was decoded.

const (
	maxDecodeDepth = 2
	// minEncoded is the shortest run decoded: 24 bytes of text, room for a short token with
	// its name or a password with its user.
	minEncoded = 32
	// maxEncoded bounds one run (a Kubernetes Secret holding a certificate chain and its key is
	// a few KB; megabytes of base64 are an embedded file, not a secret).
	maxEncoded = 64 << 10
)

// b64Index maps base64 and base64url characters to their 6-bit values, others to -1. '=' is
// not in it: padding ends a run, and NAME=value must not join name and value.
var b64Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for i := 0; i < len(std); i++ {
		t[std[i]] = int8(i)
	}
	t['+'], t['-'] = 62, 62
	t['/'], t['_'] = 63, 63
	return t
}()

// decodePass scans the text encoded in the base64 runs of buf and adds what it finds to s.out,
// located at the runs.
func (s *scanner) decodePass(buf []byte, o fileOpts, depth int) {
	// Only runs of minEncoded or more matter, so look at every minEncoded-th byte: a byte that
	// is not base64 rules out every run that would have to cross it, and a byte that is gets
	// its run's start found, and its end if it can be far enough. Text with a space every few
	// words is crossed at a few bytes read per 32.
	for i := 0; i+minEncoded <= len(buf); {
		p := i + minEncoded - 1
		if b64Index[buf[p]] < 0 {
			i = p + 1
			continue
		}
		start := p
		for start > i && b64Index[buf[start-1]] >= 0 {
			start--
		}
		// A long enough run reaches last: where that byte is not base64, or there is none,
		// this run is too short, and so is any other before it.
		if last := start + minEncoded - 1; last >= len(buf) || b64Index[buf[last]] < 0 {
			i = last + 1
			continue
		}
		end := p + 1
		for end < len(buf) && b64Index[buf[end]] >= 0 {
			end++
		}
		if n := end - start; n >= minEncoded && n <= maxEncoded {
			s.decodeRun(buf, start, end, o, depth)
		}
		i = end + 1
	}
}

// decodeRun decodes buf[i:j] if it can be base64 of text, and scans the text.
func (s *scanner) decodeRun(buf []byte, i, j int, o fileOpts, depth int) {
	run := buf[i:j]
	n := len(run)
	if n%4 == 1 {
		n-- // a lone trailing character encodes nothing
	}
	enc := textEncoding(run[:n])
	if enc == nil {
		return
	}
	dec, ok := s.decodeText(enc, run[:n])
	if !ok {
		return
	}
	if s.sub == nil {
		s.sub = newScanner(s.rs)
	}
	end := j
	for end < len(buf) && buf[end] == '=' && end-j < 2 {
		end++
	}
	// The decoded text is data, not code: a value needs no quotes there.
	for _, m := range s.sub.find(dec, fileOpts{generic: o.generic}, depth+1) {
		s.out = append(s.out, match{rule: m.rule, secret: m.secret, start: i, end: end, decoded: true})
	}
}

// textEncoding returns the encoding a run is written in if it can be base64 of ASCII text, nil
// if not. In base64 of ASCII text every byte is below 0x80, so the first character of each
// group of four encodes a value below 32, the second has bit 3 clear and the third bit 1 clear.
// A random run (an identifier, a hash, base64 of binary data) fails within a few groups, so
// almost nothing that is not encoded text is ever decoded. A run that mixes the two alphabets
// is neither.
func textEncoding(run []byte) *base64.Encoding {
	urlSafe, std := false, false
	for k, c := range run {
		switch c {
		case '-', '_':
			urlSafe = true
		case '+', '/':
			std = true
		}
		v := b64Index[c]
		switch k % 4 {
		case 0:
			if v >= 32 {
				return nil
			}
		case 1:
			if v&8 != 0 {
				return nil
			}
		case 2:
			if v&2 != 0 {
				return nil
			}
		}
	}
	switch {
	case urlSafe && std:
		return nil
	case urlSafe:
		return base64.RawURLEncoding
	}
	return base64.RawStdEncoding
}

// decodeText decodes run into the scanner's buffer, if what it holds is text that can hold a
// credential: printable, and at least a quarter letters (not numbers and punctuation).
func (s *scanner) decodeText(enc *base64.Encoding, run []byte) ([]byte, bool) {
	need := enc.DecodedLen(len(run))
	if cap(s.decoded) < need {
		s.decoded = make([]byte, need)
	}
	dec := s.decoded[:need]
	if _, err := enc.Decode(dec, run); err != nil {
		return nil, false
	}
	letters := 0
	for _, c := range dec {
		switch {
		case c == '\t' || c == '\n' || c == '\r':
		case c < ' ' || c == 0x7f:
			return nil, false
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			letters++
		}
	}
	return dec, letters*4 >= len(dec)
}
