package web_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// registered reads the keys that the register({en: {...}, ru: {...},
// ky: {...}}) calls of a module give, per language: a small tokenizer that
// skips string contents, so a value holding "word:" is not taken for a key.
func registered(src string) map[string][]string {
	keys := map[string][]string{}
	for rest, at := src, 0; ; {
		i := strings.Index(rest, "register({")
		if i < 0 {
			break
		}
		at += i + len("register(")
		end := parseObject(src, at, keys)
		rest, at = src[end:], end
	}
	return keys
}

func parseObject(src string, i int, keys map[string][]string) int {
	depth, lang, expectKey := 0, "", false
	take := func(tok string, j int) {
		k := j
		for k < len(src) && (src[k] == ' ' || src[k] == '\n' || src[k] == '\t') {
			k++
		}
		if !expectKey || k >= len(src) || src[k] != ':' {
			return
		}
		expectKey = false
		switch depth {
		case 1:
			lang = tok
		case 2:
			keys[lang] = append(keys[lang], tok)
		}
	}
	for ; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			take(src[i+1:j], j+1)
			i = j
		case c == '{':
			depth++
			expectKey = true
		case c == '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		case c == ',':
			expectKey = true
		case c == ':':
			expectKey = false
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			take(src[i:j], j)
			i = j - 1
		}
	}
	return i
}

// usedKey matches t("key") and t("key", vars), not t("prefix_" + x).
var usedKey = regexp.MustCompile(`\bt\("([\w-]+)"\s*[,)]`)

// TestTranslationsComplete: every interface string a module registers in
// English exists in Russian and Kyrgyz (and no other), and every key the
// modules ask for by name is registered. Keys built at run time ("v_" +
// verdict) are checked by the browser tests on the screens they drive.
func TestTranslationsComplete(t *testing.T) {
	files, _ := filepath.Glob("app/js/*.js")
	all := map[string]bool{}
	sources := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources[f] = string(b)
		k := registered(string(b))
		for _, lang := range []string{"ru", "ky"} {
			for _, key := range k["en"] {
				if !slices.Contains(k[lang], key) {
					t.Errorf("%s: %q has no %s translation", filepath.Base(f), key, lang)
				}
			}
			for _, key := range k[lang] {
				if !slices.Contains(k["en"], key) {
					t.Errorf("%s: %q is in %s but not in English", filepath.Base(f), key, lang)
				}
			}
		}
		for _, key := range k["en"] {
			all[key] = true
		}
	}
	if len(all) < 300 {
		t.Fatalf("only %d keys found: has the register() layout changed?", len(all))
	}
	for f, src := range sources {
		for _, m := range usedKey.FindAllStringSubmatch(src, -1) {
			if !all[m[1]] {
				t.Errorf("%s asks for %q, which no module registers", filepath.Base(f), m[1])
			}
		}
	}
}
