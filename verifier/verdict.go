package verifier

// Standing is what is known of a permit besides its signed token: its
// state in the registry (online) or its entry in its authority's status
// list (offline).
type Standing struct {
	// Known is false when the registry has no such permit. Only the
	// registry can say so: a status list has an entry for every index.
	Known bool
	// Status is the permit's state as a status-list value: StatusValid,
	// StatusRevoked, StatusSuspended, StatusUsed or StatusExported.
	Status uint8
	// RevocationReason is the issuing authority's words, when the registry
	// has them.
	RevocationReason string
	// OutOfRange is set when the token's status index falls outside its
	// authority's status list.
	OutOfRange bool
}

// Check is everything a verdict rests on: the token check (signature, key
// status, dates at the time of the check), the authorities the signing key
// speaks for, the permit's standing and the checkpoint's direction.
type Check struct {
	Token TokenCheck
	// KeyAuthorities are the authorities the signing key may sign for, as
	// its trust list says; nil means any (the registry's own keys, which
	// sign only for the authorities this node issues for).
	KeyAuthorities map[string]bool
	// Standing is nil when nothing is known of the permit's state: offline,
	// with no status list for its authority.
	Standing *Standing
	// Direction is "export", "import", or "" for the document's own side.
	Direction string
}

// Judgement is a verdict with its reasons, most important first.
type Judgement struct {
	Verdict string
	Reasons []Reason
	// Claims are the token's contents when the signature verified with a
	// key of the permit's own authority; nil otherwise, so that a forged
	// code never shows data.
	Claims *Claims
}

// Judge decides a verdict. The server (online, against the registry) and
// every offline verifier (command line, WebAssembly) call it, so a phone
// and the server can never disagree on the same facts. The order is fixed,
// the first failing check winning: malformed, unknown_key (including a key
// that does not speak for the code's authority), bad_signature, malformed
// claims, expired, not_yet_valid (all from the token check), then
// not_found, revoked, used, valid from the standing.
func Judge(c Check) Judgement {
	tc := c.Token
	j := Judgement{Verdict: tc.Verdict, Reasons: nonEmpty(tc.Reason)}
	if tc.Claims == nil {
		return j
	}
	// A key speaks only for the authorities its trust list names.
	if c.KeyAuthorities != nil && !c.KeyAuthorities[tc.Claims.Issuer] {
		return Judgement{Verdict: VerdictUnknownKey, Reasons: []Reason{{Code: "unknown_key",
			Message: "The code was signed with a key that does not belong to its authority: it may be forged."}}}
	}
	j.Claims = tc.Claims
	if tc.Verdict != VerdictValid { // expired or not yet valid: dates come first
		return j
	}
	st := c.Standing
	switch {
	case st == nil:
		return valid(j)
	case !st.Known:
		j.Verdict = VerdictNotFound
		j.Reasons = []Reason{{Code: "not_in_registry", Message: "The code is correctly signed but the registry has no such permit: hold the goods and report it."}}
		return j
	case st.OutOfRange:
		j.Verdict = VerdictMalformed
		j.Reasons = []Reason{{Code: "bad_status_index", Message: "The permit's status entry is outside its authority's list."}}
		return j
	}
	direction := c.Direction
	if direction == "" {
		direction = "export"
		if ImportSide(tc.Claims.Type) {
			direction = "import"
		}
	}
	switch st.Status {
	case StatusRevoked, StatusSuspended:
		j.Verdict = VerdictRevoked
		r := Reason{Code: "revoked", Message: "The issuing authority revoked this permit."}
		if st.Status == StatusSuspended {
			r.Message = "The issuing authority suspended this permit."
		}
		if st.RevocationReason != "" {
			r.Message = "The issuing authority revoked this permit: " + st.RevocationReason
			r.Args = map[string]string{"Reason": st.RevocationReason}
		}
		j.Reasons = []Reason{r}
	case StatusUsed:
		j.Verdict = VerdictUsed
		j.Reasons = []Reason{{Code: "accepted_at_import", Message: "This document was already accepted at import and cancelled: it may not be used again."}}
	case StatusExported:
		if direction == "export" {
			j.Verdict = VerdictUsed
			j.Reasons = []Reason{{Code: "already_exported", Message: "This document was already endorsed for export: each permit serves one shipment."}}
			return j
		}
		j = valid(j)
		j.Reasons = append(j.Reasons, Reason{Code: "endorsed_for_export", Message: "Endorsed on export: compare the quantities actually shipped (box 14) with the goods."})
	default:
		return valid(j)
	}
	return j
}

func valid(j Judgement) Judgement {
	j.Verdict = VerdictValid
	j.Reasons = []Reason{{Code: "valid", Message: "Signature and registry status check out. Compare the species, quantities and parties with the goods."}}
	return j
}

// ImportSide reports whether a document type (the token's "pt") is
// presented only when goods enter the importing country: the import
// permit. Every other document is endorsed on export first.
func ImportSide(typeCode string) bool { return typeCode == "I" }

func nonEmpty(r Reason) []Reason {
	if r.Code == "" {
		return nil
	}
	return []Reason{r}
}
