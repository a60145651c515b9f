package verifier

import (
	"errors"
	"time"
)

// Offline verifies permit codes with no network: the signature against a
// trust list, the status against the authorities' status lists, the dates
// against a clock that a phone set back cannot rewind past what the
// verifier has already seen. It holds no database and makes no calls, so it
// runs the same on the server, on the command line and in WebAssembly.
type Offline struct {
	anchor *PublicKey
	trust  *TrustList
	status map[string]*StatusList
	// floor is the newest trusted time seen: the lists' issue times and
	// the times of earlier checks. Verification never runs at an earlier
	// time, whatever the device clock says.
	floor time.Time
}

// NewOffline returns a verifier pinned to the trust anchor's public key.
func NewOffline(anchor *PublicKey) *Offline {
	return &Offline{anchor: anchor, status: map[string]*StatusList{}}
}

// LoadTrustList installs a trust list signed by the anchor. An older list
// (lower sequence number) than the one held is refused.
func (o *Offline) LoadTrustList(doc string) error {
	tl, err := ParseTrustList(doc, o.anchor)
	if err != nil {
		return err
	}
	if o.trust != nil && tl.Seq < o.trust.Seq {
		return errors.New("verifier: trust list older than the one held")
	}
	o.trust = tl
	o.raise(tl.IssuedAt)
	return nil
}

// LoadStatusList installs an authority's status list signed by the anchor;
// an older one than held is refused.
func (o *Offline) LoadStatusList(doc string) error {
	sl, err := ParseStatusList(doc, o.anchor)
	if err != nil {
		return err
	}
	if cur := o.status[sl.Authority]; cur != nil && sl.IssuedAt.Before(cur.IssuedAt) {
		return errors.New("verifier: status list older than the one held")
	}
	o.status[sl.Authority] = sl
	o.raise(sl.IssuedAt)
	return nil
}

// Floor is the clock floor, to persist between runs; SetFloor restores it.
func (o *Offline) Floor() time.Time { return o.floor }

// SetFloor restores a floor saved earlier (it only ever rises).
func (o *Offline) SetFloor(t time.Time) { o.raise(t) }

func (o *Offline) raise(t time.Time) {
	if t.After(o.floor) {
		o.floor = t.UTC()
	}
}

// Result is an offline verdict.
type Result struct {
	Verdict string
	Reasons []Reason
	// Claims are the permit's signed contents; set only when the signature
	// verified.
	Claims *Claims
	// Mode is "offline".
	Mode string
	// CheckedAt is the time the check ran at: the device clock, or the
	// floor if the device clock was behind it.
	CheckedAt time.Time
	// ClockBehind is true when the device clock was behind the floor.
	ClockBehind bool
	// TrustListAge and StatusListAge say how old the lists are (zero when
	// missing); Stale is true when a list needed is missing or past its
	// expiry, and the verdict then rests on old knowledge.
	TrustListAge  time.Duration
	StatusListAge time.Duration
	Stale         bool
}

// Verify checks a code read at a checkpoint ("export", "import" or "" for
// the document's own side) at the device's time. Verdicts and their order
// are the online ones, less what only the registry knows (not_found).
func (o *Offline) Verify(code, direction string, device time.Time) Result {
	now := device.UTC()
	r := Result{Mode: "offline"}
	if now.Before(o.floor) {
		now, r.ClockBehind = o.floor, true
		r.Reasons = append(r.Reasons, Reason{Code: "clock_behind", Message: "This device's clock is behind the time the verifier last saw: check the date and time settings."})
	}
	r.CheckedAt = now
	if o.trust == nil {
		r.Verdict, r.Stale = VerdictUnknownKey, true
		r.Reasons = append(r.Reasons, Reason{Code: "no_trust_list", Message: "No trust list is loaded: connect once to download it."})
		return r
	}
	r.TrustListAge = now.Sub(o.trust.IssuedAt)
	if !now.Before(o.trust.ExpiresAt) {
		r.Stale = true
		r.Reasons = append(r.Reasons, Reason{Code: "trust_list_stale", Message: "The trust list is past its validity: refresh it when a connection is available."})
	}
	var keyAuthorities map[string]bool
	tc := CheckToken(code, func(kid string) (Key, bool) {
		t, ok := o.trust.keys[kid]
		keyAuthorities = t.authorities
		return t.key, ok
	}, now)
	c := Check{Token: tc, KeyAuthorities: keyAuthorities, Direction: direction}
	if keyAuthorities == nil {
		c.KeyAuthorities = map[string]bool{} // a key on no authority's list speaks for none
	}
	var listed []Reason // what the lists add to the verdict's own reasons
	if tc.Claims != nil && tc.Verdict == VerdictValid && c.KeyAuthorities[tc.Claims.Issuer] {
		o.raise(now) // a verified check moves the floor up
		if sl := o.status[tc.Claims.Issuer]; sl != nil && tc.Claims.StatusIndex != nil {
			r.StatusListAge = now.Sub(sl.IssuedAt)
			if !now.Before(sl.ExpiresAt) {
				r.Stale = true
				listed = append(listed, Reason{Code: "status_list_stale", Message: "The status list is past its validity: refresh it when a connection is available."})
			}
			st, ok := sl.Get(*tc.Claims.StatusIndex)
			c.Standing = &Standing{Known: true, Status: st, OutOfRange: !ok}
		} else {
			r.Stale = true
			listed = append(listed, Reason{Code: "no_status_list", Message: "No status list for this authority: revocation cannot be checked offline."})
		}
	}
	j := Judge(c)
	r.Verdict, r.Claims = j.Verdict, j.Claims
	if j.Claims == nil && tc.Claims != nil { // a key of another authority: nothing else matters
		r.Reasons = j.Reasons
		return r
	}
	r.Reasons = append(append(j.Reasons, r.Reasons...), listed...)
	return r
}
