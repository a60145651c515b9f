package locale

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// sourceCodes finds every machine code the server can send a person: the
// code arguments of the error constructors, the Reason literals, the trade
// rules' reasons, the alerts' reasons (cases.Say) and the scanner's error
// codes.
func sourceCodes(t *testing.T) map[string]string {
	t.Helper()
	found := map[string]string{}
	fset := token.NewFileSet()
	firstCode := func(args []ast.Expr, where string) {
		for _, a := range args {
			if kv, ok := a.(*ast.KeyValueExpr); ok {
				a = kv.Value
			}
			if bl, ok := a.(*ast.BasicLit); ok && bl.Kind == token.STRING {
				s, _ := strconv.Unquote(bl.Value)
				if codeRE.MatchString(s) {
					found[s] = where
				}
				return
			}
		}
	}
	for _, dir := range []string{"..", "../permits", "../api", "../rules", "../scan", "../verifier", "../cases",
		"../users", "../keys", "../quotas", "../listings", "../applications", "../notify", "../registry", "../exchange"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					name := ""
					switch fn := n.Fun.(type) {
					case *ast.Ident:
						name = fn.Name
					case *ast.SelectorExpr:
						name = fn.Sel.Name
					}
					switch name {
					case "Errorf", "Invalid", "invalid", "lineErr", "apiError", "add", "prohibit", "newError", "Say":
						firstCode(n.Args, f)
					}
				case *ast.CompositeLit:
					typ := ""
					switch tt := n.Type.(type) {
					case *ast.Ident:
						typ = tt.Name
					case *ast.SelectorExpr:
						typ = tt.Sel.Name
					}
					if typ == "Reason" || typ == "ErrorBody" || typ == "Error" {
						firstCode(n.Elts, f)
					}
					// []Reason{{"code", "text"}, ...}: the elements' type is elided.
					if at, ok := n.Type.(*ast.ArrayType); ok {
						elt := at.Elt
						if sel, ok := elt.(*ast.SelectorExpr); ok {
							elt = sel.Sel
						}
						if id, ok := elt.(*ast.Ident); ok && id.Name == "Reason" {
							for _, e := range n.Elts {
								if cl, ok := e.(*ast.CompositeLit); ok {
									firstCode(cl.Elts, f)
								}
							}
						}
					}
				case *ast.ValueSpec:
					if filepath.Base(f) == "errors.go" && strings.HasSuffix(dir, "scan") {
						firstCode(n.Values, f)
					}
				}
				return true
			})
		}
	}
	return found
}

// TestCataloguesComplete fails when a code the server can send has no
// message in one of the catalogues, or the catalogues disagree.
func TestCataloguesComplete(t *testing.T) {
	src := sourceCodes(t)
	if len(src) < 50 {
		t.Fatalf("found only %d codes in the source: the scanner is broken", len(src))
	}
	var missing []string
	for code, where := range src {
		for _, l := range Languages {
			if !codes[l][code] {
				missing = append(missing, l+": "+code+" ("+where+")")
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("missing message %s", m)
	}
	for _, l := range Languages[1:] {
		for _, c := range Codes("en") {
			if !codes[l][c] {
				t.Errorf("%s.yaml lacks %q, which en.yaml has", l, c)
			}
		}
		for _, c := range Codes(l) {
			if !codes["en"][c] {
				t.Errorf("%s.yaml has %q, which en.yaml lacks", l, c)
			}
		}
	}
}

func TestChoice(t *testing.T) {
	for _, c := range []struct{ explicit, accept, want string }{
		{"", "", "en"},
		{"ru", "", "ru"},
		{"ky", "ru", "ky"},
		{"", "ru-RU,ru;q=0.9,en;q=0.8", "ru"},
		{"", "ky-KG", "ky"},
		{"", "de-DE", "en"},
		{"xx-garbage", "", "en"},
	} {
		if got := New(c.explicit, c.accept).Lang(); got != c.want {
			t.Errorf("New(%q, %q) = %s, want %s", c.explicit, c.accept, got, c.want)
		}
	}
	l := New("ru", "")
	if got := l.Text("no_such_code", "english text", nil); got != "english text" {
		t.Errorf("fallback = %q", got)
	}
}
