package opencites_test

import (
	"errors"
	"fmt"
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// The layering rules, checked from the build graph so that they hold
// without a reviewer: only models talks to a database below GORM, api
// never touches GORM, and the shared vocabulary and the storage stay at
// the bottom of the graph.
func TestImportRules(t *testing.T) {
	const mod = "github.com/opencites/opencites"
	dbOnly := []string{"database/sql", "github.com/jackc/pgx", "gorm.io/driver/", "github.com/glebarez/", "modernc.org/sqlite", "github.com/lib/pq"}
	seen := 0
	// go/build reads the sources itself, so go test's cache notices a
	// changed import (it would not notice a change behind "go list").
	err := filepath.WalkDir(".", func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); dir != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(dir, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		seen++
		path := mod
		if dir != "." {
			path = mod + "/" + filepath.ToSlash(dir)
		}
		checkImports(t, mod, path, p, dbOnly)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 10 {
		t.Fatalf("saw %d packages: is the test running at the module's root?", seen)
	}
}

func checkImports(t *testing.T, mod, path string, p *build.Package, dbOnly []string) {
	inModels := path == mod+"/models" || strings.HasPrefix(path, mod+"/models/")
	all := append(append(append([]string{}, p.Imports...), p.TestImports...), p.XTestImports...)
	for _, imp := range all {
		for _, db := range dbOnly {
			if !inModels && strings.HasPrefix(imp, db) {
				t.Errorf("%s imports %s: only package models talks to the database below GORM", path, imp)
			}
		}
	}
	for _, imp := range p.Imports {
		ours := imp == mod || strings.HasPrefix(imp, mod+"/")
		switch {
		case path == mod && (ours || strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")):
			t.Errorf("the vocabulary package imports %s: it must import only the standard library", imp)
		case (path == mod+"/api" || strings.HasPrefix(path, mod+"/api/")) && strings.HasPrefix(imp, "gorm.io/"):
			t.Errorf("%s imports %s: api reaches the database only through the domain packages", path, imp)
		case path == mod+"/models" && ours && imp != mod:
			t.Errorf("models imports %s: storage imports only the shared vocabulary", imp)
		case path == mod+"/scan" && ours:
			t.Errorf("scan imports %s: it reads and writes QR codes and knows no permits", imp)
		}
	}
}
