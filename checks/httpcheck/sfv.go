package httpcheck

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// This file parses HTTP Structured Field Values (RFC 9651, formerly RFC 8941): the syntax of
// the IETF RateLimit and RateLimit-Policy fields. Only parsing is needed, and only Lists and
// Dictionaries; every bare item type except Display Strings is understood, so a server that
// adds a parameter we do not know still parses.

// sfItem is a bare item or an inner list, with its parameters.
type sfItem struct {
	Value  any // int64, float64, string (sf-string), sfToken, []byte, bool, sfDate, []sfItem (inner list)
	Params []sfParam
}

type sfParam struct {
	Key   string
	Value any
}

type sfToken string

type sfDate int64

type sfMember struct {
	Key  string
	Item sfItem
}

func (p sfParam) key() string  { return p.Key }
func (m sfMember) key() string { return m.Key }

// setKeyed puts v into a dictionary or parameter list: a key that repeats keeps its first place
// and takes its last value (RFC 9651, sections 3.1.2 and 3.2).
func setKeyed[T interface{ key() string }](list []T, v T) []T {
	for i := range list {
		if list[i].key() == v.key() {
			list[i] = v
			return list
		}
	}
	return append(list, v)
}

// param returns the value of the parameter key, if present.
func (it sfItem) param(key string) (any, bool) {
	for _, p := range it.Params {
		if p.Key == key {
			return p.Value, true
		}
	}
	return nil, false
}

// intParam returns an integer parameter.
func (it sfItem) intParam(key string) (int64, bool) {
	v, ok := it.param(key)
	if !ok {
		return 0, false
	}
	n, ok := v.(int64)
	return n, ok
}

// stringParam returns a string or token parameter.
func (it sfItem) stringParam(key string) (string, bool) {
	v, ok := it.param(key)
	if !ok {
		return "", false
	}
	return sfString(v)
}

// sfString returns the text of a string or token value.
func sfString(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case sfToken:
		return string(s), true
	}
	return "", false
}

var errSF = errors.New("invalid structured field")

type sfParser struct {
	s   string
	pos int
}

func (p *sfParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", errSF, p.pos, fmt.Sprintf(format, args...))
}

func (p *sfParser) eof() bool { return p.pos >= len(p.s) }

func (p *sfParser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.pos]
}

func (p *sfParser) skipSP() {
	for !p.eof() && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func (p *sfParser) skipOWS() {
	for !p.eof() && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// parseSFList parses a List field value.
func parseSFList(lines []string) ([]sfItem, error) {
	var out []sfItem
	err := sfMembers(lines, func(p *sfParser) error {
		it, err := p.itemOrInnerList()
		out = append(out, it)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// parseSFDictionary parses a Dictionary field value; a later duplicate key overrides an
// earlier one, keeping the earlier position.
func parseSFDictionary(lines []string) ([]sfMember, error) {
	var out []sfMember
	err := sfMembers(lines, func(p *sfParser) error {
		key, err := p.key()
		if err != nil {
			return err
		}
		var it sfItem
		if p.peek() == '=' {
			p.pos++
			if it, err = p.itemOrInnerList(); err != nil {
				return err
			}
		} else {
			it.Value = true
			if it.Params, err = p.params(); err != nil {
				return err
			}
		}
		out = setKeyed(out, sfMember{Key: key, Item: it})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// sfMembers reads the members of a List or Dictionary with member, one after another. Several
// field lines are joined with ", " first, as RFC 9651 section 4.2 says.
func sfMembers(lines []string, member func(p *sfParser) error) error {
	p := &sfParser{s: strings.Join(lines, ", ")}
	p.skipSP()
	for !p.eof() {
		if err := member(p); err != nil {
			return err
		}
		if err := p.nextMember(); err != nil {
			return err
		}
	}
	return nil
}

// nextMember consumes the separator after a member: OWS "," OWS, or the end.
func (p *sfParser) nextMember() error {
	p.skipOWS()
	if p.eof() {
		return nil
	}
	if p.s[p.pos] != ',' {
		return p.errorf("expected a comma")
	}
	p.pos++
	p.skipOWS()
	if p.eof() {
		return p.errorf("trailing comma")
	}
	return nil
}

func (p *sfParser) itemOrInnerList() (sfItem, error) {
	if p.peek() == '(' {
		return p.innerList()
	}
	v, err := p.bareItem()
	if err != nil {
		return sfItem{}, err
	}
	params, err := p.params()
	return sfItem{Value: v, Params: params}, err
}

func (p *sfParser) innerList() (sfItem, error) {
	p.pos++ // (
	var items []sfItem
	for !p.eof() {
		p.skipSP()
		if p.peek() == ')' {
			p.pos++
			params, err := p.params()
			return sfItem{Value: items, Params: params}, err
		}
		v, err := p.bareItem()
		if err != nil {
			return sfItem{}, err
		}
		params, err := p.params()
		if err != nil {
			return sfItem{}, err
		}
		items = append(items, sfItem{Value: v, Params: params})
		if c := p.peek(); c != ' ' && c != ')' {
			return sfItem{}, p.errorf("expected a space or ) in an inner list")
		}
	}
	return sfItem{}, p.errorf("unterminated inner list")
}

func (p *sfParser) params() ([]sfParam, error) {
	var out []sfParam
	for p.peek() == ';' {
		p.pos++
		p.skipSP()
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		var v any = true
		if p.peek() == '=' {
			p.pos++
			if v, err = p.bareItem(); err != nil {
				return nil, err
			}
		}
		out = setKeyed(out, sfParam{Key: key, Value: v})
	}
	return out, nil
}

func (p *sfParser) key() (string, error) {
	c := p.peek()
	if !(c >= 'a' && c <= 'z') && c != '*' {
		return "", p.errorf("a key must start with a lower-case letter or *")
	}
	start := p.pos
	for !p.eof() {
		c := p.s[p.pos]
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '*' {
			p.pos++
			continue
		}
		break
	}
	return p.s[start:p.pos], nil
}

func (p *sfParser) bareItem() (any, error) {
	c := p.peek()
	switch {
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == '"':
		return p.str()
	case c == '*' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'):
		return p.token(), nil
	case c == ':':
		return p.byteSeq()
	case c == '?':
		return p.boolean()
	case c == '@':
		p.pos++
		n, err := p.number()
		if err != nil {
			return nil, err
		}
		i, ok := n.(int64)
		if !ok {
			return nil, p.errorf("a date must be an integer")
		}
		return sfDate(i), nil
	}
	return nil, p.errorf("unexpected %q", c)
}

func (p *sfParser) number() (any, error) {
	start := p.pos
	if p.peek() == '-' {
		p.pos++
	}
	digitsStart := p.pos
	if c := p.peek(); c < '0' || c > '9' {
		return nil, p.errorf("expected a digit")
	}
	dot := -1
	for !p.eof() {
		c := p.s[p.pos]
		if c >= '0' && c <= '9' {
			p.pos++
		} else if c == '.' && dot < 0 {
			dot = p.pos
			p.pos++
		} else {
			break
		}
		n := p.pos - digitsStart
		if dot < 0 && n > 15 {
			return nil, p.errorf("integer longer than 15 digits")
		}
		if dot >= 0 && n > 16 {
			return nil, p.errorf("decimal longer than 16 characters")
		}
	}
	text := p.s[start:p.pos]
	if dot < 0 {
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, p.errorf("bad integer %q", text)
		}
		return n, nil
	}
	if dot == p.pos-1 {
		return nil, p.errorf("decimal ends with a dot")
	}
	if dot-digitsStart > 12 {
		return nil, p.errorf("decimal has more than 12 integer digits")
	}
	if p.pos-dot-1 > 3 {
		return nil, p.errorf("decimal has more than 3 fraction digits")
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, p.errorf("bad decimal %q", text)
	}
	return f, nil
}

func (p *sfParser) str() (any, error) {
	p.pos++ // "
	var b strings.Builder
	for !p.eof() {
		c := p.s[p.pos]
		p.pos++
		switch {
		case c == '\\':
			if p.eof() {
				return nil, p.errorf("unterminated escape")
			}
			n := p.s[p.pos]
			if n != '"' && n != '\\' {
				return nil, p.errorf("bad escape")
			}
			b.WriteByte(n)
			p.pos++
		case c == '"':
			return b.String(), nil
		case c < 0x20 || c > 0x7e:
			return nil, p.errorf("invalid character in a string")
		default:
			b.WriteByte(c)
		}
	}
	return nil, p.errorf("unterminated string")
}

func (p *sfParser) token() sfToken {
	start := p.pos
	p.pos++
	for !p.eof() {
		c := p.s[p.pos]
		if isTChar(c) || c == ':' || c == '/' {
			p.pos++
			continue
		}
		break
	}
	return sfToken(p.s[start:p.pos])
}

func isTChar(c byte) bool {
	if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func (p *sfParser) byteSeq() (any, error) {
	p.pos++ // :
	end := strings.IndexByte(p.s[p.pos:], ':')
	if end < 0 {
		return nil, p.errorf("unterminated byte sequence")
	}
	enc := p.s[p.pos : p.pos+end]
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=') {
			return nil, p.errorf("invalid byte sequence character")
		}
	}
	p.pos += end + 1
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		// RFC 9651 4.2.7 lets a parser accept missing padding.
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(enc, "="))
		if err != nil {
			return nil, p.errorf("bad base64 in a byte sequence")
		}
	}
	return b, nil
}

func (p *sfParser) boolean() (any, error) {
	p.pos++ // ?
	switch p.peek() {
	case '1':
		p.pos++
		return true, nil
	case '0':
		p.pos++
		return false, nil
	}
	return nil, p.errorf("a boolean is ?0 or ?1")
}
