package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites"
)

// HeaderIdempotencyKey names a creating request so that it can be sent
// again safely: the phone's outbox and any client that lost an answer (a
// connection reset after the commit) retry with the same key.
const HeaderIdempotencyKey = "Idempotency-Key"

// idempotent makes a creating route (issue, endorse, a new application, a
// new case) safe to retry: with an Idempotency-Key, a repeat of the same
// request by the same user gets the first answer and creates nothing; the
// same key with another request is refused. The key is claimed in the
// transaction that creates the record, so even an answer lost in a crash
// is found again: the record is read back and answered as created.
func (s *Server) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := c.Request().Header.Get(HeaderIdempotencyKey)
		if key == "" {
			return next(c)
		}
		if len(key) > 128 || badText(key) {
			return apiError(http.StatusBadRequest, "invalid_idempotency_key", "Idempotency-Key is at most 128 characters of text")
		}
		a := actor(c)
		body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, MaxJSONBody))
		if err != nil {
			return apiError(http.StatusRequestEntityTooLarge, "body_too_large", "the request body is too large")
		}
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		h := sha256.New()
		io.WriteString(h, c.Request().Method+" "+c.Request().URL.Path+"\n")
		h.Write(body)
		hash := hex.EncodeToString(h.Sum(nil))
		ctx := c.Request().Context()
		prev, found, err := s.reg.IdempotentAnswer(ctx, a.UserID, key)
		if err != nil {
			return opencites.Internal("idempotency key", err)
		}
		if found {
			if prev.RequestHash != hash {
				return apiError(http.StatusUnprocessableEntity, "idempotency_key_reused", "this Idempotency-Key was used for another request: use a new key for a new request")
			}
			c.Response().Header().Set("Idempotent-Replayed", "true")
			if prev.Status != 0 {
				return c.Blob(prev.Status, echo.MIMEApplicationJSON, prev.Body)
			}
			return s.readBack(c, prev.EntityType, prev.EntityID)
		}
		c.SetRequest(c.Request().WithContext(opencites.WithIdempotency(ctx, opencites.Idempotency{UserID: a.UserID, Key: key, RequestHash: hash})))
		rec := &capture{ResponseWriter: c.Response().Writer}
		c.Response().Writer = rec
		if err := next(c); err != nil {
			return err
		}
		if st := c.Response().Status; st >= 200 && st < 300 {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := s.reg.StoreAnswer(sctx, a.UserID, key, st, rec.body.Bytes()); err != nil {
				// The record is created and its key claimed: a retry reads it back.
				s.log.Warn("store idempotent answer", "request_id", requestID(c), "err", err)
			}
		}
		return nil
	}
}

// capture keeps a copy of what a handler writes.
type capture struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *capture) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// readBack answers a retried request whose record was created but whose
// answer was never stored, by reading the record back as its creator.
func (s *Server) readBack(c echo.Context, entityType, id string) error {
	path := map[string]string{"permit": "/api/v1/permits/", "application": "/api/v1/applications/", "case": "/api/v1/cases/"}[entityType]
	if path == "" {
		return apiError(http.StatusConflict, "idempotency_key_in_use", "a request with this Idempotency-Key was already processed")
	}
	req := httptest.NewRequestWithContext(c.Request().Context(), http.MethodGet, path+id, nil)
	req.Header.Set("Authorization", c.Request().Header.Get("Authorization"))
	req.Header.Set("Accept-Language", c.Request().Header.Get("Accept-Language"))
	rec := httptest.NewRecorder()
	s.echo.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return apiError(http.StatusConflict, "idempotency_key_in_use", "a request with this Idempotency-Key was already processed")
	}
	return c.Blob(http.StatusCreated, echo.MIMEApplicationJSON, rec.Body.Bytes())
}
