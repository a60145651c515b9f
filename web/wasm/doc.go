// Package wasm holds the phone app's two WebAssembly modules, each a
// GOOS=js GOARCH=wasm main package that `go generate ./web` builds:
//
//   - verifier: the offline permit verifier (package verifier), loaded
//     first, so that a phone checks permits with no connection with the
//     same code and verdicts as the server. It imports neither
//     encoding/json nor crypto/ecdsa, to stay small on a 2G link.
//   - qr: the QR reader of package scan, loaded only where the browser has
//     no BarcodeDetector.
package wasm
