package verifier

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
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
	jwt.RegisteredClaims
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

func (l ClaimLine) MarshalJSON() ([]byte, error) {
	a := []any{l.Taxon, l.Appendix, l.Quantity, l.Source, l.Term}
	if l.Unit != "" {
		a = append(a, l.Unit)
	}
	return json.Marshal(a)
}

func (l *ClaimLine) UnmarshalJSON(b []byte) error {
	var a []json.RawMessage
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	if len(a) != 5 && len(a) != 6 {
		return errors.New("specimen line must have 5 or 6 fields")
	}
	dst := []any{&l.Taxon, &l.Appendix, &l.Quantity, &l.Source, &l.Term, &l.Unit}
	for i := range a {
		if err := json.Unmarshal(a[i], dst[i]); err != nil {
			return fmt.Errorf("specimen line field %d: %w", i, err)
		}
	}
	if len(a) == 6 && l.Unit == "" {
		return errors.New("specimen line: empty unit must be left out")
	}
	return nil
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
	Public    *ecdsa.PublicKey
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
	sc, fail := checkSignature(text, keys)
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

// checkSignature runs the checks up to and including the signature and
// decodes the claims; a code that fails one gets its TokenCheck instead.
func checkSignature(text string, keys KeyLookup) (signedCode, *TokenCheck) {
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
	if err != nil || jwt.SigningMethodES256.Verify(parts[0]+"."+parts[1], sig, key.Public) != nil {
		return fail(TokenCheck{Verdict: VerdictBadSignature, Kid: hdr.Kid, Reason: Reason{Code: "bad_signature", Message: "The signature does not match: the code is forged or has been altered."}})
	}
	// The signature is verified above, once; checkClaims then has the
	// library validate the claims (exp required, iat and nbf checked) so
	// that the rules are golang-jwt's, not a copy of them.
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

// checkClaims judges a signed code's content and dates at now.
func checkClaims(sc signedCode, now time.Time) TokenCheck {
	c := sc.claims // a copy: the caller may keep what it is given
	err := jwt.NewValidator(
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	).Validate(&c)
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenExpired):
		return TokenCheck{Verdict: VerdictExpired, Kid: sc.kid, Claims: &c, Reason: Reason{Code: "expired", Message: "The permit's validity has ended."}}
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
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
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	var h header
	if err := dec.Decode(&h); err != nil {
		return header{}, err
	}
	if h.Alg != "ES256" || h.Typ != TokenType || h.Kid == "" || len(h.Kid) > 64 {
		return header{}, errors.New("unexpected header")
	}
	return h, nil
}

// decodeClaims reads the payload segment strictly (base64url without
// padding, one JSON object); the header was already read by parseHeader.
func decodeClaims(seg string, c *Claims) error {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(c); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after claims")
	}
	return nil
}
