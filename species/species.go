package species

import (
	"bytes"
	_ "embed"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"
)

// Taxon is one entry of the reference: an order, family, subfamily, genus, species,
// subspecies or variety, with its listing. A Taxon is a copy: changing it changes
// nothing in the reference.
type Taxon struct {
	ID            string // stable slug, e.g. "falco-cherrug"
	Name          string // accepted scientific name
	Rank          string // "order", "family", "subfamily", "genus", "species", "subspecies", "variety"
	Parent        string // ID of the next higher taxon in the reference, "" at the top
	Author        string // "(Linnaeus, 1758)"; "" when the file gives none
	SpeciesPlusID int    // the TaxonId of the Species+ export; 0 for taxa from elsewhere
	Kingdom       string // "Animalia", "Plantae"; "" when not known
	Class         string // "Mammalia", "Aves"...; "" when not known or not given (plants)
	// CitesAccepted is false for a name Species+ carries that the CITES standard
	// nomenclature has not adopted (most of them orchids); see Resolve.
	CitesAccepted bool
	// Synonyms are the other scientific names of the taxon, without authors, for
	// lookup; SynonymsWithAuthors are the same as the file writes them, for display.
	Synonyms            []string
	SynonymsWithAuthors []string
	CommonNames         map[string][]string // by language: "en", "es", "fr", "ru", "ky"

	// CurrentListing is the listing as Species+ gives it: "I", "II", "III", "NC", "" or
	// a split such as "I/II" whose annotation says which part is in which Appendix.
	CurrentListing string
	// Appendix is the Appendix of the taxon as a whole: the one of CurrentListing, or
	// for a split the one its annotation gives the taxon outside the populations and
	// lower taxa it names; "" when there is none ("" and NotListed for "NC").
	Appendix  string
	NotListed bool // the taxon is not in the Appendices ("NC")
	// Annotation is the English annotation of the listing, HTML and non-breaking spaces
	// removed, one line per Appendix ("Appendix I: Popns of BT, CN, MN, MX."); for a
	// listing not from Species+, the annotation as written ("#4: All parts...").
	Annotation     string
	FullAnnotation string            // the long English form, where the file has one
	Annotations    map[string]string // the short annotation by language: "en", "es", "fr"
	// AnnotationSymbol is the annotation on parts and derivatives ("#4"), and
	// SymbolAnnotation its text ("All parts and derivatives, except: ...").
	AnnotationSymbol string
	SymbolAnnotation string
	Populations      []Population // country populations listed in another Appendix
	ZeroQuotas       []ZeroQuota  // zero quotas the annotation states for every population
	Range            Range        // where the taxon occurs, by state

	Terms     []string          // typical traded term codes (LIV, TRO, HOR...)
	IDHints   map[string]string // identification hints by language: "en", "ru", "ky"
	RiskNotes map[string]string // known risk patterns and open questions, by language
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

// Range is where a taxon occurs, as ISO 3166 alpha-2 codes (and the few codes Species+
// adds for former states, such as CS for Serbia and Montenegro) by state of occurrence:
// the distribution columns of the Species+ export. A country may be in two states
// (reintroduced where it was extinct).
type Range struct {
	Native              []string
	Introduced          []string
	IntroducedUncertain []string // "Introduced(?)"
	Reintroduced        []string
	Extinct             []string
	ExtinctUncertain    []string // "Extinct(?)"
	Uncertain           []string // "Distribution_Uncertain"
}

// Known reports whether the reference holds a range for the taxon at all (the starter
// list and higher taxa have none).
func (r Range) Known() bool {
	return len(r.Native)+len(r.Introduced)+len(r.IntroducedUncertain)+len(r.Reintroduced)+
		len(r.Extinct)+len(r.ExtinctUncertain)+len(r.Uncertain) > 0
}

// RangeState is a set of states of occurrence of a taxon in one country.
type RangeState uint8

// The states of occurrence, as the Species+ distribution columns name them.
const (
	Native RangeState = 1 << iota
	Introduced
	IntroducedUncertain
	Reintroduced
	Extinct
	ExtinctUncertain
	Uncertain
)

var rangeStateNames = []string{"native", "introduced", "introduced(?)", "reintroduced", "extinct", "extinct(?)", "uncertain"}

// String lists the states, e.g. "reintroduced+extinct"; "absent" for none.
func (s RangeState) String() string {
	var parts []string
	for i, name := range rangeStateNames {
		if s&(1<<i) != 0 {
			parts = append(parts, name)
		}
	}
	if parts == nil {
		return "absent"
	}
	return strings.Join(parts, "+")
}

func (r Range) lists() [7][]string {
	return [7][]string{r.Native, r.Introduced, r.IntroducedUncertain, r.Reintroduced, r.Extinct, r.ExtinctUncertain, r.Uncertain}
}

// RangeState returns the states in which the taxon occurs in country (ISO 3166
// alpha-2); 0 when the range does not name the country.
func (t Taxon) RangeState(country string) RangeState {
	country = strings.ToUpper(strings.TrimSpace(country))
	var s RangeState
	for i, codes := range t.Range.lists() {
		if slices.Contains(codes, country) {
			s |= 1 << i
		}
	}
	return s
}

// InRange reports whether wild specimens of the taxon may come from country: the
// taxon is native there or reintroduced there. Uncertain occurrence counts as in range
// (Distribution_Uncertain, and the doubtful "Introduced(?)" and "Extinct(?)"), so that
// guidance flags a wild specimen only when the data say plainly that the taxon does
// not live there. Introduced and extinct occurrences are outside the range. It is false
// when the reference holds no range for the taxon (see Range.Known).
func (t Taxon) InRange(country string) bool {
	return t.RangeState(country)&(Native|Reintroduced|Uncertain|IntroducedUncertain|ExtinctUncertain) != 0
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

// Listing is how a taxon is listed for specimens from one country, once populations,
// excepted lower taxa and the taxonomic chain have been taken into account.
type Listing struct {
	// Taxon is the accepted taxon the name resolved to.
	Taxon Taxon
	// Appendix is "I", "II" or "III"; "" when the specimens are not in the Appendices
	// (NotListed).
	Appendix string
	// ListedAs names the taxon whose listing applies, and the population when it
	// decided: "Falconiformes", "Ovis ammon nigrimontana", "Ursus arctos (population
	// of MN)", or the taxon that is not listed ("Tulipa").
	ListedAs string
	// Annotation is the annotation of the listing that applies: the annotation on parts
	// and derivatives ("#4: All parts and derivatives, except: ..."), else the cleaned
	// annotation line that decided; "" for none.
	Annotation string
	// Symbol is the symbol of the annotation on parts and derivatives ("#4"), "" for
	// none.
	Symbol string
	// ZeroQuotas are the zero quotas that apply to these specimens.
	ZeroQuotas []ZeroQuota
	// NotListed is true when the specimens are not in the Appendices: the taxon or the
	// population is not covered ("NC").
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

// Resolution is what a name on a permit line resolves to.
type Resolution struct {
	// Taxon is the accepted taxon.
	Taxon Taxon
	// RequestedAs is the name as asked when it was a synonym, a common name or a name
	// the CITES nomenclature has not adopted; "" when the accepted name was asked.
	RequestedAs string
	// Listing applies to specimens of Taxon from the country asked.
	Listing Listing
	// ListedDifferently are lower taxa of a species listed in another Appendix than the
	// species ("Ovis ammon nigrimontana", App. I, under Ovis ammon, App. II): a permit
	// for specimens of one of them must name it.
	ListedDifferently []Candidate
}

// Counts are the sizes of a reference, for checking an import.
type Counts struct {
	Taxa        int
	ByRank      map[string]int
	NotAccepted int            // taxa with CitesAccepted false
	Synonyms    int            // synonyms read, one per name
	CommonNames map[string]int // common names read, by language
}

// Reference is a parsed, validated listing. It is immutable and safe for concurrent use;
// every Taxon it returns is a copy.
type Reference struct {
	version   string
	effective time.Time
	source    string
	format    int // 1: the starter format; 2: from a Species+ export

	taxa       []taxon
	listings   []listing
	byID       map[string]int32
	childStart []int32 // children of taxon i are children[childStart[i]:childStart[i+1]]
	children   []int32
	langs      []string // language of common names, by code
	names      []nameEntry
	search     searchIndex
	countries  map[string]string // country names of the file -> codes (format 2)
	warnings   []string
	overlay    *OverlayReport
}

// taxon is the stored form of a Taxon: strings shared where they repeat, nothing
// allocated for what a taxon lacks.
type taxon struct {
	id       string
	name     string
	author   string
	kingdom  string
	class    string
	synonyms []string // as written in the file: with authors for a Species+ import
	common   []commonName
	rng      string // codes by state; see packRange
	notes    *notes
	spID     int32
	parent   int32 // -1 at the top
	listing  int32 // index in listings; -1 for none
	rank     uint8
	accepted bool
}

type commonName struct {
	lang uint8
	name string
}

// notes are what the starter list adds to a taxon for officers.
type notes struct {
	terms []string
	hints map[string]string
	risks map[string]string
}

var ranks = []string{"order", "family", "subfamily", "genus", "species", "subspecies", "variety"}

// rankLevel orders ranks; subspecies and variety are level.
func rankLevel(rank uint8) int {
	if ranks[rank] == "variety" {
		return rankLevel(rankIndex("subspecies"))
	}
	return int(rank)
}

func rankIndex(rank string) uint8 {
	return uint8(slices.Index(ranks, rank))
}

//go:embed data/listing.json
var listingJSON []byte

var (
	defaultOnce sync.Once
	defaultRef  *Reference
)

// Default returns the listing embedded in the binary, parsed once: the starter list of
// the taxa that matter most in Central Asia, with Russian and Kyrgyz names and notes.
// It panics only if the embedded file is broken, which a test guards against.
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

// Len is the number of taxa.
func (r *Reference) Len() int { return len(r.taxa) }

// Warnings are what an import could not read cleanly but did not refuse: country names
// of the distribution columns that match no code, annotations of split listings that
// cannot decide them (their taxa resolve to an *AmbiguousError). Nil for none.
func (r *Reference) Warnings() []string { return slices.Clone(r.warnings) }

// At returns the taxon at index i, 0 <= i < Len(), in file order.
func (r *Reference) At(i int) Taxon { return r.materialize(int32(i)) }

// All yields every taxon in file order, one copy at a time.
func (r *Reference) All() iter.Seq[Taxon] {
	return func(yield func(Taxon) bool) {
		for i := range r.taxa {
			if !yield(r.materialize(int32(i))) {
				return
			}
		}
	}
}

// Taxa returns every taxon of the reference in file order. It copies the whole list
// (38,000 taxa for a full import); All, At and Len do not.
func (r *Reference) Taxa() []Taxon {
	out := make([]Taxon, len(r.taxa))
	for i := range r.taxa {
		out[i] = r.materialize(int32(i))
	}
	return out
}

// Counts counts the taxa, synonyms and common names of the reference.
func (r *Reference) Counts() Counts {
	c := Counts{Taxa: len(r.taxa), ByRank: map[string]int{}, CommonNames: map[string]int{}}
	for i := range r.taxa {
		t := &r.taxa[i]
		c.ByRank[ranks[t.rank]]++
		if !t.accepted {
			c.NotAccepted++
		}
		c.Synonyms += len(t.synonyms)
		for _, n := range t.common {
			c.CommonNames[r.langs[n.lang]]++
		}
	}
	return c
}

// Get returns the taxon with the given id. It returns an error wrapping ErrNotFound if
// there is none.
func (r *Reference) Get(id string) (Taxon, error) {
	i, ok := r.byID[id]
	if !ok {
		return Taxon{}, fmt.Errorf("%w: id %q", ErrNotFound, id)
	}
	return r.materialize(i), nil
}

// Children returns the taxa directly under the taxon with the given id, in file order;
// nil for none or an unknown id.
func (r *Reference) Children(id string) []Taxon {
	i, ok := r.byID[id]
	if !ok {
		return nil
	}
	var out []Taxon
	for _, c := range r.children[r.childStart[i]:r.childStart[i+1]] {
		out = append(out, r.materialize(c))
	}
	return out
}

// Descendants yields the accepted names of the taxon with the given id and of every
// taxon below it, without copying taxa: what a search "by taxon" needs.
func (r *Reference) Descendants(id string) iter.Seq[string] {
	return func(yield func(string) bool) {
		i, ok := r.byID[id]
		if !ok {
			return
		}
		stack := []int32{i}
		for len(stack) > 0 {
			cur := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !yield(r.taxa[cur].name) {
				return
			}
			kids := r.children[r.childStart[cur]:r.childStart[cur+1]]
			for k := len(kids) - 1; k >= 0; k-- {
				stack = append(stack, kids[k])
			}
		}
	}
}

// Lookup returns the taxon a name denotes exactly, after normalisation (case, extra
// spaces, diacritics, "spp."), as Resolve finds it: its accepted scientific name, a
// synonym, or a common name in any language. It returns an error wrapping ErrNotFound
// when nothing matches, and an *AmbiguousError (which matches ErrNotFound too) when the
// name belongs to several taxa; Search is the forgiving alternative.
func (r *Reference) Lookup(name string) (Taxon, error) {
	i, _, err := r.find(name)
	if err != nil {
		return Taxon{}, err
	}
	return r.materialize(i), nil
}

// ListingFor is Resolve without the name it was asked by: the listing that applies to
// specimens of name from country. It is kept for callers written before Resolve, and
// follows Resolve's rules (no climbing from an unknown name; an *AmbiguousError when
// the listing depends on a country not given).
func (r *Reference) ListingFor(name, country string) (Listing, error) {
	res, err := r.Resolve(name, country)
	if err != nil {
		return Listing{}, err
	}
	return res.Listing, nil
}

// materialize builds the exported Taxon of taxon i.
func (r *Reference) materialize(i int32) Taxon {
	t := &r.taxa[i]
	out := Taxon{
		ID: t.id, Name: t.name, Rank: ranks[t.rank], Author: t.author, SpeciesPlusID: int(t.spID),
		Kingdom: t.kingdom, Class: t.class, CitesAccepted: t.accepted,
	}
	if t.parent >= 0 {
		out.Parent = r.taxa[t.parent].id
	}
	if r.format == 2 {
		out.SynonymsWithAuthors = slices.Clone(t.synonyms)
		for _, s := range t.synonyms {
			out.Synonyms = append(out.Synonyms, synonymName(s))
		}
	} else {
		out.Synonyms = slices.Clone(t.synonyms)
	}
	if len(t.common) > 0 {
		out.CommonNames = make(map[string][]string, 3)
		for _, n := range t.common {
			lang := r.langs[n.lang]
			out.CommonNames[lang] = append(out.CommonNames[lang], n.name)
		}
	}
	if t.listing >= 0 {
		r.listings[t.listing].describe(&out)
	}
	out.Range = unpackRange(t.rng)
	if t.notes != nil {
		out.Terms = slices.Clone(t.notes.terms)
		out.IDHints = cloneMap(t.notes.hints)
		out.RiskNotes = cloneMap(t.notes.risks)
	}
	return out
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// packRange stores the seven states of a range as one string: for each state, its codes
// back to back, the states separated by '|'. An empty range is "".
func packRange(states [7][]string) string {
	n := 0
	for _, codes := range states {
		n += len(codes)
	}
	if n == 0 {
		return ""
	}
	var b strings.Builder
	for i, codes := range states {
		if i > 0 {
			b.WriteByte('|')
		}
		for _, c := range codes {
			b.WriteString(c)
		}
	}
	return b.String()
}

func unpackRange(s string) Range {
	if s == "" {
		return Range{}
	}
	var st [7][]string
	i := 0
	for part := range strings.SplitSeq(s, "|") {
		if i < 7 {
			st[i] = splitCodes(part)
		}
		i++
	}
	return Range{Native: st[0], Introduced: st[1], IntroducedUncertain: st[2], Reintroduced: st[3],
		Extinct: st[4], ExtinctUncertain: st[5], Uncertain: st[6]}
}
