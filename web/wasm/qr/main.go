//go:build js && wasm

// Command qr is the phone app's QR reader: package scan built to
// WebAssembly, loaded only where the browser has no BarcodeDetector, so
// that camera frames (and photos, with no network) are decoded on the
// phone with the server's own reader.
//
// After the Go runtime starts (wasm_exec.js), globalThis.citesQR has:
//
//	decode(rgba Uint8Array, width, height, budgetMs) -> {codes: [{text, corners}], hint}
package main

import (
	"context"
	"image"
	"strings"
	"syscall/js"
	"time"

	"github.com/opencites/opencites/scan"
)

func main() {
	api := map[string]any{
		"decode": js.FuncOf(func(_ js.Value, args []js.Value) any {
			if len(args) < 4 {
				return map[string]any{"error": "decode(rgba, width, height, budgetMs)"}
			}
			return decodeQR(args[0], args[1].Int(), args[2].Int(), time.Duration(args[3].Int())*time.Millisecond)
		}),
	}
	js.Global().Set("citesQR", js.ValueOf(api))
	select {} // keep the functions alive
}

// decodeQR reads the QR codes in one camera frame (RGBA bytes from a
// canvas), stopping at the first permit code or when the budget is spent,
// so the camera loop keeps its frame rate. The answer goes back as a
// JavaScript object (no encoding/json: the module stays smaller).
func decodeQR(data js.Value, w, h int, budget time.Duration) any {
	if w <= 0 || h <= 0 || w*h > 16_000_000 || data.Get("length").Int() != w*h*4 {
		return map[string]any{"error": "frame size does not match its data"}
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	js.CopyBytesToGo(img.Pix, data)
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	found, err := scan.DecodeImage(ctx, img, scan.Options{Accept: isPermitCode})
	out := []any{}
	for _, c := range found {
		corners := []any{}
		for _, p := range c.Corners {
			corners = append(corners, []any{p.X, p.Y})
		}
		out = append(out, map[string]any{"text": c.Text, "corners": corners})
	}
	if len(out) == 0 && err != nil {
		return map[string]any{"codes": out, "hint": hintOf(err)}
	}
	return map[string]any{"codes": out}
}

// hintOf names why nothing was read (qr_too_small, qr_blurred, ...), so the
// camera screen can tell the officer what to change.
func hintOf(err error) string {
	if e, ok := err.(*scan.Error); ok {
		return e.Code
	}
	return ""
}

// isPermitCode takes the codes this reader looks for (verifier.CodePrefix;
// the verifier is the other module).
func isPermitCode(text string) bool { return strings.HasPrefix(text, "CP1:") }
