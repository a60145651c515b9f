package cases

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/verifier"
)

// maxSightings bounds the checkpoints remembered for one permit.
const maxSightings = 8

// sighting is a permit seen at a checkpoint.
type sighting struct {
	port, ref, kind string // ref: verification id or "endorsement"
	at              time.Time
	checkpoint      string // normPort(port), set by sighted
}

func permitKey(authority, number string) string { return authority + "/" + number }

func alertAuthority(ev *permits.Event) string {
	if ev.Authority != "" {
		return ev.Authority
	}
	return ev.Actor.Authority
}

func portOr(p string) string {
	if p == "" {
		return "an unnamed checkpoint"
	}
	return p
}

// forged is the reason for a forged code (by verdict), seen once or, when
// repeated, n times: the English text and its message code.
func forged(verdict, port, kid, number string, n int) Reason {
	what, code := "", ""
	switch verdict {
	case verifier.VerdictBadSignature:
		what, code = "a code whose signature does not match (forged or altered)", "alert_forged_signature"
	case verifier.VerdictUnknownKey:
		what, code = "a code signed with a key this registry does not know (kid "+kid+")", "alert_forged_unknown_key"
	default:
		what, code = "a correctly signed code for permit "+number+", which the registry never issued (a signing key may be compromised)", "alert_forged_not_issued"
	}
	args := map[string]string{"Port": port, "Kid": kid, "Number": number}
	if n == 0 {
		return Say(code, args, "Scanned at %s: %s.", portOr(port), what)
	}
	args["Count"] = strconv.Itoa(n)
	return Say(code+"_repeated", args, "The same forged code was scanned %d times, last at %s: %s; it is in circulation.", n, portOr(port), what)
}

func normPort(p string) string { return strings.ToLower(strings.Join(strings.Fields(p), " ")) }

func (e *Engine) onVerification(ctx context.Context, ev *permits.Event) error {
	v := ev.Verification
	authority := alertAuthority(ev)
	vEv := Evidence{Kind: "verification", Ref: v.ID, At: ev.At}
	pEv := Evidence{Kind: "permit", Ref: ev.Number, At: ev.At}
	switch v.Verdict {
	case verifier.VerdictBadSignature, verifier.VerdictUnknownKey, verifier.VerdictNotFound:
		verdict, port, kid, number := v.Verdict, v.Port, v.KeyID, ev.Number
		return e.raise(raised{authority: authority, rule: RuleForgedCode, severity: "high", group: "code:" + v.CodeSHA256,
			said: forged(verdict, port, kid, number, 0), evidence: []Evidence{vEv},
			escalateAt: e.cfg.ForgedCriticalScans, escalated: func(n int) Reason { return forged(verdict, port, kid, number, n) }})
	case verifier.VerdictRevoked:
		args := map[string]string{"Number": ev.Number, "Port": v.Port}
		reason := Say("alert_revoked_presented", args, "Revoked permit %s was presented at %s.", ev.Number, portOr(v.Port))
		switch {
		case ev.Number == "":
			reason = Say("alert_withdrawn_key_presented", args, "A permit signed with a withdrawn key was presented at %s.", portOr(v.Port))
		case ev.Permit != nil && ev.Permit.RevocationReason != "":
			args["Reason"] = ev.Permit.RevocationReason
			reason = Say("alert_revoked_presented_reason", args, "Revoked permit %s was presented at %s. It was revoked: %s",
				ev.Number, portOr(v.Port), ev.Permit.RevocationReason)
		}
		group := "permit:" + permitKey(ev.Authority, ev.Number)
		if ev.Number == "" {
			group = "code:" + v.CodeSHA256
		}
		if err := e.raise(raised{authority: authority, rule: RuleRevoked, severity: "high", group: group, said: reason,
			evidence: withPermit([]Evidence{vEv}, pEv)}); err != nil {
			return err
		}
	case verifier.VerdictExpired:
		sev := "medium"
		args := map[string]string{"Number": ev.Number, "Port": v.Port}
		reason := Say("alert_expired_presented", args, "Expired permit %s was presented at %s.", ev.Number, portOr(v.Port))
		if ev.Permit != nil {
			since := ev.At.Sub(ev.Permit.ValidUntil)
			if since < e.cfg.ExpiredGrace {
				sev = "low"
			}
			hours := int64(since.Round(time.Hour) / time.Hour)
			args["Hours"] = strconv.FormatInt(hours, 10)
			reason = Say("alert_expired_presented_after", args, "Expired permit %s was presented at %s %d h after its validity ended.",
				ev.Number, portOr(v.Port), hours)
		}
		if err := e.raise(raised{authority: authority, rule: RuleExpired, severity: sev, group: "permit:" + permitKey(ev.Authority, ev.Number),
			said: reason, evidence: withPermit([]Evidence{vEv}, pEv)}); err != nil {
			return err
		}
	case verifier.VerdictUsed:
		if err := e.raise(raised{authority: authority, rule: RuleReused, severity: "high", group: "permit:" + permitKey(ev.Authority, ev.Number),
			said: Say("alert_used_presented", map[string]string{"Number": ev.Number, "Port": v.Port},
				"Permit %s, already used for its one shipment, was presented again at %s.", ev.Number, portOr(v.Port)),
			evidence: []Evidence{vEv, pEv}}); err != nil {
			return err
		}
	}
	if ev.Number == "" || ev.Permit == nil {
		return nil
	}
	if err := e.outOfRange(ev.Permit, pEv, true, v.Port); err != nil {
		return err
	}
	if err := e.sighted(ctx, ev, sighting{port: v.Port, ref: v.ID, kind: "verification", at: ev.At}); err != nil {
		return err
	}
	return e.linked(ctx, ev, []Evidence{vEv})
}

func withPermit(evs []Evidence, p Evidence) []Evidence {
	if p.Ref == "" {
		return evs
	}
	return append(evs, p)
}

// sighted remembers where a permit was seen and raises an alert when it
// was seen at another checkpoint within the window.
func (e *Engine) sighted(ctx context.Context, ev *permits.Event, s sighting) error {
	// Normalized once: the engine sees every scan, and normalizing every
	// remembered sighting's port again (with the parties' names in linked)
	// showed in the server's CPU profile (docs/benchmarks.md).
	if s.checkpoint = normPort(s.port); s.checkpoint == "" {
		return nil
	}
	key := permitKey(ev.Authority, ev.Number)
	// Keep the latest sighting per checkpoint, within the window, at most
	// maxSightings checkpoints a permit.
	var keep []sighting
	var other *sighting
	seen, _ := e.seen.Get(key)
	for _, old := range seen {
		if s.at.Sub(old.at) > e.cfg.CheckpointWindow || old.checkpoint == s.checkpoint {
			continue
		}
		keep = append(keep, old)
		if other == nil {
			o := old
			other = &o
		}
	}
	if len(keep) >= maxSightings {
		keep = keep[len(keep)-maxSightings+1:]
	}
	// The cache forgets the permits seen least recently when full: those
	// whose sightings are likeliest to be out of the window anyway. (A
	// sweep of the whole map when it was full had cost more than
	// everything else a cold scan does.)
	e.seen.Put(key, append(keep, s))
	if other == nil {
		return nil
	}
	evs := []Evidence{{Kind: "permit", Ref: ev.Number, At: s.at}}
	for _, x := range []sighting{*other, s} {
		if x.kind == "verification" {
			evs = append(evs, Evidence{Kind: "verification", Ref: x.ref, At: x.at})
		}
	}
	apart := s.at.Sub(other.at).Round(time.Minute)
	err := e.raise(raised{authority: ev.Authority, rule: RuleCheckpoints, severity: "high", group: "permit:" + key,
		said: Say("alert_two_checkpoints", map[string]string{"Number": ev.Number, "Port1": other.port, "Port2": s.port,
			"Minutes": strconv.FormatInt(int64(apart/time.Minute), 10)},
			"Permit %s was seen at %s (%s) and at %s (%s), %s apart: one document is serving two shipments, or has been copied.",
			ev.Number, other.port, other.kind, s.port, s.kind, apart),
		evidence: evs})
	return err
}

func (e *Engine) onEndorsement(ctx context.Context, ev *permits.Event) error {
	if ev.Endorsement == nil {
		return nil
	}
	if err := e.sighted(ctx, ev, sighting{port: ev.Endorsement.Port, ref: "endorsement", kind: ev.Endorsement.Direction + " endorsement", at: ev.At}); err != nil {
		return err
	}
	return e.linked(ctx, ev, nil)
}

// onRefusedEndorsement raises for a spent or revoked permit held out for
// endorsement the alert a scan of it raises: the same rule and group, so
// a scan and a refused endorsement of one permit merge into one alert.
func (e *Engine) onRefusedEndorsement(ctx context.Context, ev *permits.Event) error {
	end := ev.Endorsement
	if end == nil {
		return nil
	}
	authority := alertAuthority(ev)
	pEv := Evidence{Kind: "permit", Ref: ev.Number, At: ev.At}
	args := map[string]string{"Number": ev.Number, "Direction": end.Direction, "Port": end.Port}
	rule, reason := RuleReused, Say("alert_used_endorsement", args,
		"Permit %s, already used for its one shipment, was presented again for endorsement (%s) at %s.", ev.Number, end.Direction, portOr(end.Port))
	if ev.Refusal == "permit_revoked" {
		rule, reason = RuleRevoked, Say("alert_revoked_endorsement", args,
			"Revoked permit %s was presented for endorsement (%s) at %s.", ev.Number, end.Direction, portOr(end.Port))
	}
	if err := e.raise(raised{authority: authority, rule: rule, severity: "high", group: "permit:" + permitKey(ev.Authority, ev.Number),
		said: reason, evidence: []Evidence{pEv}}); err != nil {
		return err
	}
	if err := e.sighted(ctx, ev, sighting{port: end.Port, ref: "endorsement", kind: "refused " + end.Direction + " endorsement", at: ev.At}); err != nil {
		return err
	}
	return e.linked(ctx, ev, nil)
}

func (e *Engine) onIssue(ctx context.Context, ev *permits.Event) error {
	p := ev.Permit
	if p == nil {
		return nil
	}
	pEv := Evidence{Kind: "permit", Ref: p.Number, At: ev.At}
	// Appendix I for a commercial purpose passes the issuing rules only
	// for a registered captive-breeding operation (D) or pre-Convention
	// specimens: lawful, and exactly where laundering hides.
	if p.Purpose == "T" {
		var taxa, coded []string
		for _, l := range p.Lines {
			if l.Appendix == "I" {
				taxa = append(taxa, fmt.Sprintf("%s (source %s)", l.Taxon, l.Source))
				coded = append(coded, fmt.Sprintf("%s (%s)", l.Taxon, l.Source))
			}
		}
		if len(taxa) > 0 {
			if err := e.raise(raised{authority: p.Authority, rule: RuleAppendixI, severity: "medium", group: "permit:" + permitKey(p.Authority, p.Number),
				said: Say("alert_appendix_i_trade", map[string]string{"Number": p.Number, "Taxa": strings.Join(coded, ", ")},
					"Permit %s authorises Appendix I specimens for a commercial purpose: %s. Check the registered operation or the pre-Convention evidence.",
					p.Number, strings.Join(taxa, ", ")),
				evidence: []Evidence{pEv}}); err != nil {
				return err
			}
		}
	}
	if err := e.outOfRange(p, pEv, false, ""); err != nil {
		return err
	}
	e.volumeChecks = append(e.volumeChecks, volumeCheck{p: p, ev: pEv})
	return e.linked(ctx, ev, nil)
}

// captive adds up the captive-bred quantities of each taxon this permit's
// exporter was authorised in the window, this permit included.
func (e *Engine) captive(ctx context.Context, p *permits.Permit, pEv Evidence, done map[string]bool) error {
	for _, l := range p.Lines {
		key := p.Authority + "|" + strings.ToLower(p.Exporter.Name) + "|" + l.Taxon + "|" + l.Unit
		if !containsStr(e.cfg.CaptiveSources, l.Source) || done[key] {
			continue
		}
		done[key] = true
		total, err := e.s.permits.AuthorisedQuantity(ctx, permits.VolumeQuery{Authority: p.Authority, Exporter: p.Exporter.Name,
			Taxon: l.Taxon, Unit: l.Unit, Sources: e.cfg.CaptiveSources, Since: p.IssuedAt.Add(-e.cfg.CaptiveWindow)})
		if err != nil {
			return fmt.Errorf("captive volume: %w", err)
		}
		limit, ok := e.cfg.CaptiveLimits[l.Taxon]
		if !ok {
			limit = e.cfg.CaptiveDefaultLimit
		}
		if total <= limit {
			continue
		}
		unit := l.Unit
		if unit == "" {
			unit = "specimens"
		}
		if err := e.raise(raised{authority: p.Authority, rule: RuleCaptiveVolume, severity: "high",
			group: "captive:" + p.Authority + ":" + strings.ToLower(p.Exporter.Name) + ":" + l.Taxon + ":" + l.Unit,
			said: Say("alert_captive_volume", map[string]string{"Exporter": p.Exporter.Name, "Total": num(total), "Unit": l.Unit, "Taxon": l.Taxon,
				"Sources": strings.Join(e.cfg.CaptiveSources, "/"), "Days": strconv.Itoa(int(e.cfg.CaptiveWindow.Hours() / 24)), "Limit": num(limit)},
				"%s was authorised %g %s of %s declared captive-bred (source %s) within %d days, above the plausible %g: check the facility's capacity.",
				p.Exporter.Name, total, unit, l.Taxon, strings.Join(e.cfg.CaptiveSources, "/"), int(e.cfg.CaptiveWindow.Hours()/24), limit),
			evidence: []Evidence{pEv}}); err != nil {
			return err
		}
	}
	return nil
}

// spike compares the permits issued for each taxon of p in the last window
// with the mean of the windows before.
func (e *Engine) spike(ctx context.Context, p *permits.Permit, pEv Evidence, done map[string]bool) error {
	w := e.cfg.SpikeWindow
	for _, l := range p.Lines {
		if done[p.Authority+"|"+l.Taxon] {
			continue
		}
		done[p.Authority+"|"+l.Taxon] = true
		recent, err := e.s.permits.IssuedCount(ctx, p.Authority, l.Taxon, p.IssuedAt.Add(-w), p.IssuedAt)
		if err != nil {
			return fmt.Errorf("issue spike: %w", err)
		}
		if recent < int64(e.cfg.SpikeMinPermits) {
			continue
		}
		before, err := e.s.permits.IssuedCount(ctx, p.Authority, l.Taxon, p.IssuedAt.Add(-w*time.Duration(e.cfg.SpikeBaselineWindows+1)), p.IssuedAt.Add(-w))
		if err != nil {
			return fmt.Errorf("issue spike: %w", err)
		}
		mean := float64(before) / float64(e.cfg.SpikeBaselineWindows)
		if float64(recent) <= e.cfg.SpikeFactor*mean {
			continue
		}
		if err := e.raise(raised{authority: p.Authority, rule: RuleIssueSpike, severity: "medium", group: "spike:" + p.Authority + ":" + l.Taxon,
			said: Say("alert_issue_spike", map[string]string{"Count": strconv.FormatInt(recent, 10), "Taxon": l.Taxon,
				"Days": strconv.Itoa(int(w.Hours() / 24)), "Usual": strconv.FormatFloat(mean, 'f', 1, 64), "Factor": num(e.cfg.SpikeFactor)},
				"%d permits for %s in the last %d days, against a usual %.1f: more than %g times the usual rate.",
				recent, l.Taxon, int(w.Hours()/24), mean, e.cfg.SpikeFactor),
			evidence: []Evidence{pEv}}); err != nil {
			return err
		}
	}
	return nil
}

func containsStr(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func orgKey(name string) string {
	n := strings.ToLower(strings.Join(strings.Fields(name), " "))
	if n == "" {
		return ""
	}
	return "org:" + n
}

// linked raises an alert when the event's permit, or its exporter or
// importer, was named in a case.
func (e *Engine) linked(ctx context.Context, ev *permits.Event, evs []Evidence) error {
	p := ev.Permit
	if p == nil || len(e.watch) == 0 { // no case links anything yet
		return nil
	}
	var why, names []string
	caseIDs := map[int64]bool{}
	add := func(key, what, name string) {
		ids := e.watch[key]
		if key == "" || len(ids) == 0 {
			return
		}
		why, names = append(why, what), append(names, name)
		for _, id := range ids {
			caseIDs[id] = true
		}
	}
	add("permit:"+p.Number, "permit "+p.Number, p.Number)
	add(orgKey(p.Exporter.Name), "its exporter "+p.Exporter.Name, p.Exporter.Name)
	add(orgKey(p.Importer.Name), "its importer "+p.Importer.Name, p.Importer.Name)
	if len(why) == 0 {
		return nil
	}
	evs = append(evs, Evidence{Kind: "permit", Ref: p.Number, At: ev.At})
	for _, id := range sortedIDs(caseIDs) {
		evs = append(evs, Evidence{Kind: "case", Ref: strconv.FormatInt(id, 10), At: ev.At})
	}
	err := e.raise(raised{authority: p.Authority, rule: RuleLinkedToCase, severity: "medium", group: "permit:" + permitKey(p.Authority, p.Number),
		said: Say("alert_linked_permit", map[string]string{"Number": p.Number, "Through": strings.Join(names, ", ")},
			"Permit %s (%s) is linked to earlier cases through %s.", p.Number, ev.Kind, strings.Join(why, ", ")),
		evidence: evs})
	return err
}

// keyName is the name in a watch key's description ("permit 26KG000001",
// "exporter Ala-Too Trade"), without the English word for its role.
func keyName(what string) string {
	_, name, ok := strings.Cut(what, " ")
	if !ok {
		return what
	}
	return name
}

func sortedIDs(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// caseKeys are the watch keys a case names: its documents' numbers, its
// parties' organisations and the parties of the permits it links.
func (e *Engine) caseKeys(ctx context.Context, c *Case) (keys map[string]string, ps map[string]*permits.Permit) {
	keys, ps = map[string]string{}, map[string]*permits.Permit{}
	for _, d := range c.Documents {
		if d.Number == "" {
			continue
		}
		keys["permit:"+d.Number] = "permit " + d.Number
		if d.PermitLinked {
			if p, err := e.s.permits.Get(ctx, opencites.System, d.Number); err == nil {
				ps[d.Number] = p
				if k := orgKey(p.Exporter.Name); k != "" {
					keys[k] = "exporter " + p.Exporter.Name
				}
				if k := orgKey(p.Importer.Name); k != "" {
					keys[k] = "importer " + p.Importer.Name
				}
			}
		}
	}
	for _, p := range c.Parties {
		if k := orgKey(p.Organisation); k != "" && p.Role != "carrier" {
			keys[k] = p.Role + " " + p.Organisation
		}
	}
	return keys, ps
}

// loadWatch fills the watch keys from the stored cases: their documents'
// numbers, the parties of the permits those link, and their parties.
func (e *Engine) loadWatch(ctx context.Context) error {
	db := e.s.db.WithContext(ctx)
	var docs []models.CaseDocument
	if err := db.Select("case_id, number, permit_id").Where("number <> ''").Find(&docs).Error; err != nil {
		return err
	}
	var ids []int64
	linked := map[int64]bool{}
	for _, d := range docs {
		if d.PermitID != nil && !linked[*d.PermitID] {
			linked[*d.PermitID] = true
			ids = append(ids, *d.PermitID)
		}
	}
	onPermits, err := e.s.permits.Parties(ctx, ids)
	if err != nil {
		return err
	}
	for _, d := range docs {
		e.watchAdd("permit:"+d.Number, d.CaseID)
		if d.PermitID == nil {
			continue
		}
		if p, ok := onPermits[*d.PermitID]; ok {
			e.watchAdd(orgKey(p.Exporter.Name), d.CaseID)
			e.watchAdd(orgKey(p.Importer.Name), d.CaseID)
		}
	}
	var parties []models.CaseParty
	if err := db.Where("organisation <> '' AND role <> 'carrier'").Find(&parties).Error; err != nil {
		return err
	}
	for _, p := range parties {
		e.watchAdd(orgKey(p.Organisation), p.CaseID)
	}
	return nil
}

func (e *Engine) watchAdd(key string, id int64) {
	if key == "" || containsID(e.watch[key], id) {
		return
	}
	e.watch[key] = append(e.watch[key], id)
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func (e *Engine) onCase(ctx context.Context, c *Case) error {
	keys, ps := e.caseKeys(ctx, c)
	cEv := Evidence{Kind: "case", Ref: strconv.FormatInt(c.ID, 10), At: c.UpdatedAt}
	if err := e.caseOutOfRange(c, cEv); err != nil {
		return err
	}
	// Earlier cases naming the same permit or organisation.
	var why, names []string
	others := map[int64]bool{}
	for _, k := range sortedKeys(keys) {
		found := false
		for _, id := range e.watch[k] {
			if id < c.ID {
				others[id], found = true, true
			}
		}
		if found {
			why = append(why, keys[k])
			names = append(names, keyName(keys[k]))
		}
	}
	if len(why) > 0 {
		evs := []Evidence{cEv}
		for _, id := range sortedIDs(others) {
			evs = append(evs, Evidence{Kind: "case", Ref: strconv.FormatInt(id, 10), At: c.UpdatedAt})
		}
		for n := range ps {
			evs = append(evs, Evidence{Kind: "permit", Ref: n, At: c.UpdatedAt})
		}
		if err := e.raise(raised{authority: c.Authority, rule: RuleLinkedToCase, severity: "medium", group: "case:" + strconv.FormatInt(c.ID, 10),
			said: Say("alert_linked_case", map[string]string{"Case": strconv.FormatInt(c.ID, 10), "Names": strings.Join(names, ", ")},
				"Case %d names %s, already named in earlier cases.", c.ID, strings.Join(why, ", ")),
			evidence: evs}); err != nil {
			return err
		}
	}
	for k := range keys {
		e.watchAdd(k, c.ID)
	}
	// What was found against what the permits presented allow.
	for _, n := range sortedKeysP(ps) {
		p := ps[n]
		allowed := map[string]float64{}
		for _, l := range p.Lines {
			allowed[l.Taxon+"|"+l.Unit] += l.Quantity
		}
		found := map[string]float64{}
		for _, sp := range c.Specimens {
			found[sp.Taxon+"|"+sp.Unit] += sp.Quantity
		}
		var excess, coded []string
		for _, k := range sortedKeysF(found) {
			taxon, unit, _ := strings.Cut(k, "|")
			words := unit
			if words == "" {
				words = "specimens"
			}
			switch a, ok := allowed[k]; {
			case !ok:
				excess = append(excess, fmt.Sprintf("%g %s of %s, which the permit does not cover", found[k], words, taxon))
				coded = append(coded, strings.TrimSpace(fmt.Sprintf("%s %g / 0 %s", taxon, found[k], unit)))
			case found[k] > a*(1+e.cfg.OverQuantityTolerance):
				excess = append(excess, fmt.Sprintf("%g %s of %s against %g allowed", found[k], words, taxon, a))
				coded = append(coded, strings.TrimSpace(fmt.Sprintf("%s %g / %g %s", taxon, found[k], a, unit)))
			}
		}
		if len(excess) == 0 {
			continue
		}
		if err := e.raise(raised{authority: c.Authority, rule: RuleOverQuantity, severity: "high",
			group: "case:" + strconv.FormatInt(c.ID, 10) + ":" + n,
			said: Say("alert_over_quantity", map[string]string{"Case": strconv.FormatInt(c.ID, 10), "Number": n, "Excess": strings.Join(coded, "; ")},
				"Case %d found more than permit %s allows: %s.", c.ID, n, strings.Join(excess, "; ")),
			evidence: []Evidence{cEv, {Kind: "permit", Ref: n, At: c.UpdatedAt}}}); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedKeysP(m map[string]*permits.Permit) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedKeysF(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// outOfRange raises for a permit's lines of wild specimens from a country
// outside their taxon's range, which its issuer confirmed; issued and every
// later scan of the permit merge into one alert.
func (e *Engine) outOfRange(p *permits.Permit, pEv Evidence, scanned bool, port string) error {
	var lines []string
	for _, l := range p.Lines {
		if l.OutOfRange {
			country := l.OriginCountry
			if country == "" {
				country = p.Exporter.Country
			}
			lines = append(lines, fmt.Sprintf("%s %s from %s", l.Line, l.Taxon, country))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return e.raise(raised{authority: p.Authority, rule: RuleOutOfRange, severity: "high", group: "permit:" + permitKey(p.Authority, p.Number),
		said: outOfRangeReason(p.Number, strings.Join(lines, "; "), scanned, port), evidence: []Evidence{pEv}})
}

// caseOutOfRange raises for a case's wild specimens whose taxon does not
// occur in the case's country of origin.
func (e *Engine) caseOutOfRange(c *Case, cEv Evidence) error {
	if c.OriginCountry == "" {
		return nil
	}
	ref := e.s.permits.Species()
	var found []string
	for _, sp := range c.Specimens {
		if strings.TrimPrefix(sp.Source, "O") != "W" {
			continue
		}
		t, err := ref.Get(sp.TaxonID)
		if err != nil || !t.Range.Known() || t.InRange(c.OriginCountry) {
			continue
		}
		found = append(found, sp.Taxon)
	}
	if len(found) == 0 {
		return nil
	}
	return e.raise(raised{authority: c.Authority, rule: RuleOutOfRange, severity: "high", group: "case:" + strconv.FormatInt(c.ID, 10),
		said: Say("alert_out_of_range_case", map[string]string{"Case": strconv.FormatInt(c.ID, 10), "Taxa": strings.Join(found, ", "), "Country": c.OriginCountry},
			"Case %d records wild %s from %s, outside where they occur: the declared origin is likely false.", c.ID, strings.Join(found, ", "), c.OriginCountry),
		evidence: []Evidence{cEv}})
}

func outOfRangeReason(number, lines string, scanned bool, port string) Reason {
	if scanned {
		return Say("alert_out_of_range_scanned", map[string]string{"Number": number, "Lines": lines, "Port": port},
			"Permit %s, scanned at %s, names wild specimens from outside their range: %s. Check where they were really taken.", number, portOr(port), lines)
	}
	return Say("alert_out_of_range_issued", map[string]string{"Number": number, "Lines": lines},
		"Permit %s was issued for wild specimens from outside their range: %s. Check where they were really taken.", number, lines)
}
