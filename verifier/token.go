package verifier

import (
	"encoding/base64"
	"errors"
	"strings"
	"time"
)

// The QR code holds CodePrefix followed by the compact JWS written as digits,
// two per character (the character's code minus 45), as SMART Health Cards
// do: QR numeric mode packs those digits about 20% tighter than byte mode, so
// a permit with four specimen lines fits version 20 at error correction Q.
const (
	CodePrefix = "CP1:"
	// TokenType is the JWS "typ" header: no other JWT made with the same key
	// can pass as a permit.
	TokenType = "cp+jwt"
	// MaxCodeLen caps the text read from a QR code before any parsing.
	MaxCodeLen = 4096
)

// Claims is what the signed token carries: enough of the permit to compare
// with the goods offline. Names are short to keep the code small.
type Claims struct {
	Type      string      `json:"pt"`
	Countries []string    `json:"cc"` // exporter's country, importer's country
	Purpose   string      `json:"pur"`
	Lines     []ClaimLine `json:"l"`
	// StatusIndex is the permit's entry in its authority's status list.
	StatusIndex *int `json:"st,omitempty"`
	RegisteredClaims
}

// ClaimLine is one specimen line, encoded as a JSON array
// [taxon, appendix, quantity, source, term] with the unit as a sixth
// element only when there is one (most lines count specimens): a four-line
// permit must still fit a version-20 QR code.
type ClaimLine struct {
	Taxon    string
	Appendix string
	Quantity float64
	Unit     string
	Source   string
	Term     string
}

// EncodeCode turns a compact JWS into the text of a QR code.
func EncodeCode(jws string) string {
	var b strings.Builder
	b.Grow(len(CodePrefix) + 2*len(jws))
	b.WriteString(CodePrefix)
	for i := 0; i < len(jws); i++ {
		v := int(jws[i]) - 45
		b.WriteByte(byte('0' + v/10))
		b.WriteByte(byte('0' + v%10))
	}
	return b.String()
}

var errNotPermitCode = errors.New("not a CITES permit code")

// DecodeCode turns QR text back into the compact JWS it carries.
func DecodeCode(text string) (string, error) {
	if len(text) > MaxCodeLen {
		return "", errors.New("code too long")
	}
	digits, ok := strings.CutPrefix(strings.TrimSpace(text), CodePrefix)
	if !ok || len(digits) == 0 || len(digits)%2 != 0 {
		return "", errNotPermitCode
	}
	out := make([]byte, len(digits)/2)
	for i := range out {
		a, b := digits[2*i], digits[2*i+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return "", errNotPermitCode
		}
		c := byte(int(a-'0')*10 + int(b-'0') + 45)
		if !isJWSChar(c) {
			return "", errNotPermitCode
		}
		out[i] = c
	}
	return string(out), nil
}

func isJWSChar(c byte) bool {
	return c == '.' || c == '-' || c == '_' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}

// Verdicts, in the order the checks run: the first failing check decides.
const (
	VerdictMalformed    = "malformed"
	VerdictUnknownKey   = "unknown_key"
	VerdictBadSignature = "bad_signature"
	VerdictExpired      = "expired"
	VerdictNotYetValid  = "not_yet_valid"
	VerdictNotFound     = "not_found"
	VerdictRevoked      = "revoked"
	VerdictUsed         = "used"
	VerdictValid        = "valid"
)

// Reason explains a verdict: a stable code and a sentence for the officer.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Args fill the fields of the translated message (locale catalogues).
	Args map[string]string `json:"-"`
}

// TokenCheck is the result of checking a code's structure, key, signature
// and dates, before the registry is asked.
type TokenCheck struct {
	Verdict string
	Reason  Reason
	Kid     string
	// Claims is set only once the signature has verified; a forged or
	// garbled code never yields claims to show.
	Claims *Claims
}

// Key statuses. A retired key still verifies what it signed before its
// retirement; a compromised key verifies nothing (its iat could be forged).
const (
	KeyActive      = "active"
	KeyRetired     = "retired"
	KeyCompromised = "compromised"
)

// Key is a public signing key as a verifier knows it.
type Key struct {
	Public    *PublicKey
	Status    string
	RetiredAt *time.Time
}

// KeyLookup finds the key for a kid; ok is false for an unknown kid.
type KeyLookup func(kid string) (k Key, ok bool)

// CheckToken verifies a QR text without the registry. It needs no database
// and no network, so the offline verifier can share it.
//
// Order: structure (malformed) > key (unknown_key) > signature
// (bad_signature) > claims (malformed) > expiry (expired) > start
// (not_yet_valid). A structurally valid token with a bad signature is
// reported as bad_signature even if its payload is garbage, because
// tampering is what the officer must hear about.
func CheckToken(text string, keys KeyLookup, now time.Time) TokenCheck {
	sc, fail := checkSignature(text, keys, verifyES256)
	if fail != nil {
		return *fail
	}
	return checkClaims(sc, now)
}

// signedCode is a code whose signature verified under key: what stays true
// of the code for as long as the key is trusted.
type signedCode struct {
	kid    string
	key    Key
	claims Claims
}

// checkSignature runs the checks up to and including the signature, which
// verify checks, and decodes the claims; a code that fails one gets its
// TokenCheck instead.
func checkSignature(text string, keys KeyLookup, verify func(pub *PublicKey, signingInput string, sig []byte) bool) (signedCode, *TokenCheck) {
	fail := func(tc TokenCheck) (signedCode, *TokenCheck) { return signedCode{}, &tc }
	jws, err := DecodeCode(text)
	if err != nil {
		return fail(TokenCheck{Verdict: VerdictMalformed, Reason: Reason{Code: "not_a_permit_code", Message: "This is not a CITES permit code."}})
	}
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return fail(TokenCheck{Verdict: VerdictMalformed, Reason: Reason{Code: "bad_structure", Message: "The code is damaged or incomplete."}})
	}
	hdr, err := parseHeader(parts[0])
	if err != nil {
		return fail(TokenCheck{Verdict: VerdictMalformed, Reason: Reason{Code: "bad_header", Message: "The code is damaged or is not a permit code."}})
	}
	key, ok := keys(hdr.Kid)
	if tc := checkKey(hdr.Kid, key, ok); tc != nil {
		return signedCode{}, tc
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil || key.Public == nil || !verify(key.Public, parts[0]+"."+parts[1], sig) {
		return fail(TokenCheck{Verdict: VerdictBadSignature, Kid: hdr.Kid, Reason: Reason{Code: "bad_signature", Message: "The signature does not match: the code is forged or has been altered."}})
	}
	// The signature is verified above, once; checkClaims then validates
	// the claims by golang-jwt's rules (see validate).
	sc := signedCode{kid: hdr.Kid, key: key}
	if err := decodeClaims(parts[1], &sc.claims); err != nil {
		return fail(TokenCheck{Verdict: VerdictMalformed, Kid: hdr.Kid, Reason: Reason{Code: "bad_claims", Message: "The code is signed but its content is not a valid permit."}})
	}
	return sc, nil
}

// checkKey refuses an unknown key and a compromised one; it returns nil
// for a key that may verify.
func checkKey(kid string, key Key, ok bool) *TokenCheck {
	if !ok || key.Public == nil {
		return &TokenCheck{Verdict: VerdictUnknownKey, Kid: kid, Reason: Reason{Code: "unknown_key", Message: "The code was signed with a key this registry does not know: it may come from another authority, or be forged."}}
	}
	if key.Status == KeyCompromised {
		return &TokenCheck{Verdict: VerdictRevoked, Kid: kid, Reason: Reason{Code: "key_compromised", Message: "The key that signed this permit has been withdrawn; the permit must be re-issued."}}
	}
	return nil
}

// Errors of the claims' dates, as golang-jwt names them.
var (
	errExpired     = errors.New("token is expired")
	errNotValidYet = errors.New("token is not valid yet")
	errNoExpiry    = errors.New("token has no expiry")
)

// validate checks the registered claims' dates at now exactly as
// golang-jwt's validator does with WithExpirationRequired and
// WithIssuedAt and no leeway (the server signs with golang-jwt, and these
// were its rules when it verified too): exp is required and the token is
// expired from that instant on; it is not valid before nbf, nor before
// iat. When several fail, the verdict takes expiry first, then the
// start, then a missing exp, as it did from golang-jwt's joined errors.
func validate(c *RegisteredClaims, now time.Time) error {
	switch {
	case c.ExpiresAt != nil && !now.Before(c.ExpiresAt.Time):
		return errExpired
	case c.NotBefore != nil && now.Before(c.NotBefore.Time), c.IssuedAt != nil && now.Before(c.IssuedAt.Time):
		return errNotValidYet
	case c.ExpiresAt == nil:
		return errNoExpiry
	}
	return nil
}

// checkClaims judges a signed code's content and dates at now.
func checkClaims(sc signedCode, now time.Time) TokenCheck {
	c := sc.claims // a copy: the caller may keep what it is given
	switch err := validate(&c.RegisteredClaims, now); {
	case err == nil:
	case errors.Is(err, errExpired):
		return TokenCheck{Verdict: VerdictExpired, Kid: sc.kid, Claims: &c, Reason: Reason{Code: "expired", Message: "The permit's validity has ended."}}
	case errors.Is(err, errNotValidYet):
		return TokenCheck{Verdict: VerdictNotYetValid, Kid: sc.kid, Claims: &c, Reason: Reason{Code: "not_yet_valid", Message: "The permit is not valid yet (or the clock of this device is wrong)."}}
	default:
		return TokenCheck{Verdict: VerdictMalformed, Kid: sc.kid, Reason: Reason{Code: "bad_claims", Message: "The code is signed but its content is not a valid permit."}}
	}
	if c.Issuer == "" || c.ID == "" || len(c.Lines) == 0 || len(c.Countries) != 2 {
		return TokenCheck{Verdict: VerdictMalformed, Kid: sc.kid, Reason: Reason{Code: "bad_claims", Message: "The code is signed but its content is not a valid permit."}}
	}
	// A retired key signs nothing new: a token it signed after retiring is
	// the mark of a stolen key.
	if k := sc.key; k.Status == KeyRetired && k.RetiredAt != nil && c.IssuedAt != nil && c.IssuedAt.After(*k.RetiredAt) {
		return TokenCheck{Verdict: VerdictRevoked, Kid: sc.kid, Reason: Reason{Code: "key_retired", Message: "The code was signed after its key was retired: treat it as forged."}}
	}
	return TokenCheck{Verdict: VerdictValid, Kid: sc.kid, Claims: &c}
}

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// parseHeader accepts exactly {alg: ES256, kid, typ: cp+jwt}: no key-bearing
// or key-locating headers (jwk, jku, x5u), no other algorithm.
func parseHeader(seg string) (header, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil {
		return header{}, err
	}
	v, err := parseJSON(raw)
	if err != nil {
		return header{}, err
	}
	var h header
	if v.kind != jsonObject {
		return header{}, errJSONType
	}
	err = v.each(func(key string, val jsonValue) error {
		switch key {
		case "alg":
			return val.str(&h.Alg)
		case "kid":
			return val.str(&h.Kid)
		case "typ":
			return val.str(&h.Typ)
		}
		return errors.New("unexpected header " + key)
	})
	if err != nil {
		return header{}, err
	}
	if h.Alg != "ES256" || h.Typ != TokenType || h.Kid == "" || len(h.Kid) > 64 {
		return header{}, errors.New("unexpected header")
	}
	return h, nil
}

// decodeClaims reads the payload segment strictly (base64url without
// padding, one JSON object); the header was already read by parseHeader.
// Unknown members are ignored, as encoding/json ignores them.
func decodeClaims(seg string, c *Claims) error {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil {
		return err
	}
	v, err := parseJSON(raw)
	if err != nil {
		return err
	}
	if v.kind != jsonObject {
		return errJSONType
	}
	return v.each(func(key string, val jsonValue) error {
		switch key {
		case "pt":
			return val.str(&c.Type)
		case "cc":
			return val.strings(&c.Countries)
		case "pur":
			return val.str(&c.Purpose)
		case "st":
			var n *int64
			if err := val.integerPtr(&n); err != nil {
				return err
			}
			if n == nil {
				c.StatusIndex = nil
			} else {
				i := int(*n)
				if int64(i) != *n {
					return errJSONType
				}
				c.StatusIndex = &i
			}
			return nil
		case "l":
			c.Lines = nil
			if val.kind == jsonArray {
				c.Lines = make([]ClaimLine, 0, len(val.items))
			}
			return val.array(func(_ int, item jsonValue) error {
				l, err := claimLine(item)
				c.Lines = append(c.Lines, l)
				return err
			})
		}
		_, err := registered(&c.RegisteredClaims, key, val)
		return err
	})
}

// claimLine reads one specimen line: [taxon, appendix, quantity, source,
// term] and the unit as a sixth element only when there is one.
func claimLine(v jsonValue) (ClaimLine, error) {
	var l ClaimLine
	if v.kind != jsonArray || len(v.items) != 5 && len(v.items) != 6 {
		return l, errors.New("specimen line must have 5 or 6 fields")
	}
	it := v.items
	for i, dst := range []*string{&l.Taxon, &l.Appendix, nil, &l.Source, &l.Term} {
		if dst == nil {
			continue
		}
		if err := it[i].str(dst); err != nil {
			return l, err
		}
	}
	if err := it[2].float(&l.Quantity); err != nil {
		return l, err
	}
	if len(it) == 6 {
		if err := it[5].str(&l.Unit); err != nil {
			return l, err
		}
		if l.Unit == "" {
			return l, errors.New("specimen line: empty unit must be left out")
		}
	}
	return l, nil
}

// LastValidDay is the last day of validity as the paper prints it
// (YYYY-MM-DD, UTC): the day before the instant exp names, since a permit
// is valid through the end of its last day. "" without exp.
func (c *Claims) LastValidDay() string {
	if c.ExpiresAt == nil {
		return ""
	}
	return c.ExpiresAt.Add(-time.Nanosecond).UTC().Format(time.DateOnly)
}

// FirstValidDay is the first day of validity (nbf, else the day of
// issue), YYYY-MM-DD in UTC; "" when the token has neither.
func (c *Claims) FirstValidDay() string {
	switch {
	case c.NotBefore != nil:
		return c.NotBefore.UTC().Format(time.DateOnly)
	case c.IssuedAt != nil:
		return c.IssuedAt.UTC().Format(time.DateOnly)
	}
	return ""
}
