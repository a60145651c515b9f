package permits

import (
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/opencites/opencites/keys"
	"github.com/opencites/opencites/verifier"
)

// signToken signs claims with key and returns the QR text.
func signToken(c *verifier.Claims, key *keys.Key) (string, error) {
	s, err := key.Sign(c, verifier.TokenType)
	if err != nil {
		return "", err
	}
	return verifier.EncodeCode(s), nil
}

func jwtTime(t time.Time) *jwt.NumericDate { return jwt.NewNumericDate(t.Truncate(time.Second)) }
