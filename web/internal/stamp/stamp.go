// Package stamp fingerprints the sources of the app's WebAssembly module, so
// a test can tell when the committed build is older than its code.
package stamp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Modules are the WebAssembly modules, each the main package
// web/wasm/NAME built into web/app/NAME.wasm.gz.
var Modules = []string{"verifier", "qr"}

// Sources hashes the Go files of every package of this module that the
// WebAssembly builds compile, and the versions of the other modules they
// compile. dir is any directory inside the module.
func Sources(dir string) (string, error) {
	args := []string{"list", "-deps", "-f",
		"{{if not .Standard}}{{.Dir}}|{{join .GoFiles \",\"}}|{{.Module.GoMod}}|{{.Module.Path}}@{{.Module.Version}}{{end}}"}
	for _, m := range Modules {
		args = append(args, "github.com/opencites/opencites/web/wasm/"+m)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list: %w", err)
	}
	var files, modules []string
	root := ""
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.Split(line, "|")
		if len(parts) != 4 {
			continue
		}
		if !isMain(parts[0], parts[2]) {
			modules = append(modules, parts[3])
			continue
		}
		root = filepath.Dir(parts[2])
		for _, f := range strings.Split(parts[1], ",") {
			if f != "" {
				files = append(files, filepath.Join(parts[0], f))
			}
		}
	}
	if root == "" {
		return "", fmt.Errorf("no sources of web/wasm found")
	}
	sort.Strings(files)
	sort.Strings(modules)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(root, f)
		fmt.Fprintf(h, "%s %x\n", filepath.ToSlash(rel), sha256.Sum256(b))
	}
	for _, m := range slices.Compact(modules) {
		fmt.Fprintln(h, m)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// isMain reports whether a package directory lies in the main module (its
// go.mod is the module's own, not one from the module cache).
func isMain(dir, goMod string) bool {
	return goMod != "" && strings.HasPrefix(dir, filepath.Dir(goMod)+string(filepath.Separator))
}
