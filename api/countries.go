package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites/countries"
)

// CountryJSON is a country's ISO 3166 code and its name in the caller's
// language.
type CountryJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// listCountries answers the whole list, or with q the countries that q may
// mean, best first ("UAE", "Emirates" and "Эмираты" all find AE); names
// are in the caller's language (?lang= or Accept-Language).
func (s *Server) listCountries(c echo.Context) error {
	lang := localizer(c).Lang()
	limit, _ := strconv.Atoi(c.QueryParam("limit")) // none, or not a number: all
	var cs []countries.Country
	if q := c.QueryParam("q"); q != "" {
		cs = countries.Search(q, lang, limit)
	} else {
		cs = countries.All(lang)
		if limit > 0 && len(cs) > limit {
			cs = cs[:limit]
		}
	}
	out := make([]CountryJSON, len(cs))
	for i, x := range cs {
		out[i] = CountryJSON(x)
	}
	c.Response().Header().Set("Vary", "Accept-Language")
	return c.JSON(http.StatusOK, map[string]any{"countries": out})
}
