package permits

import (
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/opencites/opencites/verifier"
)

// The token format and the checks that need no registry live in package
// verifier, which the offline verifiers (command line, WebAssembly) share.
// These names keep the registry's code readable.
type (
	Claims     = verifier.Claims
	ClaimLine  = verifier.ClaimLine
	Reason     = verifier.Reason
	TokenCheck = verifier.TokenCheck
	KeyLookup  = verifier.KeyLookup
)

// Key statuses (see verifier).
const (
	KeyActive      = verifier.KeyActive
	KeyRetired     = verifier.KeyRetired
	KeyCompromised = verifier.KeyCompromised
)

const (
	CodePrefix          = verifier.CodePrefix
	TokenType           = verifier.TokenType
	VerdictMalformed    = verifier.VerdictMalformed
	VerdictUnknownKey   = verifier.VerdictUnknownKey
	VerdictBadSignature = verifier.VerdictBadSignature
	VerdictExpired      = verifier.VerdictExpired
	VerdictNotYetValid  = verifier.VerdictNotYetValid
	VerdictNotFound     = verifier.VerdictNotFound
	VerdictRevoked      = verifier.VerdictRevoked
	VerdictUsed         = verifier.VerdictUsed
	VerdictValid        = verifier.VerdictValid
)

var (
	EncodeCode = verifier.EncodeCode
	DecodeCode = verifier.DecodeCode
	CheckToken = verifier.CheckToken
)

// signToken signs claims with key and returns the QR text.
func signToken(c *Claims, key *Key) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = key.Kid
	t.Header["typ"] = TokenType
	s, err := t.SignedString(key.private)
	if err != nil {
		return "", err
	}
	return EncodeCode(s), nil
}

func jwtTime(t time.Time) *jwt.NumericDate { return jwt.NewNumericDate(t.Truncate(time.Second)) }
