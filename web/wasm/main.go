//go:build js && wasm

// Command wasm exposes the offline permit verifier to JavaScript, so a
// phone or browser app checks permits with no connection, with the same
// code and verdicts as the server:
//
//	GOOS=js GOARCH=wasm go build -o verifier.wasm ./verifier/wasm
//
// After the Go runtime starts (wasm_exec.js), globalThis.citesVerifier has:
//
//	pinAnchor(pem) -> error string or ""        the trust anchor, pinned once
//	loadTrustList(jwt) -> error string or ""
//	loadStatusList(jwt) -> error string or ""
//	verify(code, direction, nowMillis) -> JSON  {verdict, reasons, claims, mode, checked_at, stale, ...}
//	floor() -> millis; setFloor(millis)         persist the clock floor between runs
package main

import (
	"encoding/json"
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
				return `{"error":"pin the anchor first; verify(code, direction, nowMillis)"}`
			}
			r := off.Verify(args[0].String(), args[1].String(), time.UnixMilli(int64(args[2].Float())))
			b, _ := json.Marshal(resultJSON(r))
			return string(b)
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

type reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type result struct {
	Verdict       string           `json:"verdict"`
	Reasons       []reason         `json:"reasons"`
	Claims        *verifier.Claims `json:"claims"`
	Mode          string           `json:"mode"`
	CheckedAt     time.Time        `json:"checked_at"`
	ClockBehind   bool             `json:"clock_behind"`
	TrustListAge  float64          `json:"trust_list_age_s"`
	StatusListAge float64          `json:"status_list_age_s"`
	Stale         bool             `json:"stale"`
}

func resultJSON(r verifier.Result) result {
	out := result{Verdict: r.Verdict, Claims: r.Claims, Mode: r.Mode, CheckedAt: r.CheckedAt, ClockBehind: r.ClockBehind,
		TrustListAge: r.TrustListAge.Seconds(), StatusListAge: r.StatusListAge.Seconds(), Stale: r.Stale, Reasons: []reason{}}
	for _, rs := range r.Reasons {
		out.Reasons = append(out.Reasons, reason{rs.Code, rs.Message})
	}
	return out
}
