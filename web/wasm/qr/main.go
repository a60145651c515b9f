//go:build js && wasm

// Command wasm is the phone app's WebAssembly module: the offline permit
// verifier, so a phone checks permits with no connection with the same code
// and verdicts as the server, and the QR reader of package scan, so camera
// frames are decoded on the phone where the browser has no BarcodeDetector.
// `go generate ./web` builds it:
//
//	GOOS=js GOARCH=wasm go build -o cites.wasm ./web/wasm
//
// After the Go runtime starts (wasm_exec.js), globalThis.citesVerifier has:
//
//	pinAnchor(pem) -> error string or ""        the trust anchor, pinned once
//	loadTrustList(jwt) -> error string or ""
//	loadStatusList(jwt) -> error string or ""
//	verify(code, direction, nowMillis) -> JSON  {verdict, reasons, claims, mode, checked_at, stale, ...}
//	floor() -> millis; setFloor(millis)         persist the clock floor between runs
//	decodeQR(rgba Uint8Array, width, height, budgetMs) -> JSON [{text, corners}]
package main

import (
	"context"
	"encoding/json"
	"image"
	"strings"
	"syscall/js"
	"time"

	"github.com/opencites/opencites/scan"
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
		"decodeQR": js.FuncOf(func(_ js.Value, args []js.Value) any {
			if len(args) < 4 {
				return `{"error":"decodeQR(rgba, width, height, budgetMs)"}`
			}
			return decodeQR(args[0], args[1].Int(), args[2].Int(), time.Duration(args[3].Int())*time.Millisecond)
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

type code struct {
	Text    string    `json:"text"`
	Corners [4][2]int `json:"corners"`
}

// decodeQR reads the QR codes in one camera frame (RGBA bytes from a
// canvas), stopping at the first permit code or when the budget is spent,
// so the camera loop keeps its frame rate.
func decodeQR(data js.Value, w, h int, budget time.Duration) any {
	if w <= 0 || h <= 0 || w*h > 16_000_000 || data.Get("length").Int() != w*h*4 {
		return `{"error":"frame size does not match its data"}`
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	js.CopyBytesToGo(img.Pix, data)
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	found, err := scan.DecodeImage(ctx, img, scan.Options{Accept: isPermitCode})
	out := []code{}
	for _, c := range found {
		var k code
		k.Text = c.Text
		for i, p := range c.Corners {
			k.Corners[i] = [2]int{p.X, p.Y}
		}
		out = append(out, k)
	}
	if len(out) == 0 && err != nil {
		b, _ := json.Marshal(map[string]any{"codes": out, "hint": hintOf(err)})
		return string(b)
	}
	b, _ := json.Marshal(map[string]any{"codes": out})
	return string(b)
}

// hintOf names why nothing was read (qr_too_small, qr_blurred, ...), so the
// camera screen can tell the officer what to change.
func hintOf(err error) string {
	if e, ok := err.(*scan.Error); ok {
		return e.Code
	}
	return ""
}

func isPermitCode(text string) bool { return strings.HasPrefix(text, verifier.CodePrefix) }
