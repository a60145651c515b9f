package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/locale"
)

// AlertJSON is a suspicious-conduct alert.
type AlertJSON struct {
	ID             int64          `json:"id"`
	Authority      string         `json:"authority"`
	Rule           string         `json:"rule"`
	Severity       string         `json:"severity"`
	Status         string         `json:"status"`
	Reason         string         `json:"reason"`
	ReasonCode     string         `json:"reason_code,omitempty"`
	Occurrences    int            `json:"occurrences"`
	CreatedAt      time.Time      `json:"created_at"`
	LastSeenAt     time.Time      `json:"last_seen_at"`
	AcknowledgedAt *time.Time     `json:"acknowledged_at,omitempty"`
	AcknowledgedBy string         `json:"acknowledged_by,omitempty"`
	ClosedAt       *time.Time     `json:"closed_at,omitempty"`
	ClosedBy       string         `json:"closed_by,omitempty"`
	Evidence       []EvidenceJSON `json:"evidence"`
}

// EvidenceJSON links an alert to a verification, permit or case; Link is
// where to read it in this API.
type EvidenceJSON struct {
	Kind string    `json:"kind"`
	Ref  string    `json:"ref"`
	At   time.Time `json:"at"`
	Link string    `json:"link,omitempty"`
}

// alertJSON renders an alert in the reader's language: its reason from
// its code and parameters (the stored English text for alerts raised
// before codes were stored, and whatever the catalogue lacks).
func alertJSON(l *locale.Localizer, a cases.Alert) AlertJSON {
	out := AlertJSON{ID: a.ID, Authority: a.Authority, Rule: a.Rule, Severity: a.Severity, Status: a.Status,
		Reason: alertReason(l, a), ReasonCode: a.ReasonCode,
		Occurrences: a.Occurrences, CreatedAt: a.CreatedAt, LastSeenAt: a.LastSeenAt, AcknowledgedAt: a.AcknowledgedAt,
		AcknowledgedBy: a.AcknowledgedBy, ClosedAt: a.ClosedAt, ClosedBy: a.ClosedBy, Evidence: []EvidenceJSON{}}
	for _, e := range a.Evidence {
		ej := EvidenceJSON{Kind: e.Kind, Ref: e.Ref, At: e.At}
		switch e.Kind {
		case "permit":
			ej.Link = "/api/v1/permits/" + e.Ref
		case "case":
			ej.Link = "/api/v1/cases/" + e.Ref
		}
		out.Evidence = append(out.Evidence, ej)
	}
	return out
}

func alertReason(l *locale.Localizer, a cases.Alert) string {
	if a.ReasonCode == "" {
		return a.Reason
	}
	args := make(map[string]string, len(a.ReasonArgs))
	for k, v := range a.ReasonArgs {
		args[k] = v
	}
	// Parameters that are words themselves (see cases.Reason).
	if p, ok := args["Port"]; ok && p == "" {
		args["Port"] = l.Text("unnamed_checkpoint", "an unnamed checkpoint", nil)
	}
	if d, ok := args["Direction"]; ok && d != "" {
		args["Direction"] = l.Text("direction_"+d, d, nil)
	}
	if u, ok := args["Unit"]; ok && u == "" {
		args["Unit"] = l.Text("unit_specimens", "specimens", nil)
	}
	return l.Text(a.ReasonCode, a.Reason, args)
}

func (s *Server) listAlerts(c echo.Context) error {
	page, size, err := pageParams(c)
	if err != nil {
		return err
	}
	from, to, err := dateRange(c)
	if err != nil {
		return err
	}
	res, err := s.cases.Alerts(c.Request().Context(), actor(c), cases.AlertFilter{Status: c.QueryParam("status"),
		Rule: c.QueryParam("rule"), Severity: c.QueryParam("severity"), Evidence: c.QueryParam("evidence"),
		From: from, To: to, Page: page, Size: size})
	if err != nil {
		return err
	}
	out := make([]AlertJSON, len(res.Alerts))
	for i, a := range res.Alerts {
		out[i] = alertJSON(localizer(c), a)
	}
	return c.JSON(http.StatusOK, map[string]any{"alerts": out, "total": res.Total, "page": res.Page, "size": res.Size})
}

func (s *Server) getAlert(c echo.Context) error {
	id, err := pathID(c, "id", "alert_not_found", "alert")
	if err != nil {
		return err
	}
	a, err := s.cases.Alert(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, alertJSON(localizer(c), a))
}

func (s *Server) acknowledgeAlert(c echo.Context) error {
	id, err := pathID(c, "id", "alert_not_found", "alert")
	if err != nil {
		return err
	}
	a, err := s.cases.Acknowledge(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, alertJSON(localizer(c), a))
}

func (s *Server) closeAlert(c echo.Context) error {
	id, err := pathID(c, "id", "alert_not_found", "alert")
	if err != nil {
		return err
	}
	a, err := s.cases.CloseAlert(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, alertJSON(localizer(c), a))
}

// BulkAlertsRequest is the body of POST /api/v1/alerts/bulk.
type BulkAlertsRequest struct {
	Action string  `json:"action"` // acknowledge or close
	IDs    []int64 `json:"ids"`
}

// BulkAlertError is an alert a bulk action could not change, and why.
type BulkAlertError struct {
	ID      int64  `json:"id"`
	Error   string `json:"error"`
	Message string `json:"message"`
}

// MaxBulkAlerts is the most alerts one bulk action changes.
const MaxBulkAlerts = 100

// bulkAlerts acknowledges or closes several alerts: each changes in its
// own transaction with its audit entry, as one at a time would, so one
// that cannot change (closed meanwhile, another authority's) is reported
// in errors and the others still change.
func (s *Server) bulkAlerts(c echo.Context) error {
	var req BulkAlertsRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	var change func(context.Context, opencites.Actor, int64) (cases.Alert, error)
	switch req.Action {
	case "acknowledge":
		change = s.cases.Acknowledge
	case "close":
		change = s.cases.CloseAlert
	default:
		return apiError(http.StatusUnprocessableEntity, "invalid_action", "action must be acknowledge or close")
	}
	if len(req.IDs) == 0 || len(req.IDs) > MaxBulkAlerts {
		return apiError(http.StatusUnprocessableEntity, "invalid_ids", fmt.Sprintf("name from 1 to %d alerts in ids", MaxBulkAlerts))
	}
	l := localizer(c)
	out := struct {
		Alerts []AlertJSON      `json:"alerts"`
		Errors []BulkAlertError `json:"errors"`
	}{Alerts: []AlertJSON{}, Errors: []BulkAlertError{}}
	for _, id := range req.IDs {
		a, err := change(c.Request().Context(), actor(c), id)
		if err != nil {
			if k := opencites.KindOf(err); k == opencites.KindInternal || k == opencites.KindForbidden {
				return err // nothing would change: a fault, or a caller who may change none
			}
			_, body := s.errorBody(err)
			out.Errors = append(out.Errors, BulkAlertError{ID: id, Error: body.Error, Message: l.Text(body.Error, body.Message, nil)})
			continue
		}
		out.Alerts = append(out.Alerts, alertJSON(l, a))
	}
	return c.JSON(http.StatusOK, out)
}

// AlertStreamPing is how often an idle alert stream sends a comment, so
// that proxies keep it open.
const AlertStreamPing = 25 * time.Second

// alertStream pushes alerts as server-sent events: "alert" for a new one,
// "alert-update" when one is seen again, acknowledged or closed. The
// stream opens with the comment ": connected".
func (s *Server) alertStream(c echo.Context) error {
	ch, cancel, err := s.cases.Subscribe(actor(c))
	if err != nil {
		return err
	}
	defer cancel()
	w := c.Response()
	// The server's write timeout is for ordinary requests, not a stream.
	_ = http.NewResponseController(w.Writer).SetWriteDeadline(time.Time{})
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, ": connected\n\n"); err != nil {
		return nil
	}
	w.Flush()
	ping := time.NewTicker(AlertStreamPing)
	defer ping.Stop()
	ctx := c.Request().Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ping.C:
			if _, err := io.WriteString(w, ": ping\n\n"); err != nil {
				return nil
			}
		case ev, ok := <-ch:
			if !ok { // the server is shutting down
				return nil
			}
			b, err := json.Marshal(alertJSON(localizer(c), ev.Alert))
			if err != nil {
				return nil
			}
			name := "alert-update"
			if ev.New {
				name = "alert"
			}
			if _, err := fmt.Fprintf(w, "event: %s\nid: %d\ndata: %s\n\n", name, ev.Alert.ID, b); err != nil {
				return nil
			}
		}
		w.Flush()
	}
}
