// Command build makes the app's built files (run by `go generate ./web`):
// the two WebAssembly modules (web/wasm/verifier, loaded first, and
// web/wasm/qr, loaded only where the browser has no BarcodeDetector),
// gzip-compressed, and the wasm_exec.js of the Go that built them, plus a
// stamp of the sources they came from.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/opencites/opencites/web/internal/stamp"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "web/build:", err)
		os.Exit(1)
	}
}

func run() error {
	// go generate runs in the package directory, web/.
	tmp, err := os.MkdirTemp("", "cites-wasm")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, m := range stamp.Modules {
		if err := buildModule(tmp, m); err != nil {
			return err
		}
	}
	os.Remove("app/cites.wasm.gz") // the one module of earlier builds
	root, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return err
	}
	execJS, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(root)), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return err
	}
	if err := os.WriteFile("app/wasm_exec.js", execJS, 0o644); err != nil {
		return err
	}
	sum, err := stamp.Sources(".")
	if err != nil {
		return err
	}
	if err := os.WriteFile("wasm.stamp", []byte(sum+"\n"), 0o644); err != nil {
		return err
	}
	return nil
}

// buildModule builds one module's main package (web/wasm/NAME) into
// app/NAME.wasm.gz.
func buildModule(tmp, name string) error {
	out := filepath.Join(tmp, name+".wasm")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", out, "./wasm/"+name)
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build wasm/%s: %w", name, err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile("app/"+name+".wasm.gz", gz.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("web/app/%s.wasm.gz: %d bytes (%d uncompressed)\n", name, gz.Len(), len(raw))
	return nil
}
