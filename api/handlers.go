package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/users"
)

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 only while the database answers.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.svc.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		return c.JSON(http.StatusServiceUnavailable, ErrorBody{Error: "database_unavailable", Message: "the database does not answer"})
	}
	if rec := s.recorder; rec != nil {
		if st := rec.Stats(); st.Failing {
			s.log.Warn("not ready: the verification log cannot be written", "err", st.LastError)
			return c.JSON(http.StatusServiceUnavailable, ErrorBody{Error: "verification_log_failing", Message: "verification records cannot be written; see the server log"})
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) jwks(c echo.Context) error {
	keys, err := s.svc.JWKS(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSON(http.StatusOK, map[string]any{"keys": keys})
}

func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", openAPI)
}

func (s *Server) login(c echo.Context) error {
	var req TokenRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if len(req.Username) > 100 || len(req.Password) > 200 {
		return apiError(http.StatusUnauthorized, "bad_credentials", "wrong username or password")
	}
	a, err := s.users.Login(c.Request().Context(), req.Username, req.Password, c.RealIP())
	if err != nil {
		return err
	}
	tok, exp, err := s.issueSession(a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, TokenResponse{Token: tok, ExpiresAt: exp, Role: a.Role, Authority: a.Authority})
}

func (s *Server) createUser(c echo.Context) error {
	var req UserRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	u, err := s.users.Create(c.Request().Context(), actor(c), users.NewUser{Username: req.Username, Password: req.Password,
		Role: req.Role, Authority: req.Authority, Organisation: users.Organisation(req.Organisation)})
	if err != nil {
		return err
	}
	out := UserJSON{ID: u.ID, Username: u.Username, Role: u.Role, Authority: u.Authority, CreatedAt: u.CreatedAt}
	if u.Organisation != (users.Organisation{}) {
		org := OrganisationJSON(u.Organisation)
		out.Organisation = &org
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) issuePermit(c echo.Context) error {
	var req IssueRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	p, err := s.svc.Issue(c.Request().Context(), actor(c), req.domain())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/permits/"+p.Number)
	return c.JSON(http.StatusCreated, permitJSON(p, s.now()))
}

func (s *Server) listPermits(c echo.Context) error {
	page := 1
	if v := c.QueryParam("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			return apiError(http.StatusBadRequest, "invalid_page", "page must be a positive whole number")
		}
		page = n
	}
	size := 50
	if v := c.QueryParam("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return apiError(http.StatusBadRequest, "invalid_size", "size must be between 1 and 100")
		}
		size = n
	}
	from, to, err := dateRange(c)
	if err != nil {
		return err
	}
	res, err := s.svc.List(c.Request().Context(), actor(c), permits.Filter{Status: c.QueryParam("status"), Query: c.QueryParam("q"),
		From: from, To: to, Sort: c.QueryParam("sort"), Page: page, Size: size})
	if err != nil {
		return err
	}
	out := PermitListJSON{Permits: []*PermitJSON{}, Total: res.Total, Page: res.Page, Size: res.Size}
	now := s.now()
	for _, p := range res.Permits {
		out.Permits = append(out.Permits, permitJSON(p, now))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getPermit(c echo.Context) error {
	p, err := s.svc.Get(c.Request().Context(), actor(c), c.Param("number"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, permitJSON(p, s.now()))
}

func (s *Server) permitHistory(c echo.Context) error {
	entries, err := s.svc.History(c.Request().Context(), actor(c), c.Param("number"))
	if err != nil {
		return err
	}
	out := make([]AuditJSON, len(entries))
	for i, e := range entries {
		out[i] = AuditJSON{At: e.At, Actor: e.Actor, Action: e.Action, Before: rawOrNil(e.Before), After: rawOrNil(e.After)}
	}
	return c.JSON(http.StatusOK, map[string]any{"history": out})
}

func rawOrNil(s string) any {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func (s *Server) permitVerifications(c echo.Context) error {
	recs, err := s.svc.Verifications(c.Request().Context(), actor(c), c.Param("number"))
	if err != nil {
		return err
	}
	out := make([]VerificationRecordJSON, len(recs))
	for i, r := range recs {
		out[i] = VerificationRecordJSON{ID: r.ID, CheckedAt: r.CheckedAt, Username: r.Username, Verdict: r.Verdict,
			Reason: r.Reason, Port: r.Port, Direction: r.Direction, Source: r.Source}
	}
	return c.JSON(http.StatusOK, map[string]any{"verifications": out})
}

func (s *Server) revokePermit(c echo.Context) error {
	var req RevokeRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	p, err := s.svc.Revoke(c.Request().Context(), actor(c), c.Param("number"), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, permitJSON(p, s.now()))
}

func (s *Server) endorsePermit(c echo.Context) error {
	var req EndorseRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	dr := permits.EndorseRequest{Port: req.Port, Direction: req.Direction}
	for _, l := range req.Lines {
		dr.Lines = append(dr.Lines, permits.EndorsedLine(l))
	}
	p, err := s.svc.Endorse(c.Request().Context(), actor(c), c.Param("number"), dr)
	if err != nil {
		if req.RecordedOfflineAt != nil && isConflict(err) {
			s.raiseOfflineConflict(c, c.Param("number"), req, err)
		}
		return err
	}
	return c.JSON(http.StatusCreated, permitJSON(p, s.now()))
}

func (s *Server) verify(c echo.Context) error {
	var req VerifyRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Code == "" {
		return apiError(http.StatusUnprocessableEntity, "code_required", "send the text read from the QR code as \"code\"")
	}
	return s.verifyCode(c, req.Code, req.Checkpoint, "code")
}

func (s *Server) verifyCode(c echo.Context, code string, cp *Checkpoint, source string) error {
	vr := permits.VerifyRequest{Code: code, Source: source}
	if cp != nil {
		vr.Port, vr.Direction = cp.Port, cp.Direction
	}
	v, err := s.svc.Verify(c.Request().Context(), actor(c), vr)
	if err != nil {
		return err
	}
	pj := permitJSON(v.Permit, v.CheckedAt)
	if pj != nil {
		pj.QR = ""
	}
	l := localizer(c)
	out := VerificationJSON{ID: v.ID, Verdict: v.Verdict, Reasons: reasonsJSON(l, v.Reasons),
		Permit: pj, CheckedAt: v.CheckedAt, Mode: v.Mode, Source: v.Source, CheckedBy: source}
	if v.Guidance == nil || v.Permit == nil || v.Permit.ID == 0 { // no guidance, or a foreign permit's, made per scan
		out.Guidance = guidanceJSON(l, v.Guidance)
		return c.JSON(http.StatusOK, out)
	}
	guidance, err := s.guidance.get(l, v.Guidance)
	if err != nil {
		return err
	}
	// The same answer, with the guidance rendered once per permit and
	// language spliced in as its last member. Handed over as a
	// json.RawMessage, encoding/json would check and compact those bytes on
	// every scan, which cost more than encoding them (docs/benchmarks.md);
	// they are our own encoder's output.
	buf := answerBuffers.Get().(*bytes.Buffer)
	defer answerBuffers.Put(buf)
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(out); err != nil { // an object, without "guidance"
		return err
	}
	buf.Truncate(buf.Len() - len("}\n"))
	buf.WriteString(`,"guidance":`)
	buf.Write(guidance)
	buf.WriteByte('}')
	// With its length known, net/http sends the answer whole instead of in
	// chunks.
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.JSONBlob(http.StatusOK, buf.Bytes())
}

// answerBuffers hold answers to scans while they are written.
var answerBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// raiseOfflineConflict alerts the permit's Management Authority that an
// endorsement recorded offline arrived after the permit was used or revoked
// elsewhere: the shipment may have crossed on a spent document.
func (s *Server) raiseOfflineConflict(c echo.Context, number string, req EndorseRequest, cause error) {
	if s.cases == nil {
		return
	}
	authority := ""
	if p, err := s.svc.Get(c.Request().Context(), opencites.System, number); err == nil {
		authority = p.Authority
	}
	a := actor(c)
	at, code := req.RecordedOfflineAt.UTC().Format(time.RFC3339), opencites.CodeOf(cause)
	reason := cases.Say("alert_offline_endorsement_conflict",
		map[string]string{"Number": number, "Officer": a.Username, "Port": req.Port, "Direction": req.Direction, "RecordedAt": at, "Code": code},
		"endorsement of permit %s recorded offline by %s at %s (%s, %s) was refused when it arrived: %s",
		number, a.Username, req.Port, req.Direction, at, code)
	s.cases.RaiseExternal(authority, "offline_endorsement_conflict", "high", number, reason,
		cases.Evidence{Kind: "permit", Ref: number, At: s.now()})
}

func isConflict(err error) bool {
	var pe *opencites.Error
	return errors.As(err, &pe) && pe.Kind == opencites.KindConflict
}

// disableUser refuses the account's sign-ins and ends its sessions at once
// (on every replica within seconds); enableUser lets it sign in again;
// endSessions ends its sessions alone. Admins only.
func (s *Server) disableUser(c echo.Context) error {
	return s.userAccess(c, s.users.Disable)
}

func (s *Server) enableUser(c echo.Context) error {
	return s.userAccess(c, s.users.Enable)
}

func (s *Server) endSessions(c echo.Context) error {
	return s.userAccess(c, s.users.EndSessions)
}

func (s *Server) userAccess(c echo.Context, act func(context.Context, opencites.Actor, string) error) error {
	if err := act(c.Request().Context(), actor(c), c.Param("username")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
