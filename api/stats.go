package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites/cases"
)

// StatsJSON are the summaries for charts: counts only, no personal data.
type StatsJSON struct {
	Authority     string          `json:"authority,omitempty"`
	From          string          `json:"from,omitempty"`
	To            string          `json:"to,omitempty"`
	Cases         CaseCountsJSON  `json:"cases"`
	Seizures      CaseCountsJSON  `json:"seizures"`
	Verifications VerdictsJSON    `json:"verifications"`
	Alerts        AlertCountsJSON `json:"alerts"`
}

// CountJSON is one bar of a chart.
type CountJSON struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
}

// CaseCountsJSON count cases along each axis.
type CaseCountsJSON struct {
	Total         int64       `json:"total"`
	BySpecies     []CountJSON `json:"by_species"`
	ByCheckpoint  []CountJSON `json:"by_checkpoint"`
	ByCountry     []CountJSON `json:"by_country"`
	ByMonth       []CountJSON `json:"by_month"`
	ByOutcome     []CountJSON `json:"by_outcome"`
	ByConcealment []CountJSON `json:"by_concealment"`
}

// VerdictsJSON count verifications by verdict, over the period and per
// UTC day (days with none left out).
type VerdictsJSON struct {
	ByVerdict []CountJSON `json:"by_verdict"`
	ByDay     []DayJSON   `json:"by_day"`
}

// DayJSON is one day's verifications by verdict.
type DayJSON struct {
	Day       string      `json:"day"`
	ByVerdict []CountJSON `json:"by_verdict"`
}

// AlertCountsJSON count alerts.
type AlertCountsJSON struct {
	Total      int64       `json:"total"`
	ByRule     []CountJSON `json:"by_rule"`
	ByStatus   []CountJSON `json:"by_status"`
	BySeverity []CountJSON `json:"by_severity"`
}

func countsJSON(cs []cases.Count) []CountJSON {
	out := make([]CountJSON, len(cs))
	for i, c := range cs {
		out[i] = CountJSON(c)
	}
	return out
}

func caseCountsJSON(c cases.CaseCounts) CaseCountsJSON {
	return CaseCountsJSON{Total: c.Total, BySpecies: countsJSON(c.BySpecies), ByCheckpoint: countsJSON(c.ByCheckpoint),
		ByCountry: countsJSON(c.ByCountry), ByMonth: countsJSON(c.ByMonth), ByOutcome: countsJSON(c.ByOutcome),
		ByConcealment: countsJSON(c.ByConcealment)}
}

func (s *Server) stats(c echo.Context) error {
	from, to, err := dateRange(c)
	if err != nil {
		return err
	}
	st, err := s.cases.Summary(c.Request().Context(), actor(c), c.QueryParam("authority"), from, to)
	if err != nil {
		return err
	}
	out := StatsJSON{Authority: st.Authority, From: c.QueryParam("from"), To: c.QueryParam("to"),
		Cases: caseCountsJSON(st.Cases), Seizures: caseCountsJSON(st.Seizures),
		Verifications: VerdictsJSON{ByVerdict: countsJSON(st.Verifications), ByDay: []DayJSON{}},
		Alerts: AlertCountsJSON{Total: st.Alerts.Total, ByRule: countsJSON(st.Alerts.ByRule), ByStatus: countsJSON(st.Alerts.ByStatus),
			BySeverity: countsJSON(st.Alerts.BySeverity)}}
	for _, d := range st.VerificationsByDay {
		out.Verifications.ByDay = append(out.Verifications.ByDay, DayJSON{Day: d.Day, ByVerdict: countsJSON(d.Counts)})
	}
	return c.JSON(http.StatusOK, out)
}
