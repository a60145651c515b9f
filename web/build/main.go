// Command build makes the app's built files (run by `go generate ./web`):
// the WebAssembly module, gzip-compressed, and the wasm_exec.js of the Go
// that built it, plus a stamp of the sources they came from.
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
	out := filepath.Join(tmp, "cites.wasm")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", out, "./wasm")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build wasm: %w", err)
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
	if err := os.WriteFile("app/cites.wasm.gz", gz.Bytes(), 0o644); err != nil {
		return err
	}
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
	fmt.Printf("web/app/cites.wasm.gz: %d bytes (%d uncompressed)\n", gz.Len(), len(raw))
	return nil
}
