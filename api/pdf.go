package api

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/printing"
)

// authorityNames are the Management Authorities printed in box 6. An
// authority missing here prints as "CITES Management Authority (XX)".
var authorityNames = map[string][2]string{
	"KG": {"Ministry of Natural Resources, Ecology and Technical Supervision of the Kyrgyz Republic", "Bishkek, Kyrgyz Republic"},
}

// permitPDF serves the printable permit. A revoked permit prints REVOKED,
// one accepted at import CANCELLED, and ?copy=1 prints COPY: a copy may not
// be used in place of the original (Conv. Art. VI(4)).
func (s *Server) permitPDF(c echo.Context) error {
	p, err := s.svc.Get(c.Request().Context(), actor(c), c.Param("number"))
	if err != nil {
		return err
	}
	opt := printing.Options{VerifyURL: s.publicURL + "/verify", Quota: map[string]string{}}
	if n, ok := authorityNames[p.Authority]; ok {
		opt.AuthorityName, opt.AuthorityAddress = n[0], n[1]
	} else {
		opt.AuthorityName = "CITES Management Authority (" + p.Authority + ")"
	}
	switch {
	case p.Status == permits.StatusRevoked:
		opt.Watermark = "REVOKED"
	case p.Status == permits.StatusCancelled:
		opt.Watermark = "CANCELLED"
	case c.QueryParam("copy") == "1":
		opt.Watermark = "COPY"
	}
	for _, l := range p.Lines {
		if l.Quota != nil {
			opt.Quota[l.Line] = fmt.Sprintf("%g / %g", l.Quota.Used, l.Quota.Total)
		}
	}
	pdf, err := printing.PermitPDF(p, opt)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.pdf"`, p.Number))
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}
