package permits

import (
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/opencites/opencites/verifier"
)

// signToken signs claims with key and returns the QR text.
func signToken(c *verifier.Claims, key *Key) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = key.Kid
	t.Header["typ"] = verifier.TokenType
	s, err := t.SignedString(key.private)
	if err != nil {
		return "", err
	}
	return verifier.EncodeCode(s), nil
}

func jwtTime(t time.Time) *jwt.NumericDate { return jwt.NewNumericDate(t.Truncate(time.Second)) }
