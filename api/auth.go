package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/internal/cache"
)

// SessionTTL is how long a sign-in lasts. Role changes and disabled
// accounts take effect when the session ends.
const SessionTTL = 12 * time.Hour

// sessionType separates session tokens from permit tokens: a session token
// is HMAC-signed with a server secret and typed, so it can never pass as a
// permit, nor a permit as a session.
const sessionType = "session+jwt"

type sessionClaims struct {
	Name      string `json:"name"`
	Role      string `json:"role"`
	Authority string `json:"auth,omitempty"`
	jwt.RegisteredClaims
}

func (s *Server) issueSession(a opencites.Actor) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(SessionTTL).Truncate(time.Second)
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, sessionClaims{
		Name: a.Username, Role: a.Role, Authority: a.Authority,
		RegisteredClaims: jwt.RegisteredClaims{Subject: strconv.FormatInt(a.UserID, 10),
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp)},
	})
	t.Header["typ"] = sessionType
	tok, err := t.SignedString(s.sessionKey)
	return tok, exp, err
}

// sessionCache remembers session tokens that verified, so that a busy
// officer's stream of scans costs one HMAC check and JSON decode per
// session, not per request. Only verified tokens enter it; expiry is still
// checked on every use.
type sessionCache = cache.Cache[string, cachedSession]

type cachedSession struct {
	actor opencites.Actor
	iat   time.Time
	exp   time.Time
}

// newSessionCache holds about 10,000 sessions in 4 MB.
func newSessionCache(bytes int) *sessionCache {
	return cache.New(bytes, func(tok string, cs cachedSession) int {
		return len(tok) + len(cs.actor.Username) + len(cs.actor.Role) + len(cs.actor.Authority) + 64
	})
}

func (s *Server) parseSession(tok string) (opencites.Actor, bool) {
	if cs, ok := s.sessions.Get(tok); ok && s.now().Before(cs.exp) {
		return cs.actor, s.users.SessionValid(cs.actor.UserID, cs.iat)
	}
	var c sessionClaims
	t, err := s.sessionParser.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return s.sessionKey, nil })
	if err != nil || t.Header["typ"] != sessionType {
		return opencites.Actor{}, false
	}
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || !opencites.ValidRole(c.Role) {
		return opencites.Actor{}, false
	}
	a := opencites.Actor{UserID: id, Username: c.Name, Role: c.Role, Authority: c.Authority}
	var iat time.Time
	if c.IssuedAt != nil {
		iat = c.IssuedAt.Time
	}
	s.sessions.Put(tok, cachedSession{actor: a, iat: iat, exp: c.ExpiresAt.Time})
	return a, s.users.SessionValid(a.UserID, iat)
}

const actorKey = "actor"

// authenticate requires a valid bearer session on every route it guards.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || len(tok) > 4096 {
			return apiError(http.StatusUnauthorized, "unauthorized", "send Authorization: Bearer <token> from POST /api/v1/auth/token")
		}
		a, ok := s.parseSession(strings.TrimSpace(tok))
		if !ok {
			return apiError(http.StatusUnauthorized, "invalid_token", "the session token is invalid or expired: sign in again")
		}
		c.Set(actorKey, a)
		return next(c)
	}
}

func actor(c echo.Context) opencites.Actor {
	a, _ := c.Get(actorKey).(opencites.Actor)
	return a
}
