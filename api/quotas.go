package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites/quotas"
)

// QuotaRequest is the body of POST /api/v1/quotas.
type QuotaRequest struct {
	Authority string  `json:"authority"`
	Taxon     string  `json:"taxon"`
	Source    string  `json:"source"`
	Term      string  `json:"term"`
	Year      int     `json:"year"`
	Quantity  float64 `json:"quantity"`
	Unit      string  `json:"unit"`
	Notes     string  `json:"notes"`
}

// QuotaJSON is an annual export quota and its use.
type QuotaJSON struct {
	ID        int64   `json:"id"`
	Authority string  `json:"authority"`
	Taxon     string  `json:"taxon"`
	Source    string  `json:"source"`
	Term      string  `json:"term"`
	Year      int     `json:"year"`
	YearStart string  `json:"year_start"`
	YearEnd   string  `json:"year_end"`
	Quantity  float64 `json:"quantity"`
	Unit      string  `json:"unit"`
	Used      float64 `json:"used"`
	Remaining float64 `json:"remaining"`
	Notes     string  `json:"notes,omitempty"`
}

func quotaJSON(q quotas.Quota) QuotaJSON {
	return QuotaJSON{ID: q.ID, Authority: q.Authority, Taxon: q.Taxon, Source: q.Source, Term: q.Term, Year: q.Year,
		YearStart: q.YearStart.Format(time.DateOnly), YearEnd: q.YearEnd.AddDate(0, 0, -1).Format(time.DateOnly),
		Quantity: q.Quantity, Unit: q.Unit, Used: q.Used, Remaining: q.Remaining(), Notes: q.Notes}
}

func (s *Server) setQuota(c echo.Context) error {
	var req QuotaRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	q, err := s.quotas.Set(c.Request().Context(), actor(c), quotas.Request(req))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, quotaJSON(q))
}

func (s *Server) listQuotas(c echo.Context) error {
	year := 0
	if v := c.QueryParam("year"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2000 || n > 2100 {
			return apiError(http.StatusBadRequest, "invalid_year", "year must be a year such as 2026")
		}
		year = n
	}
	qs, err := s.quotas.List(c.Request().Context(), actor(c), year)
	if err != nil {
		return err
	}
	out := make([]QuotaJSON, len(qs))
	for i, q := range qs {
		out[i] = quotaJSON(q)
	}
	return c.JSON(http.StatusOK, map[string]any{"quotas": out})
}
