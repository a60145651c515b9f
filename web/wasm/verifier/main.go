//go:build js && wasm

// Command verifier is the phone app's offline verifier: package verifier
// built to WebAssembly, so that a phone checks permits with no connection
// with the same code and verdicts as the server (`citesd verify
// --offline`). It is the module the app loads first, so it stays small:
// results go back to JavaScript as objects, with no encoding/json.
//
// After the Go runtime starts (wasm_exec.js), globalThis.citesVerifier has:
//
//	pinAnchor(pem) -> error string or ""        the trust anchor, pinned once
//	loadTrustList(jwt) -> error string or ""
//	loadStatusList(jwt) -> error string or ""
//	verify(code, direction, nowMillis[, record]) -> {verdict, reasons, permit, mode, checked_at, stale, ...}
//	floor() -> millis; setFloor(millis)         persist the clock floor between runs
//
// record, when given, is the registry's copy of the permit the phone
// keeps offline ({number, authority, valid_until, exporter, importer,
// lines: [{line, taxon, quantity, unit, marks}]}): its parties and marks
// are shown only if it is the permit the signed code names.
package main

import (
	"syscall/js"
	"time"

	"github.com/opencites/opencites/verifier"
)

var off *verifier.Offline

func errString(err error) any {
	if err != nil {
		return err.Error()
	}
	return ""
}

func main() {
	api := map[string]any{
		"pinAnchor": js.FuncOf(func(_ js.Value, args []js.Value) any {
			if len(args) < 1 {
				return "pinAnchor(pem)"
			}
			anchor, err := verifier.ParseAnchorPEM([]byte(args[0].String()))
			if err != nil {
				return err.Error()
			}
			off = verifier.NewOffline(anchor)
			return ""
		}),
		"loadTrustList": js.FuncOf(func(_ js.Value, args []js.Value) any {
			if off == nil || len(args) < 1 {
				return "pin the anchor first"
			}
			return errString(off.LoadTrustList(args[0].String()))
		}),
		"loadStatusList": js.FuncOf(func(_ js.Value, args []js.Value) any {
			if off == nil || len(args) < 1 {
				return "pin the anchor first"
			}
			return errString(off.LoadStatusList(args[0].String()))
		}),
		"verify": js.FuncOf(func(_ js.Value, args []js.Value) any {
			if off == nil || len(args) < 3 {
				return map[string]any{"error": "pin the anchor first; verify(code, direction, nowMillis)"}
			}
			r := off.Verify(args[0].String(), args[1].String(), time.UnixMilli(int64(args[2].Float())))
			var record js.Value
			if len(args) > 3 {
				record = args[3]
			}
			return resultJS(r, record)
		}),
		"floor": js.FuncOf(func(js.Value, []js.Value) any {
			if off == nil {
				return 0
			}
			return float64(off.Floor().UnixMilli())
		}),
		"setFloor": js.FuncOf(func(_ js.Value, args []js.Value) any {
			if off != nil && len(args) > 0 {
				off.SetFloor(time.UnixMilli(int64(args[0].Float())))
			}
			return nil
		}),
	}
	js.Global().Set("citesVerifier", js.ValueOf(api))
	select {} // keep the functions alive
}

func resultJS(r verifier.Result, record js.Value) map[string]any {
	reasons := []any{}
	for _, rs := range r.Reasons {
		args := map[string]any{}
		for k, v := range rs.Args {
			args[k] = v
		}
		reasons = append(reasons, map[string]any{"code": rs.Code, "message": rs.Message, "args": args})
	}
	out := map[string]any{
		"verdict": r.Verdict, "reasons": reasons, "mode": r.Mode, "checked_at": r.CheckedAt.UTC().Format(time.RFC3339),
		"clock_behind": r.ClockBehind, "trust_list_age_s": r.TrustListAge.Seconds(), "status_list_age_s": r.StatusListAge.Seconds(),
		"stale": r.Stale, "permit": nil,
	}
	c := r.Claims
	if c == nil {
		return out
	}
	countries := []any{}
	for _, cc := range c.Countries {
		countries = append(countries, cc)
	}
	lines := []any{}
	for i, l := range c.Lines {
		lines = append(lines, map[string]any{"line": string(rune('A' + i)), "taxon": l.Taxon, "appendix": l.Appendix,
			"quantity": l.Quantity, "unit": l.Unit, "source": l.Source, "term": l.Term})
	}
	p := map[string]any{"number": c.ID, "authority": c.Issuer, "type": c.Type, "countries": countries, "purpose": c.Purpose,
		"valid_from": c.FirstValidDay(), "valid_until": c.LastValidDay(), "lines": lines}
	out["permit"] = p
	if record.Type() == js.TypeObject {
		if matches(c, record) {
			for _, side := range []string{"exporter", "importer"} {
				if v := record.Get(side); v.Type() == js.TypeObject {
					p[side] = map[string]any{"name": str(v.Get("name")), "address": str(v.Get("address")), "country": str(v.Get("country"))}
				}
			}
			recLines := record.Get("lines")
			for i := range lines {
				lines[i].(map[string]any)["marks"] = str(recLines.Index(i).Get("marks"))
				lines[i].(map[string]any)["description"] = str(recLines.Index(i).Get("description"))
			}
			out["record"] = "matched"
		} else {
			out["record"] = "mismatch"
		}
	}
	return out
}

func str(v js.Value) string {
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}

// matches reports whether the registry's copy of a permit is the permit
// the signed code names: same authority and number, last day, and lines
// (taxon, quantity, unit) in order. Only then are its parties and marks,
// which the code does not carry, shown beside the signed facts.
func matches(c *verifier.Claims, rec js.Value) bool {
	if str(rec.Get("number")) != c.ID || str(rec.Get("authority")) != c.Issuer || str(rec.Get("valid_until")) != c.LastValidDay() {
		return false
	}
	lines := rec.Get("lines")
	if lines.Type() != js.TypeObject || lines.Length() != len(c.Lines) {
		return false
	}
	for i, l := range c.Lines {
		rl := lines.Index(i)
		q := rl.Get("quantity")
		if str(rl.Get("taxon")) != l.Taxon || str(rl.Get("unit")) != l.Unit || q.Type() != js.TypeNumber || q.Float() != l.Quantity {
			return false
		}
	}
	return true
}
