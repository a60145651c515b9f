package species

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// ErrNotFound is returned (possibly wrapped, with the name that failed) when a name or
// id resolves to no taxon of the reference.
var ErrNotFound = errors.New("species: taxon not found")

// Taxon is one entry of the reference: an order, family, genus, species or subspecies,
// with its own listing if it has one.
type Taxon struct {
	ID          string              // stable slug, e.g. "falco-cherrug"
	Name        string              // accepted scientific name
	Rank        string              // "order", "family", "genus", "species", "subspecies"
	Parent      string              // ID of the next higher taxon in the reference, "" at the top
	Synonyms    []string            // other scientific names for the same taxon
	CommonNames map[string][]string // by language: "en", "ru", "ky"
	Appendix    string              // "I", "II", "III", or "" when it inherits from its parent
	NotListed   bool                // explicitly not in CITES (e.g. Tulipa)
	Annotation  string              // e.g. "#4: All parts and derivatives, except ..."; "" if none
	Populations []Population        // country populations listed differently
	ZeroQuotas  []ZeroQuota         // zero quotas attached to this taxon's listing
	Terms       []string            // typical traded term codes (LIV, TRO, HOR...)
	IDHints     map[string]string   // identification hints by language: "en", "ru", "ky"
	RiskNotes   map[string]string   // known risk patterns and open questions, by language
}

// Hint returns the identification hints in lang ("en", "ru", "ky"), or in English
// when there are none in lang.
func (t Taxon) Hint(lang string) string { return inLang(t.IDHints, lang) }

// Risk returns the risk notes in lang ("en", "ru", "ky"), or in English when there
// are none in lang.
func (t Taxon) Risk(lang string) string { return inLang(t.RiskNotes, lang) }

func inLang(texts map[string]string, lang string) string {
	if s := texts[lang]; s != "" {
		return s
	}
	return texts["en"]
}

// Population is a set of country populations of a taxon listed in another Appendix than
// the taxon itself, such as the brown bears of Mongolia (App. I).
type Population struct {
	Countries []string // ISO 3166 alpha-2 codes
	Appendix  string
	Note      string
}

// ZeroQuota is a zero export quota annotated on a listing. An empty Source or Purpose
// means any source or any purpose.
type ZeroQuota struct {
	Source  string // source code (W, C, R...), or "" for any
	Purpose string // purpose code (T, H...), or "" for any
	Note    string
}

// Listing is how a name is listed once resolved through subspecies, species, genus,
// family and order, and the country population.
type Listing struct {
	// Taxon is the taxon the name resolved to. For a binomial or trinomial not in the
	// data whose genus (or species) is, it is synthesised: Rank "species" or
	// "subspecies", Name as given after normalisation, Parent the known taxon's id.
	Taxon Taxon
	// Appendix is "I", "II" or "III"; "" when not listed, and also when the name is a
	// higher taxon with no listing of its own whose members are listed differently (the
	// genus Ovis): then NotListed is false and the caller must name the species.
	Appendix string
	// ListedAs names the taxon whose listing applies: "Falconiformes",
	// "Ovis ammon nigrimontana", "Ursus arctos (population of MN)", or the taxon that
	// is explicitly not listed ("Tulipa").
	ListedAs string
	// Annotation is the annotation of the listing that applies, "" for none (population
	// listings carry none).
	Annotation string
	// ZeroQuotas are those of the taxa from the resolved one up to the one whose
	// listing applies.
	ZeroQuotas []ZeroQuota
	// NotListed is true when a taxon on the chain is explicitly not in CITES.
	NotListed bool
}

// ZeroQuota reports whether trade under this listing from the given source for the
// given purpose falls under a zero quota, and which one. Codes are compared after
// trimming and upper-casing; a combined source such as "OW" only matches a quota for
// exactly that code.
func (l Listing) ZeroQuota(source, purpose string) (ZeroQuota, bool) {
	if l.NotListed {
		return ZeroQuota{}, false
	}
	source = strings.ToUpper(strings.TrimSpace(source))
	purpose = strings.ToUpper(strings.TrimSpace(purpose))
	for _, q := range l.ZeroQuotas {
		if (q.Source == "" || q.Source == source) && (q.Purpose == "" || q.Purpose == purpose) {
			return q, true
		}
	}
	return ZeroQuota{}, false
}

// Reference is a parsed, validated listing. It is immutable and safe for concurrent use;
// every Taxon it returns is a copy.
type Reference struct {
	version   string
	effective time.Time
	source    string
	taxa      []Taxon        // in file order
	byID      map[string]int // index into taxa
	names     map[string][]nameRef
	entries   []nameEntry // every name once, for Search
	// longestName is the length in runes of the longest normalised name.
	longestName int
}

// nameRef says that a normalised name belongs to a taxon, and how.
type nameRef struct {
	id    string
	class int // classAccepted, classSynonym or classCommon
}

// nameEntry is one searchable name of a taxon.
type nameEntry struct {
	key     string // normalised
	display string // as written in the data
	id      string
	class   int
}

const (
	classAccepted = iota
	classSynonym
	classCommon
)

//go:embed data/listing.json
var listingJSON []byte

var (
	defaultOnce sync.Once
	defaultRef  *Reference
)

// Default returns the listing embedded in the binary, parsed once. It panics only if the
// embedded file is broken, which a test guards against.
func Default() *Reference {
	defaultOnce.Do(func() {
		r, err := Load(bytes.NewReader(listingJSON))
		if err != nil {
			panic("species: embedded listing is broken: " + err.Error())
		}
		defaultRef = r
	})
	return defaultRef
}

// Version is the version string of the listing, e.g. "2025-CoP20-starter".
func (r *Reference) Version() string { return r.version }

// Effective is the date from which the listing applies (UTC midnight).
func (r *Reference) Effective() time.Time { return r.effective }

// Source says where the listing was taken from.
func (r *Reference) Source() string { return r.source }

// Taxa returns every taxon of the reference in file order (higher taxa before the
// taxa under them).
func (r *Reference) Taxa() []Taxon {
	out := make([]Taxon, len(r.taxa))
	for i, t := range r.taxa {
		out[i] = t.clone()
	}
	return out
}

// Get returns the taxon with the given id. It returns an error wrapping ErrNotFound if
// there is none.
func (r *Reference) Get(id string) (Taxon, error) {
	i, ok := r.byID[id]
	if !ok {
		return Taxon{}, fmt.Errorf("%w: id %q", ErrNotFound, id)
	}
	return r.taxa[i].clone(), nil
}

// Lookup returns the taxon a name denotes exactly, after normalisation (case, extra
// spaces, diacritics, "spp."): its accepted scientific name, a synonym, or a common
// name in any language. Scientific names win over common names. It returns an error
// wrapping ErrNotFound when nothing matches, or when a common name belongs to several
// taxa; Search is the forgiving alternative.
func (r *Reference) Lookup(name string) (Taxon, error) {
	t, err := r.lookupKey(normalize(name))
	if err != nil {
		return Taxon{}, fmt.Errorf("%w: %q", err, name)
	}
	return t.clone(), nil
}

// lookupKey finds the taxon for a normalised name; the error wraps ErrNotFound.
func (r *Reference) lookupKey(key string) (Taxon, error) {
	refs := r.names[key]
	if len(refs) == 0 {
		return Taxon{}, ErrNotFound
	}
	best := refs[0].class
	for _, ref := range refs {
		best = min(best, ref.class)
	}
	var ids []string
	for _, ref := range refs {
		if ref.class == best && !slices.Contains(ids, ref.id) {
			ids = append(ids, ref.id)
		}
	}
	if len(ids) > 1 {
		return Taxon{}, fmt.Errorf("%w: ambiguous name, one of %s", ErrNotFound, strings.Join(ids, ", "))
	}
	return r.taxa[r.byID[ids[0]]], nil
}

// scientific finds a taxon of the given rank by accepted name or synonym only.
func (r *Reference) scientific(key, rank string) (Taxon, bool) {
	for _, ref := range r.names[key] {
		if ref.class == classCommon {
			continue
		}
		if t := r.taxa[r.byID[ref.id]]; t.Rank == rank {
			return t, true
		}
	}
	return Taxon{}, false
}

// ListingFor resolves the listing that applies to specimens of name originating in
// country (ISO 3166 alpha-2 of the country of origin or export; may be ""). The most
// specific taxon with a listing wins, and a population entry for the country overrides
// the taxon's own Appendix. A binomial or trinomial not in the data resolves through its
// species or genus when that is known ("Falco tinnunculus" is App. II through
// Falconiformes; "Lynx lynx" App. II through Felidae). Name is matched as by Lookup.
//
// It returns an error wrapping ErrNotFound when the name resolves to nothing, or when it
// resolves only through a genus that has no listing of its own ("Ovis aries"), since the
// reference cannot then say whether the species is listed.
func (r *Reference) ListingFor(name, country string) (Listing, error) {
	key := normalize(name)
	t, synthesized, err := r.resolve(key)
	if err != nil {
		return Listing{}, fmt.Errorf("%w: %q", err, name)
	}
	country = strings.ToUpper(strings.TrimSpace(country))
	l := Listing{Taxon: t.clone()}
	for cur := t; ; {
		l.ZeroQuotas = append(l.ZeroQuotas, cur.ZeroQuotas...)
		if cur.NotListed {
			l.NotListed, l.ListedAs, l.ZeroQuotas = true, cur.Name, nil
			return l, nil
		}
		if country != "" {
			for _, p := range cur.Populations {
				if slices.Contains(p.Countries, country) {
					l.Appendix = p.Appendix
					l.ListedAs = fmt.Sprintf("%s (population of %s)", cur.Name, country)
					return l, nil
				}
			}
		}
		if cur.Appendix != "" {
			l.Appendix, l.ListedAs, l.Annotation = cur.Appendix, cur.Name, cur.Annotation
			return l, nil
		}
		if cur.Parent == "" {
			break
		}
		cur = r.taxa[r.byID[cur.Parent]]
	}
	if synthesized {
		parent := r.taxa[r.byID[t.Parent]]
		return Listing{}, fmt.Errorf("%w: %q: %s has no listing of its own in reference %s",
			ErrNotFound, name, parent.Name, r.version)
	}
	return l, nil
}

// resolve finds the taxon for a normalised name, synthesising a species or subspecies
// under a known genus or species for a scientific name not in the data.
func (r *Reference) resolve(key string) (t Taxon, synthesized bool, err error) {
	t, err = r.lookupKey(key)
	if err == nil || len(r.names[key]) > 0 || !isLatin(key) {
		return t, false, err
	}
	words := strings.Fields(key)
	if len(words) != 2 && len(words) != 3 {
		return Taxon{}, false, ErrNotFound
	}
	rank := "species"
	if len(words) == 3 {
		rank = "subspecies"
	}
	parent, ok := Taxon{}, false
	if len(words) == 3 {
		parent, ok = r.scientific(words[0]+" "+words[1], "species")
	}
	if !ok {
		parent, ok = r.scientific(words[0], "genus")
		// Under a genus synonym ("Agrionemys kleinmanni"), the name with the accepted
		// genus may be in the data with a listing of its own.
		if g := normalize(parent.Name); ok && g != words[0] {
			if t, err := r.lookupKey(g + " " + strings.Join(words[1:], " ")); err == nil {
				return t, false, nil
			}
		}
	}
	if !ok {
		return Taxon{}, false, ErrNotFound
	}
	return Taxon{
		ID:     slug(key),
		Name:   strings.ToUpper(key[:1]) + key[1:],
		Rank:   rank,
		Parent: parent.ID,
	}, true, nil
}

func (t Taxon) clone() Taxon {
	t.Synonyms = slices.Clone(t.Synonyms)
	t.Terms = slices.Clone(t.Terms)
	t.ZeroQuotas = slices.Clone(t.ZeroQuotas)
	if t.CommonNames != nil {
		cn := make(map[string][]string, len(t.CommonNames))
		for lang, names := range t.CommonNames {
			cn[lang] = slices.Clone(names)
		}
		t.CommonNames = cn
	}
	t.IDHints = maps.Clone(t.IDHints)
	t.RiskNotes = maps.Clone(t.RiskNotes)
	if t.Populations != nil {
		ps := make([]Population, len(t.Populations))
		for i, p := range t.Populations {
			p.Countries = slices.Clone(p.Countries)
			ps[i] = p
		}
		t.Populations = ps
	}
	return t
}

// The file format. It is kept apart from Taxon so that the exported types carry no
// JSON tags and the format can change without touching the API.
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

var (
	ranks      = []string{"order", "family", "genus", "species", "subspecies"}
	appendices = []string{"I", "II", "III"}
	// Source and purpose codes of DOMAIN.md sections 4.1 and 4.2.
	sourceCodes  = "WRDACFUIOXY"
	purposeCodes = "TPZMGEQNSBHL"
	idPattern    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	termPattern  = regexp.MustCompile(`^[A-Z]{3}$`)
	langPattern  = regexp.MustCompile(`^[a-z]{2,3}$`)
	countryCode  = regexp.MustCompile(`^[A-Z]{2}$`)
)

// Load reads and validates a listing in the format of data/listing.json: a header
// (version, effective date as YYYY-MM-DD, source) and a list of taxa. Unknown fields,
// dangling parents, a parent of lower or equal rank, invalid Appendix, source, purpose,
// term or country codes, and scientific names or synonyms shared by two taxa are errors.
// Common names may be shared; Lookup then refuses them as ambiguous. The id_hints and
// risk_notes of a taxon are objects by language; a plain string, as in listings stored
// before they were translated, is read as English.
func Load(rd io.Reader) (*Reference, error) {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	var f fileListing
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("species: decode listing: %w", err)
	}
	if f.Version == "" {
		return nil, errors.New("species: listing has no version")
	}
	eff, err := time.Parse(time.DateOnly, f.Effective)
	if err != nil {
		return nil, fmt.Errorf("species: listing effective date: %w", err)
	}
	if len(f.Taxa) == 0 {
		return nil, errors.New("species: listing has no taxa")
	}
	r := &Reference{
		version:   f.Version,
		effective: eff,
		source:    f.Source,
		byID:      make(map[string]int, len(f.Taxa)),
		names:     make(map[string][]nameRef),
	}
	for _, ft := range f.Taxa {
		t, err := ft.taxon()
		if err != nil {
			return nil, err
		}
		if _, dup := r.byID[t.ID]; dup {
			return nil, fmt.Errorf("species: taxon %q: duplicate id", t.ID)
		}
		r.byID[t.ID] = len(r.taxa)
		r.taxa = append(r.taxa, t)
	}
	for _, t := range r.taxa {
		if t.Parent == "" {
			continue
		}
		i, ok := r.byID[t.Parent]
		if !ok {
			return nil, fmt.Errorf("species: taxon %q: parent %q not found", t.ID, t.Parent)
		}
		// Ranks strictly increase down the chain, so there can be no cycle.
		if slices.Index(ranks, r.taxa[i].Rank) >= slices.Index(ranks, t.Rank) {
			return nil, fmt.Errorf("species: taxon %q (%s): parent %q is of rank %s",
				t.ID, t.Rank, t.Parent, r.taxa[i].Rank)
		}
	}
	if err := r.index(); err != nil {
		return nil, err
	}
	return r, nil
}

// index builds the name index, refusing a scientific name or synonym of two taxa.
func (r *Reference) index() error {
	add := func(t Taxon, display string, class int) error {
		key := normalize(display)
		if key == "" {
			return fmt.Errorf("species: taxon %q: empty name %q", t.ID, display)
		}
		for _, ref := range r.names[key] {
			if ref.id == t.ID {
				return nil // the same name twice on one taxon, e.g. in two languages
			}
			if ref.class != classCommon && class != classCommon {
				return fmt.Errorf("species: taxon %q: name %q already names taxon %q", t.ID, display, ref.id)
			}
		}
		r.names[key] = append(r.names[key], nameRef{id: t.ID, class: class})
		r.entries = append(r.entries, nameEntry{key: key, display: display, id: t.ID, class: class})
		r.longestName = max(r.longestName, utf8.RuneCountInString(key))
		return nil
	}
	for _, t := range r.taxa {
		if err := add(t, t.Name, classAccepted); err != nil {
			return err
		}
		for _, s := range t.Synonyms {
			if err := add(t, s, classSynonym); err != nil {
				return err
			}
		}
		for _, lang := range slices.Sorted(maps.Keys(t.CommonNames)) {
			for _, n := range t.CommonNames[lang] {
				if err := add(t, n, classCommon); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// taxon validates one entry of the file on its own.
func (ft fileTaxon) taxon() (Taxon, error) {
	bad := func(format string, args ...any) (Taxon, error) {
		return Taxon{}, fmt.Errorf("species: taxon %q: %s", ft.ID, fmt.Sprintf(format, args...))
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
	t := Taxon{
		ID: ft.ID, Name: ft.Name, Rank: ft.Rank, Parent: ft.Parent,
		Synonyms: ft.Synonyms, CommonNames: ft.CommonNames,
		Appendix: ft.Appendix, NotListed: ft.NotListed, Annotation: ft.Annotation,
		Terms: ft.Terms,
	}
	for lang := range ft.CommonNames {
		if !langPattern.MatchString(lang) {
			return bad("common-name language %q is not an ISO 639 code", lang)
		}
	}
	var err error
	if t.IDHints, err = ft.IDHints.texts(); err != nil {
		return bad("id_hints: %v", err)
	}
	if t.RiskNotes, err = ft.RiskNotes.texts(); err != nil {
		return bad("risk_notes: %v", err)
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
		t.Populations = append(t.Populations, Population{Countries: p.Countries, Appendix: p.Appendix, Note: p.Note})
	}
	for _, q := range ft.ZeroQuotas {
		if len(q.Source) > 1 || !strings.Contains(sourceCodes, q.Source) {
			return bad("zero quota source %q is not a source code", q.Source)
		}
		if len(q.Purpose) > 1 || !strings.Contains(purposeCodes, q.Purpose) {
			return bad("zero quota purpose %q is not a purpose code", q.Purpose)
		}
		t.ZeroQuotas = append(t.ZeroQuotas, ZeroQuota{Source: q.Source, Purpose: q.Purpose, Note: q.Note})
	}
	for _, term := range ft.Terms {
		if !termPattern.MatchString(term) {
			return bad("term %q is not a three-letter code", term)
		}
	}
	return t, nil
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
