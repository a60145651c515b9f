package verifier

import (
	"errors"
	"strconv"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// The token, the trust list and the status list are read with the small
// JSON reader below rather than encoding/json: the server and the phone's
// WebAssembly module read them with the same code, and encoding/json
// (reflection) would have made the module that a border post downloads
// over a 2G link a third larger. Every document read here was written by
// encoding/json and signed, so the reader only has to be correct, not
// forgiving: it refuses what encoding/json would refuse, and also
// duplicate keys and invalid UTF-8.

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// jsonValue is a parsed JSON value. For a number, text is its literal.
type jsonValue struct {
	kind    jsonKind
	boolean bool
	text    string
	items   []jsonValue
	members []jsonMember
}

type jsonMember struct {
	key   string
	value jsonValue
}

var errJSON = errors.New("verifier: malformed JSON")

// maxJSONDepth bounds nesting: a permit's claims nest three deep.
const maxJSONDepth = 16

// parseJSON reads one JSON document (surrounding white space allowed).
func parseJSON(b []byte) (jsonValue, error) {
	p := parsers.Get().(*jsonParser)
	defer func() {
		p.b = nil
		if cap(p.items) > 256 || cap(p.members) > 256 { // a long list: not kept
			p.items, p.members = nil, nil
		}
		parsers.Put(p)
	}()
	p.b, p.i = b, 0
	v, err := p.value(0)
	if err != nil {
		return jsonValue{}, err
	}
	p.space()
	if p.i != len(p.b) {
		return jsonValue{}, errJSON
	}
	return v, nil
}

// parsers keeps parsers with their stacks grown, for the next document.
var parsers = sync.Pool{New: func() any { return new(jsonParser) }}

type jsonParser struct {
	b []byte
	i int
	// items and members are stacks that the arrays and objects being read
	// grow; each, once closed, takes an exactly sized copy of its part.
	// Appending to each value's own slice had cost a token's claims 5 KB
	// of doubling copies, a fifth of what a cold scan allocated (and twice
	// the time to read them).
	items   []jsonValue
	members []jsonMember
}

func (p *jsonParser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *jsonParser) literal(word string) bool {
	if len(p.b)-p.i >= len(word) && string(p.b[p.i:p.i+len(word)]) == word {
		p.i += len(word)
		return true
	}
	return false
}

func (p *jsonParser) value(depth int) (jsonValue, error) {
	if depth > maxJSONDepth {
		return jsonValue{}, errJSON
	}
	p.space()
	if p.i >= len(p.b) {
		return jsonValue{}, errJSON
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		p.i++
		v := jsonValue{kind: jsonArray}
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return v, nil
		}
		start := len(p.items)
		defer func() { p.items = p.items[:start] }()
		for {
			item, err := p.value(depth + 1)
			if err != nil {
				return jsonValue{}, err
			}
			p.items = append(p.items, item)
			p.space()
			if p.i >= len(p.b) {
				return jsonValue{}, errJSON
			}
			p.i++
			switch p.b[p.i-1] {
			case ',':
				continue
			case ']':
				v.items = append([]jsonValue(nil), p.items[start:]...)
				return v, nil
			}
			return jsonValue{}, errJSON
		}
	case c == '"':
		s, err := p.str()
		return jsonValue{kind: jsonString, text: s}, err
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case p.literal("true"):
		return jsonValue{kind: jsonBool, boolean: true}, nil
	case p.literal("false"):
		return jsonValue{kind: jsonBool}, nil
	case p.literal("null"):
		return jsonValue{kind: jsonNull}, nil
	}
	return jsonValue{}, errJSON
}

func (p *jsonParser) object(depth int) (jsonValue, error) {
	p.i++ // {
	v := jsonValue{kind: jsonObject}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return v, nil
	}
	start := len(p.members)
	defer func() { p.members = p.members[:start] }()
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return jsonValue{}, errJSON
		}
		key, err := p.str()
		if err != nil {
			return jsonValue{}, err
		}
		for _, m := range p.members[start:] {
			if m.key == key {
				return jsonValue{}, errors.New("verifier: duplicate key " + strconv.Quote(key))
			}
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return jsonValue{}, errJSON
		}
		p.i++
		val, err := p.value(depth + 1)
		if err != nil {
			return jsonValue{}, err
		}
		p.members = append(p.members, jsonMember{key, val})
		p.space()
		if p.i >= len(p.b) {
			return jsonValue{}, errJSON
		}
		p.i++
		switch p.b[p.i-1] {
		case ',':
			continue
		case '}':
			v.members = append([]jsonMember(nil), p.members[start:]...)
			return v, nil
		}
		return jsonValue{}, errJSON
	}
}

// number checks the JSON number grammar and keeps the literal.
func (p *jsonParser) number() (jsonValue, error) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.b[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return jsonValue{}, errJSON
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return jsonValue{}, errJSON
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return jsonValue{}, errJSON
		}
	}
	return jsonValue{kind: jsonNumber, text: string(p.b[start:p.i])}, nil
}

func hexVal(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}

func (p *jsonParser) hex4() rune {
	if len(p.b)-p.i < 4 {
		return -1
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		d := hexVal(c)
		if d < 0 {
			return -1
		}
		r = r<<4 | d
	}
	p.i += 4
	return r
}

// str reads a string literal, the opening quote at p.i.
func (p *jsonParser) str() (string, error) {
	p.i++
	start := p.i
	for p.i < len(p.b) && p.b[p.i] != '"' && p.b[p.i] != '\\' && p.b[p.i] >= 0x20 {
		p.i++
	}
	if p.i < len(p.b) && p.b[p.i] == '"' { // the common case: no escapes
		s := string(p.b[start:p.i])
		p.i++
		if !utf8.ValidString(s) {
			return "", errJSON
		}
		return s, nil
	}
	out := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(out) {
				return "", errJSON
			}
			return string(out), nil
		case c < 0x20:
			return "", errJSON
		case c != '\\':
			out = append(out, c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.b) {
			return "", errJSON
		}
		e := p.b[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := p.hex4()
			if r < 0 {
				return "", errJSON
			}
			if utf16.IsSurrogate(r) {
				// A pair takes the next escape; a lone half is U+FFFD and
				// the next escape is read on its own, as encoding/json does.
				r2, save := rune(-1), p.i
				if p.literal(`\u`) {
					r2 = p.hex4()
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
				} else {
					r, p.i = utf8.RuneError, save
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", errJSON
		}
	}
	return "", errJSON
}

// The typed readers below take JSON null as the zero value, as
// encoding/json does for the fields they fill.

var errJSONType = errors.New("verifier: JSON value of the wrong type")

// each calls f with each member of an object.
func (v jsonValue) each(f func(key string, val jsonValue) error) error {
	if v.kind == jsonNull {
		return nil
	}
	if v.kind != jsonObject {
		return errJSONType
	}
	for _, m := range v.members {
		if err := f(m.key, m.value); err != nil {
			return err
		}
	}
	return nil
}

func (v jsonValue) str(dst *string) error {
	switch v.kind {
	case jsonNull:
		return nil
	case jsonString:
		*dst = v.text
		return nil
	}
	return errJSONType
}

func (v jsonValue) float(dst *float64) error {
	switch v.kind {
	case jsonNull:
		return nil
	case jsonNumber:
		f, err := strconv.ParseFloat(v.text, 64)
		if err != nil {
			return errJSONType
		}
		*dst = f
		return nil
	}
	return errJSONType
}

// integer reads a whole number written without fraction or exponent, as
// encoding/json requires for an integer field.
func (v jsonValue) integer(dst *int64) error {
	switch v.kind {
	case jsonNull:
		return nil
	case jsonNumber:
		n, err := strconv.ParseInt(v.text, 10, 64)
		if err != nil {
			return errJSONType
		}
		*dst = n
		return nil
	}
	return errJSONType
}

func (v jsonValue) integerPtr(dst **int64) error {
	if v.kind == jsonNull {
		*dst = nil
		return nil
	}
	var n int64
	if err := v.integer(&n); err != nil {
		return err
	}
	*dst = &n
	return nil
}

func (v jsonValue) array(f func(i int, item jsonValue) error) error {
	switch v.kind {
	case jsonNull:
		return nil
	case jsonArray:
		for i, item := range v.items {
			if err := f(i, item); err != nil {
				return err
			}
		}
		return nil
	}
	return errJSONType
}

func (v jsonValue) strings(dst *[]string) error {
	if v.kind == jsonNull {
		*dst = nil
		return nil
	}
	out := []string{}
	err := v.array(func(_ int, item jsonValue) error {
		var s string
		if item.kind == jsonNull { // encoding/json leaves a null element ""
			out = append(out, "")
			return nil
		}
		err := item.str(&s)
		out = append(out, s)
		return err
	})
	*dst = out
	return err
}

// date reads a JWT NumericDate: seconds since 1970, possibly fractional,
// truncated to the second as golang-jwt does.
func (v jsonValue) date(dst **NumericDate) error {
	if v.kind == jsonNull {
		*dst = nil
		return nil
	}
	var f float64
	if err := v.float(&f); err != nil {
		return err
	}
	sec := int64(f)
	nsec := int64((f - float64(sec)) * 1e9)
	*dst = &NumericDate{Time: time.Unix(sec, nsec).Truncate(time.Second)}
	return nil
}

// registered reads one of the registered JWT claims into c; known is
// false for another key.
func registered(c *RegisteredClaims, key string, v jsonValue) (known bool, err error) {
	switch key {
	case "iss":
		return true, v.str(&c.Issuer)
	case "sub":
		return true, v.str(&c.Subject)
	case "jti":
		return true, v.str(&c.ID)
	case "exp":
		return true, v.date(&c.ExpiresAt)
	case "nbf":
		return true, v.date(&c.NotBefore)
	case "iat":
		return true, v.date(&c.IssuedAt)
	case "aud": // a string or an array of strings; no verifier reads it
		if v.kind == jsonString || v.kind == jsonNull {
			return true, nil
		}
		var aud []string
		return true, v.strings(&aud)
	}
	return false, nil
}
