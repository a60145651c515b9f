package api

import (
	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites/locale"
	"github.com/opencites/opencites/rules"
	"github.com/opencites/opencites/verifier"
)

const localizerKey = "localizer"

// localize picks the caller's language (?lang=, then Accept-Language) for
// every message a person reads; machine codes never change.
func (s *Server) localize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		l := locale.New(c.QueryParam("lang"), c.Request().Header.Get("Accept-Language"))
		c.Set(localizerKey, l)
		c.Response().Header().Set("Content-Language", l.Lang())
		return next(c)
	}
}

func localizer(c echo.Context) *locale.Localizer {
	if l, ok := c.Get(localizerKey).(*locale.Localizer); ok {
		return l
	}
	return locale.New(c.QueryParam("lang"), c.Request().Header.Get("Accept-Language"))
}

// ReasonJSON is a reason with a stable code and words in the caller's language.
type ReasonJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Args are the message's parameters, for a client that renders the
	// code in another language itself (GET /api/v1/messages/{lang}).
	Args map[string]string `json:"args,omitempty"`
}

func reasonsJSON(l *locale.Localizer, rs []verifier.Reason) []ReasonJSON {
	out := make([]ReasonJSON, len(rs))
	for i, r := range rs {
		out[i] = ReasonJSON{Code: r.Code, Message: l.Text(r.Code, r.Message, r.Args), Args: r.Args}
	}
	return out
}

func ruleReasonsJSON(l *locale.Localizer, rs []rules.Reason) []ReasonJSON {
	out := make([]ReasonJSON, len(rs))
	for i, r := range rs {
		out[i] = ReasonJSON{Code: r.Code, Message: l.Text(r.Code, r.Message, nil)}
	}
	return out
}

// commonName is the first common name in the caller's language, else English.
func commonName(l *locale.Localizer, names map[string][]string) string {
	if n := names[l.Lang()]; len(n) > 0 {
		return n[0]
	}
	if n := names["en"]; len(n) > 0 {
		return n[0]
	}
	return ""
}
