package api

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites/scan"
)

// TestBusyOr: a decode that could not start in time is 503 busy, however
// deep the domain wrapped it; other errors pass unchanged.
func TestBusyOr(t *testing.T) {
	var he *echo.HTTPError
	err := busyOr(fmt.Errorf("cases: photo: %w", fmt.Errorf("%w: %w", scan.ErrBusy, errors.New("deadline"))))
	if !errors.As(err, &he) || he.Code != http.StatusServiceUnavailable || he.Message.(ErrorBody).Error != "busy" {
		t.Errorf("busy: %v", err)
	}
	other := errors.New("other")
	if busyOr(other) != other || busyOr(nil) != nil {
		t.Error("other errors changed")
	}
}
