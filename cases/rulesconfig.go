package cases

import "time"

// Rules that raise alerts.
const (
	RuleForgedCode    = "forged_code"     // a code with a bad signature, an unknown key, or signed for a number never issued
	RuleRevoked       = "revoked_permit"  // a revoked permit presented
	RuleExpired       = "expired_permit"  // an expired permit presented
	RuleReused        = "reused_permit"   // a permit already endorsed or accepted presented again
	RuleCheckpoints   = "two_checkpoints" // the same permit at two checkpoints within a short time
	RuleOverQuantity  = "over_quantity"   // a case found more, or other species, than the permit presented allows
	RuleLinkedToCase  = "linked_to_case"  // a permit, exporter or importer named in an earlier case
	RuleAppendixI     = "appendix_i_trade"
	RuleCaptiveVolume = "captive_volume" // captive-bred volumes of a species from one exporter above the plausible
	RuleIssueSpike    = "issue_spike"    // permits for one species far above their usual rate
	// RuleOutOfRange: wild specimens from a country outside the taxon's
	// range (native or reintroduced), on a permit issued or scanned, or in
	// a case: a laundering signal.
	RuleOutOfRange = "outside_range"
	// RuleVerificationLog: the database refused a verification record,
	// which was set aside; the inspection trail has a hole to look into.
	RuleVerificationLog = "verification_log"
)

// Severities, lowest first.
var Severities = []string{"low", "medium", "high", "critical"}

func severityRank(s string) int {
	for i, x := range Severities {
		if x == s {
			return i
		}
	}
	return -1
}

// RulesConfig holds the thresholds of the rules: configuration, not code.
// Zero fields take DefaultRules' values.
type RulesConfig struct {
	// ForgedCriticalScans is how many scans of the same forged code make
	// its alert critical (a code in circulation rather than one attempt).
	ForgedCriticalScans int
	// ExpiredGrace: a permit presented less than this after its expiry
	// raises a low alert (a late shipment), later a medium one.
	ExpiredGrace time.Duration
	// CheckpointWindow: the same permit seen at two different checkpoints
	// (scans or endorsements) within this time raises an alert.
	CheckpointWindow time.Duration
	// OverQuantityTolerance is the fraction by which what a case found may
	// exceed the permit presented before an alert (0: any excess).
	OverQuantityTolerance float64
	// CaptiveSources are the source codes counted as captive production.
	CaptiveSources []string
	// CaptiveWindow is the period over which captive volumes add up.
	CaptiveWindow time.Duration
	// CaptiveLimits is the plausible captive output of one exporter in
	// CaptiveWindow, by accepted taxon name; CaptiveDefaultLimit otherwise.
	CaptiveLimits       map[string]float64
	CaptiveDefaultLimit float64
	// SpikeWindow is the period whose permit count for a species is
	// compared with the mean of the SpikeBaselineWindows before it; more
	// than SpikeFactor times that mean, and at least SpikeMinPermits,
	// raises an alert.
	SpikeWindow          time.Duration
	SpikeBaselineWindows int
	SpikeFactor          float64
	SpikeMinPermits      int
	// VolumeCheckEvery is how often the captive-volume and spike checks
	// run for one exporter and species: each check sums its whole window,
	// so the newest permit's check covers those issued before it, and a
	// burst of issues waits for its alert no more than twice this long
	// (the engine looks for owed checks at this interval).
	VolumeCheckEvery time.Duration
	// QueueSize is how many events may wait for evaluation before
	// observers wait; RecentScans how many scans are remembered in memory.
	QueueSize   int
	RecentScans int
	// MaxEvidence is how many evidence links one alert keeps; further
	// occurrences are counted, not listed.
	MaxEvidence int
}

// DefaultRules are the thresholds used where a RulesConfig leaves zeros.
var DefaultRules = RulesConfig{
	ForgedCriticalScans:   3,
	ExpiredGrace:          72 * time.Hour,
	CheckpointWindow:      6 * time.Hour,
	OverQuantityTolerance: 0,
	CaptiveSources:        []string{"C"},
	CaptiveWindow:         365 * 24 * time.Hour,
	// Central Asian tortoises: Uzbekistan's whole legal harvest was about
	// 85,000 a year by 2017 (DOMAIN.md 7); one farm's output is far less.
	CaptiveLimits:        map[string]float64{"Testudo horsfieldii": 5000},
	CaptiveDefaultLimit:  1000,
	SpikeWindow:          7 * 24 * time.Hour,
	SpikeBaselineWindows: 8,
	SpikeFactor:          3,
	SpikeMinPermits:      5,
	VolumeCheckEvery:     5 * time.Second,
	QueueSize:            8192,
	RecentScans:          20000,
	MaxEvidence:          100,
}

func (c RulesConfig) withDefaults() RulesConfig {
	d := DefaultRules
	if c.ForgedCriticalScans <= 0 {
		c.ForgedCriticalScans = d.ForgedCriticalScans
	}
	if c.ExpiredGrace <= 0 {
		c.ExpiredGrace = d.ExpiredGrace
	}
	if c.CheckpointWindow <= 0 {
		c.CheckpointWindow = d.CheckpointWindow
	}
	if c.OverQuantityTolerance < 0 {
		c.OverQuantityTolerance = 0
	}
	if len(c.CaptiveSources) == 0 {
		c.CaptiveSources = d.CaptiveSources
	}
	if c.CaptiveWindow <= 0 {
		c.CaptiveWindow = d.CaptiveWindow
	}
	if c.CaptiveLimits == nil {
		c.CaptiveLimits = d.CaptiveLimits
	}
	if c.CaptiveDefaultLimit <= 0 {
		c.CaptiveDefaultLimit = d.CaptiveDefaultLimit
	}
	if c.SpikeWindow <= 0 {
		c.SpikeWindow = d.SpikeWindow
	}
	if c.SpikeBaselineWindows <= 0 {
		c.SpikeBaselineWindows = d.SpikeBaselineWindows
	}
	if c.SpikeFactor <= 0 {
		c.SpikeFactor = d.SpikeFactor
	}
	if c.SpikeMinPermits <= 0 {
		c.SpikeMinPermits = d.SpikeMinPermits
	}
	if c.VolumeCheckEvery <= 0 {
		c.VolumeCheckEvery = d.VolumeCheckEvery
	}
	if c.QueueSize <= 0 {
		c.QueueSize = d.QueueSize
	}
	if c.RecentScans <= 0 {
		c.RecentScans = d.RecentScans
	}
	if c.MaxEvidence <= 0 {
		c.MaxEvidence = d.MaxEvidence
	}
	return c
}
