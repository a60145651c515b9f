// Package locale translates what a person reads (error messages, verdict
// reasons, requirement reasons, scanner hints) into English, Russian and
// Kyrgyz. Messages are keyed by their stable machine code; the catalogues
// are YAML files beside this one that a translator edits without touching
// Go. English is the fallback: the English text is the detailed message the
// code already carries, so en.yaml is the reference translators start from.
package locale

import (
	"embed"
	"fmt"
	"sort"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

//go:embed *.yaml
var catalogues embed.FS

// Languages are the languages served, English first (the fallback).
var Languages = []string{"en", "ru", "ky"}

var (
	bundle  *i18n.Bundle
	matcher language.Matcher
	tags    []language.Tag
	codes   = map[string]map[string]bool{}
	texts   = map[string]map[string]string{}
	// shared holds one Localizer per language: they only read the bundle,
	// so every request of a language uses the same one.
	shared = map[string]*Localizer{}
)

func init() {
	bundle = i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	for _, l := range Languages {
		tag := language.MustParse(l)
		tags = append(tags, tag)
		f, err := bundle.LoadMessageFileFS(catalogues, l+".yaml")
		if err != nil {
			panic(fmt.Sprintf("locale: catalogue %s.yaml: %v", l, err))
		}
		codes[l], texts[l] = map[string]bool{}, map[string]string{}
		for _, m := range f.Messages {
			codes[l][m.ID] = true
			texts[l][m.ID] = m.Other
		}
	}
	matcher = language.NewMatcher(tags)
	for _, l := range Languages {
		shared[l] = &Localizer{lang: l, loc: i18n.NewLocalizer(bundle, l)}
	}
}

// Localizer speaks one language.
type Localizer struct {
	lang string
	loc  *i18n.Localizer
}

// New picks the language from an explicit choice (?lang=ru) or, failing
// that, an Accept-Language header; English when neither matches.
func New(explicit, acceptLanguage string) *Localizer {
	lang := "en"
	if explicit != "" {
		if t, err := language.Parse(explicit); err == nil {
			_, i, conf := matcher.Match(t)
			if conf != language.No {
				lang = Languages[i]
			}
		}
	} else if acceptLanguage != "" {
		if prefs, _, err := language.ParseAcceptLanguage(acceptLanguage); err == nil && len(prefs) > 0 {
			_, i, conf := matcher.Match(prefs...)
			if conf != language.No {
				lang = Languages[i]
			}
		}
	}
	return shared[lang]
}

// Lang is the language chosen: "en", "ru" or "ky".
func (l *Localizer) Lang() string {
	if l == nil {
		return "en"
	}
	return l.lang
}

// Text returns the message for code in the chosen language. In English,
// and for a code the catalogue lacks, it returns english, the detailed
// message the caller already has. data fills {{.Name}} fields.
func (l *Localizer) Text(code, english string, data map[string]string) string {
	if l == nil || l.lang == "en" || !codes[l.lang][code] {
		return english
	}
	msg, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: code, TemplateData: data})
	if err != nil || strings.Contains(msg, "<no value>") {
		return english
	}
	return msg
}

// Codes lists the message codes of a language's catalogue, sorted.
func Codes(lang string) []string {
	out := make([]string, 0, len(codes[lang]))
	for c := range codes[lang] {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Messages returns a language's catalogue as written: each code's message
// with its {{.Name}} fields, for a client that renders the server's codes
// itself (a phone with no connection); nil for a language not served.
func Messages(lang string) map[string]string {
	m, ok := texts[lang]
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
