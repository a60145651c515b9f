package cases_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/permits"
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

// An event is committed before it is observed: a client that hung up
// after its permit was issued (its request's context ended) must not let
// the permit escape the rules. Before, a select between the free queue and
// the ended context dropped about half of such events.
func TestObserveAfterTheClientLeft(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, dsn string) {
		r := newTestRegistry(t, dsn, &cases.RulesConfig{})
		gone, cancel := context.WithCancel(context.Background())
		cancel()
		const n = 20
		for i := range n {
			p := &permits.Permit{Number: fmt.Sprintf("26KG9%05d", i), Authority: "KG", Type: "export", Purpose: "T", IssuedAt: time.Now(),
				Exporter: permits.Party{Name: "Ala-Too Trade LLC", Country: "KG"},
				Lines:    []permits.Line{{Line: "1", Taxon: "Panthera uncia", Appendix: "I", Source: "W", Term: "SKI", Quantity: 1}}}
			r.cases.Observe(gone, permits.Event{Kind: permits.EventIssue, At: p.IssuedAt, Actor: r.issuer, Authority: "KG", Number: p.Number, Permit: p})
		}
		if err := r.cases.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		var got int64
		if err := r.db.Model(&models.Alert{}).Where("rule = ?", cases.RuleAppendixI).Count(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("%d Appendix I alerts from %d issues observed after their clients left, want %d", got, n, n)
		}
	})
}
