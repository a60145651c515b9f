package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// serveList answers a signed list with its ETag, or 304 when the client
// already holds it: phones on a poor connection poll cheaply.
func serveList(c echo.Context, doc, etag string) error {
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=60")
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, "application/jwt", []byte(doc))
}

// trustList serves the signed list of trusted issuing authorities and keys.
func (s *Server) trustList(c echo.Context) error {
	doc, etag, err := s.svc.Keys().TrustList(c.Request().Context())
	if err != nil {
		return err
	}
	return serveList(c, doc, etag)
}

// statusList serves an authority's signed status list.
func (s *Server) statusList(c echo.Context) error {
	doc, etag, err := s.svc.StatusList(c.Request().Context(), strings.ToUpper(c.Param("authority")))
	if err != nil {
		return err
	}
	return serveList(c, doc, etag)
}

// anchor serves the trust anchor's public key, which verifier apps pin on
// first use (the phone app) or from `citesd keys anchor` (a deployment
// that distributes it out of band), so later trust lists are checked
// against it.
func (s *Server) anchor(c echo.Context) error {
	pemText, fp, err := s.svc.Keys().AnchorPublicPEM()
	if err != nil {
		return err
	}
	c.Response().Header().Set("X-Anchor-Fingerprint", fp)
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "application/x-pem-file", []byte(pemText))
}
