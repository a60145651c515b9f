package species

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

func errorf(format string, args ...any) error {
	return fmt.Errorf("species: "+format, args...)
}

// The starter format of data/listing.json (format 1). It is kept apart from Taxon so
// that the exported types carry no JSON tags and the format can change without
// touching the API.
type fileListing struct {
	Version   string      `json:"version"`
	Effective string      `json:"effective"`
	Source    string      `json:"source"`
	Taxa      []fileTaxon `json:"taxa"`
}

type fileTaxon struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	Rank        string              `json:"rank"`
	Parent      string              `json:"parent"`
	Synonyms    []string            `json:"synonyms"`
	CommonNames map[string][]string `json:"common_names"`
	Appendix    string              `json:"appendix"`
	NotListed   bool                `json:"not_listed"`
	Annotation  string              `json:"annotation"`
	Populations []struct {
		Countries []string `json:"countries"`
		Appendix  string   `json:"appendix"`
		Note      string   `json:"note"`
	} `json:"populations"`
	ZeroQuotas []struct {
		Source  string `json:"source"`
		Purpose string `json:"purpose"`
		Note    string `json:"note"`
	} `json:"zero_quotas"`
	Terms     []string  `json:"terms"`
	IDHints   localText `json:"id_hints,omitempty"`
	RiskNotes localText `json:"risk_notes,omitempty"`
}

// localText is free text by language, {"en": "...", "ru": "...", "ky": "..."}. It also
// reads a plain string as English, the form of listings written before the notes were
// translated and still stored in databases.
type localText map[string]string

func (lt *localText) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*lt = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*lt = nil
		if s != "" {
			*lt = localText{"en": s}
		}
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return errors.New("id_hints and risk_notes must be a string or an object of strings by language")
	}
	*lt = m
	return nil
}

// The stored form of a Species+ import (format 2): what the registry keeps, read back by
// Load. Listings are a table that taxa point into, since most taxa share one; the
// annotations are kept as the export has them (HTML and all), and read into rules when
// loaded, so that a better reader applies to imports already stored.
type fileV2 struct {
	Format    int               `json:"format"`
	Version   string            `json:"version"`
	Effective string            `json:"effective"`
	Source    string            `json:"source"`
	Countries map[string]string `json:"countries,omitempty"` // country names of the file -> ISO codes
	Warnings  []string          `json:"warnings,omitempty"`
	Listings  []fileListingV2   `json:"listings"`
	Taxa      []fileTaxonV2     `json:"taxa"`
}

type fileListingV2 struct {
	Current    string `json:"current,omitempty"`
	Annotation string `json:"annotation,omitempty"` // AnnotationEnglish
	Full       string `json:"full,omitempty"`       // FullAnnotationEnglish
	Spanish    string `json:"es,omitempty"`
	French     string `json:"fr,omitempty"`
	Symbol     string `json:"symbol,omitempty"`      // #AnnotationSymbol
	SymbolText string `json:"symbol_text,omitempty"` // #Annotation
}

type fileTaxonV2 struct {
	ID          int        `json:"id"` // TaxonId
	Name        string     `json:"name"`
	Rank        string     `json:"rank"`
	Parent      int        `json:"parent,omitempty"` // 1-based index in taxa; 0 for none
	Author      string     `json:"author,omitempty"`
	Kingdom     string     `json:"kingdom,omitempty"`
	Class       string     `json:"class,omitempty"`
	NotAccepted bool       `json:"not_accepted,omitempty"`
	Listing     int        `json:"listing"` // index in listings
	Synonyms    []string   `json:"synonyms,omitempty"`
	English     []string   `json:"en,omitempty"`
	Spanish     []string   `json:"es,omitempty"`
	French      []string   `json:"fr,omitempty"`
	Range       *fileRange `json:"range,omitempty"`
}

// fileRange holds comma-separated codes by state.
type fileRange struct {
	Native              string `json:"native,omitempty"`
	Introduced          string `json:"introduced,omitempty"`
	IntroducedUncertain string `json:"introduced?,omitempty"`
	Reintroduced        string `json:"reintroduced,omitempty"`
	Extinct             string `json:"extinct,omitempty"`
	ExtinctUncertain    string `json:"extinct?,omitempty"`
	Uncertain           string `json:"uncertain,omitempty"`
}

func (fr *fileRange) states() [7][]string {
	var out [7][]string
	if fr == nil {
		return out
	}
	for i, s := range []string{fr.Native, fr.Introduced, fr.IntroducedUncertain, fr.Reintroduced, fr.Extinct, fr.ExtinctUncertain, fr.Uncertain} {
		for c := range strings.SplitSeq(s, ",") {
			if c != "" {
				out[i] = append(out[i], c)
			}
		}
	}
	return out
}

var (
	appendices = []string{"I", "II", "III"}
	// Source and purpose codes of DOMAIN.md sections 4.1 and 4.2.
	sourceCodes  = "WRDACFUIOXY"
	purposeCodes = "TPZMGEQNSBHL"
	idPattern    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	termPattern  = regexp.MustCompile(`^[A-Z]{3}$`)
	langPattern  = regexp.MustCompile(`^[a-z]{2,3}$`)
	countryCode  = regexp.MustCompile(`^[A-Z]{2}$`)
	rangeCode    = regexp.MustCompile(`^[A-Z0-9]{2}$`)
)

// Load reads and validates a listing as the registry stores it: the bytes Parse
// returns for a Species+ export (format 2), or the starter format of data/listing.json
// (also what FromCSV returns): a header (version, effective date as YYYY-MM-DD, source)
// and a list of taxa. In the starter format, unknown fields, dangling parents, a parent
// of lower or equal rank, invalid Appendix, source, purpose, term or country codes, and
// scientific names or synonyms shared by two taxa are errors; common names may be
// shared (Resolve then refuses them as ambiguous); the id_hints and risk_notes of a
// taxon are objects by language, and a plain string, as in listings stored before they
// were translated, is read as English.
func Load(rd io.Reader) (*Reference, error) {
	b, err := io.ReadAll(&sizeGuard{r: rd, max: MaxFileSize})
	if err != nil {
		return nil, errorf("read listing: %w", err)
	}
	var head struct {
		Format int `json:"format"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, errorf("decode listing: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	switch head.Format {
	case 0:
		var f fileListing
		if err := dec.Decode(&f); err != nil {
			return nil, errorf("decode listing: %w", err)
		}
		return fromStarter(&f)
	case 2:
		var f fileV2
		if err := dec.Decode(&f); err != nil {
			return nil, errorf("decode listing: %w", err)
		}
		return fromV2(&f)
	}
	return nil, errorf("listing format %d is not known", head.Format)
}

func header(version, effective string, taxa int) (time.Time, error) {
	if version == "" {
		return time.Time{}, errors.New("species: listing has no version")
	}
	eff, err := time.Parse(time.DateOnly, effective)
	if err != nil {
		return time.Time{}, errorf("listing effective date: %w", err)
	}
	if taxa == 0 {
		return time.Time{}, errors.New("species: listing has no taxa")
	}
	return eff, nil
}

// langs interns the languages of common names.
type langTable struct {
	codes []string
}

func (lt *langTable) code(lang string) uint8 {
	if i := slices.Index(lt.codes, lang); i >= 0 {
		return uint8(i)
	}
	lt.codes = append(lt.codes, lang)
	return uint8(len(lt.codes) - 1)
}

func newLangTable() *langTable {
	return &langTable{codes: []string{"en", "es", "fr", "ru", "ky"}}
}

// fromStarter builds a reference from the starter format.
func fromStarter(f *fileListing) (*Reference, error) {
	eff, err := header(f.Version, f.Effective, len(f.Taxa))
	if err != nil {
		return nil, err
	}
	r := &Reference{version: f.Version, effective: eff, source: f.Source, format: 1,
		byID: make(map[string]int32, len(f.Taxa))}
	langs := newLangTable()
	parents := make([]string, 0, len(f.Taxa))
	for _, ft := range f.Taxa {
		t, l, err := ft.taxon(langs)
		if err != nil {
			return nil, err
		}
		if _, dup := r.byID[t.id]; dup {
			return nil, errorf("taxon %q: duplicate id", t.id)
		}
		if l != nil {
			t.listing = int32(len(r.listings))
			r.listings = append(r.listings, *l)
		}
		r.byID[t.id] = int32(len(r.taxa))
		r.taxa = append(r.taxa, t)
		parents = append(parents, ft.Parent)
	}
	for i, p := range parents {
		t := &r.taxa[i]
		if p == "" {
			continue
		}
		pi, ok := r.byID[p]
		if !ok {
			return nil, errorf("taxon %q: parent %q not found", t.id, p)
		}
		// Ranks strictly increase down the chain, so there can be no cycle.
		if rankLevel(r.taxa[pi].rank) >= rankLevel(t.rank) {
			return nil, errorf("taxon %q (%s): parent %q is of rank %s", t.id, ranks[t.rank], p, ranks[r.taxa[pi].rank])
		}
		t.parent = pi
	}
	r.langs = langs.codes
	if err := r.finish(true); err != nil {
		return nil, err
	}
	return r, nil
}

// taxon validates one entry of the starter format on its own.
func (ft fileTaxon) taxon(langs *langTable) (taxon, *listing, error) {
	bad := func(format string, args ...any) (taxon, *listing, error) {
		return taxon{}, nil, errorf("taxon %q: %s", ft.ID, fmt.Sprintf(format, args...))
	}
	if !idPattern.MatchString(ft.ID) {
		return bad("id must be a lower-case slug")
	}
	if strings.TrimSpace(ft.Name) == "" {
		return bad("no name")
	}
	if !slices.Contains(ranks, ft.Rank) {
		return bad("rank %q is not one of %s", ft.Rank, strings.Join(ranks, ", "))
	}
	if ft.Appendix != "" && !slices.Contains(appendices, ft.Appendix) {
		return bad("appendix %q is not I, II or III", ft.Appendix)
	}
	if ft.NotListed && (ft.Appendix != "" || len(ft.Populations) > 0 || len(ft.ZeroQuotas) > 0) {
		return bad("not_listed taxon has a listing")
	}
	if ft.Parent == ft.ID {
		return bad("is its own parent")
	}
	t := taxon{id: ft.ID, name: ft.Name, rank: rankIndex(ft.Rank), parent: -1, listing: -1, accepted: true,
		synonyms: slices.Clip(ft.Synonyms)}
	for _, lang := range slices.Sorted(maps.Keys(ft.CommonNames)) {
		if !langPattern.MatchString(lang) {
			return bad("common-name language %q is not an ISO 639 code", lang)
		}
		for _, n := range ft.CommonNames[lang] {
			t.common = append(t.common, commonName{lang: langs.code(lang), name: n})
		}
	}
	hints, err := ft.IDHints.texts()
	if err != nil {
		return bad("id_hints: %v", err)
	}
	risks, err := ft.RiskNotes.texts()
	if err != nil {
		return bad("risk_notes: %v", err)
	}
	for _, term := range ft.Terms {
		if !termPattern.MatchString(term) {
			return bad("term %q is not a three-letter code", term)
		}
	}
	if hints != nil || risks != nil || len(ft.Terms) > 0 {
		t.notes = &notes{terms: slices.Clip(ft.Terms), hints: hints, risks: risks}
	}
	l := &listing{legacy: true, clean: ft.Annotation}
	var ru rules
	switch {
	case ft.NotListed:
		l.current, l.whole = "NC", appNC
		ru.stmts = append(ru.stmts, stmt{app: appNC, scope: scopeAll})
	case ft.Appendix != "":
		l.current, l.whole = ft.Appendix, appendixCode(ft.Appendix)
		ru.stmts = append(ru.stmts, stmt{app: l.whole, scope: scopeAll})
	}
	for _, p := range ft.Populations {
		if !slices.Contains(appendices, p.Appendix) {
			return bad("population appendix %q is not I, II or III", p.Appendix)
		}
		if len(p.Countries) == 0 {
			return bad("population without countries")
		}
		for _, c := range p.Countries {
			if !countryCode.MatchString(c) {
				return bad("population country %q is not an ISO 3166 alpha-2 code", c)
			}
		}
		ru.stmts = append(ru.stmts, stmt{app: appendixCode(p.Appendix), scope: scopeOnly, codes: joinCodes(p.Countries), text: p.Note})
	}
	for _, q := range ft.ZeroQuotas {
		if len(q.Source) > 1 || !strings.Contains(sourceCodes, q.Source) {
			return bad("zero quota source %q is not a source code", q.Source)
		}
		if len(q.Purpose) > 1 || !strings.Contains(purposeCodes, q.Purpose) {
			return bad("zero quota purpose %q is not a purpose code", q.Purpose)
		}
		ru.anyQuotas = append(ru.anyQuotas, zeroQuota{ZeroQuota: ZeroQuota{Source: q.Source, Purpose: q.Purpose, Note: q.Note}})
	}
	for _, s := range ru.stmts {
		l.set |= 1 << s.app
	}
	if len(ru.stmts) == 0 && len(ru.anyQuotas) == 0 && ft.Annotation == "" {
		return t, nil, nil
	}
	l.rules = ru
	return t, l, nil
}

// texts validates the language keys and drops blank texts, so that Hint and Risk fall
// back to English; it returns nil when no text is left.
func (lt localText) texts() (map[string]string, error) {
	var out map[string]string
	for lang, s := range lt {
		if !langPattern.MatchString(lang) {
			return nil, fmt.Errorf("language %q is not an ISO 639 code", lang)
		}
		if strings.TrimSpace(s) == "" {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(lt))
		}
		out[lang] = s
	}
	return out, nil
}

// fromV2 builds a reference from the stored form of a Species+ import.
func fromV2(f *fileV2) (*Reference, error) {
	eff, err := header(f.Version, f.Effective, len(f.Taxa))
	if err != nil {
		return nil, err
	}
	r := &Reference{version: f.Version, effective: eff, source: f.Source, format: 2,
		byID: make(map[string]int32, len(f.Taxa)), countries: f.Countries, warnings: slices.Clone(f.Warnings)}
	langs := newLangTable()
	r.langs = langs.codes
	raw := make([]listing, len(f.Listings))
	for i, fl := range f.Listings {
		set, ok := parseCurrent(fl.Current)
		if !ok {
			return nil, errorf("listing %d: CurrentListing %q is not a listing", i, fl.Current)
		}
		raw[i] = listing{current: fl.Current, set: set, annotation: fl.Annotation, full: fl.Full, es: fl.Spanish,
			fr: fl.French, symbol: fl.Symbol, symbolRaw: fl.SymbolText}
	}
	intern := map[string]string{}
	in := func(s string) string {
		if v, ok := intern[s]; ok {
			return v
		}
		intern[s] = s
		return s
	}
	r.taxa = make([]taxon, len(f.Taxa))
	rawListing := make([]int32, len(f.Taxa))
	for i, ft := range f.Taxa {
		bad := func(format string, args ...any) error {
			return errorf("taxon %d (%q): %s", i+1, ft.Name, fmt.Sprintf(format, args...))
		}
		rank := rankIndex(ft.Rank)
		if int(rank) >= len(ranks) {
			return nil, bad("rank %q is not one of %s", ft.Rank, strings.Join(ranks, ", "))
		}
		if strings.TrimSpace(ft.Name) == "" {
			return nil, bad("no name")
		}
		if ft.Listing < 0 || ft.Listing >= len(raw) {
			return nil, bad("listing %d out of range", ft.Listing)
		}
		if ft.Parent < 0 || ft.Parent > len(f.Taxa) || ft.Parent == i+1 {
			return nil, bad("parent %d out of range", ft.Parent)
		}
		t := taxon{name: ft.Name, author: ft.Author, kingdom: in(ft.Kingdom), class: in(ft.Class), spID: int32(ft.ID),
			parent: int32(ft.Parent - 1), listing: -1, rank: rank, accepted: !ft.NotAccepted, synonyms: ft.Synonyms}
		for lang, names := range [][]string{ft.English, ft.Spanish, ft.French} {
			for _, n := range names {
				t.common = append(t.common, commonName{lang: uint8(lang), name: n})
			}
		}
		states := ft.Range.states()
		for _, codes := range states {
			for _, c := range codes {
				if !rangeCode.MatchString(c) {
					return nil, bad("range code %q is not a two-letter code", c)
				}
			}
		}
		t.rng = in(packRange(states))
		t.id = slug(normalize(ft.Name))
		if _, dup := r.byID[t.id]; dup || t.id == "" {
			t.id = strings.Trim(t.id+"-"+strconv.Itoa(ft.ID), "-")
		}
		if _, dup := r.byID[t.id]; dup {
			return nil, bad("duplicate id %q", t.id)
		}
		r.byID[t.id] = int32(i)
		r.taxa[i] = t
		rawListing[i] = int32(ft.Listing)
	}
	for i := range r.taxa {
		t := &r.taxa[i]
		if t.parent >= 0 && rankLevel(r.taxa[t.parent].rank) >= rankLevel(t.rank) {
			return nil, errorf("taxon %q (%s): parent %q is of rank %s", t.name, ranks[t.rank], r.taxa[t.parent].name, ranks[r.taxa[t.parent].rank])
		}
	}
	r.deriveListings(raw, rawListing)
	if err := r.finish(false); err != nil {
		return nil, err
	}
	return r, nil
}

// deriveListings gives each taxon its listing with rules. Rules are read once for each
// distinct listing, except where they depend on the taxon: an annotation with
// abbreviated names ("O. a. hodgsonii") or bare epithets is read with the taxon's name,
// and the split listing of a subspecies without its species' lines.
func (r *Reference) deriveListings(raw []listing, rawListing []int32) {
	n := newNames(r.countries)
	for i := range raw {
		l := &raw[i]
		l.clean, l.cleanFull = cleanAnnotation(l.annotation), cleanAnnotation(l.full)
		l.cleanES, l.cleanFR = cleanAnnotation(l.es), cleanAnnotation(l.fr)
		l.symbolText = annotationText(l.symbolRaw)
		if l.symbol == "" {
			l.symbolText = ""
		}
	}
	type key struct {
		raw, parent int32
		context     string
	}
	variants := map[key]int32{}
	for i := range r.taxa {
		t := &r.taxa[i]
		l := &raw[rawListing[i]]
		k := key{raw: rawListing[i], parent: -1}
		if needsContext(l.annotation) || needsContext(l.full) && l.annotation == "" {
			k.context = t.name
		}
		var parent *listing
		if single(l.set) == 0 && l.set != 0 && rankLevel(t.rank) >= rankLevel(rankIndex("subspecies")) && t.parent >= 0 {
			k.parent = rawListing[t.parent]
			parent = &raw[k.parent]
		}
		if v, ok := variants[k]; ok {
			t.listing = v
			continue
		}
		v := *l
		var warnings []string
		v.rules, warnings = deriveRules(&v, t.name, parent, n)
		r.warnings = append(r.warnings, warnings...)
		v.whole = wholeAppendix(&v, t.name)
		t.listing = int32(len(r.listings))
		variants[k] = t.listing
		r.listings = append(r.listings, v)
	}
}

var contextPattern = regexp.MustCompile(`(?i)<i>\s*([A-Z]\.\s|[a-z])|subspecies\s+<i>`)

func needsContext(raw string) bool {
	return strings.Contains(raw, "<") && contextPattern.MatchString(raw)
}

// wholeAppendix is the Appendix a listing gives specimens from a country it does not
// name: the taxon as a whole.
func wholeAppendix(l *listing, name string) uint8 {
	if l.set == 0 {
		return 0
	}
	d := l.rules.decide(name, "ZZ")
	if d.reason != "" {
		return 0
	}
	if d.app == 0 && l.set&(1<<appNC) != 0 && len(l.rules.stmts) > 0 {
		return appNC
	}
	return d.app
}

// finish builds what every reference has besides its taxa: the tree, the name index
// and the search index.
func (r *Reference) finish(strict bool) error {
	if r.byID == nil || len(r.byID) != len(r.taxa) {
		r.byID = make(map[string]int32, len(r.taxa))
		for i := range r.taxa {
			r.byID[r.taxa[i].id] = int32(i)
		}
	}
	r.childStart = make([]int32, len(r.taxa)+1)
	for i := range r.taxa {
		if p := r.taxa[i].parent; p >= 0 {
			r.childStart[p+1]++
		}
	}
	for i := 1; i < len(r.childStart); i++ {
		r.childStart[i] += r.childStart[i-1]
	}
	r.children = make([]int32, len(r.taxa))
	fill := slices.Clone(r.childStart[:len(r.taxa)])
	n := 0
	for i := range r.taxa {
		if p := r.taxa[i].parent; p >= 0 {
			r.children[fill[p]] = int32(i)
			fill[p]++
			n++
		}
	}
	r.children = slices.Clip(r.children[:n])
	if err := r.indexNames(strict); err != nil {
		return err
	}
	r.buildSearch()
	return nil
}
