package cases_test

import (
	"testing"
	"time"

	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/models/modelstest"
)

// A burst of issues from one exporter is checked by its newest permit once
// VolumeCheckEvery has passed, by the engine's own timer: nobody has to
// read the alerts (which flushes the engine) for the alert to be raised.
func TestDeferredVolumeCheckRunsOnItsOwn(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, dsn string) {
		r := newTestRegistry(t, dsn, &cases.RulesConfig{VolumeCheckEvery: 200 * time.Millisecond, CaptiveDefaultLimit: 10})
		// 6 + 6 captive-bred falcons: over the limit of 10 with the second.
		r.issueFalcons(t, 6)
		// Let the engine check the first on its own, so that the second
		// falls within VolumeCheckEvery of that check.
		time.Sleep(50 * time.Millisecond)
		r.issueFalcons(t, 6)
		deadline := time.Now().Add(5 * time.Second)
		for {
			var n int64
			if err := r.db.Model(&models.Alert{}).Where("rule = ?", cases.RuleCaptiveVolume).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n == 1 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d captive-volume alerts 5 s after the second issue, want 1", n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
