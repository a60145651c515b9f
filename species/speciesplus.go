package species

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SpeciesPlusColumns are the columns of the Species+ "Index of CITES Species" export, in
// order, as its header row names them.
var SpeciesPlusColumns = []string{"TaxonId", "Kingdom", "Phylum", "Class", "Order", "Family", "Genus", "Species",
	"Subspecies", "FullName", "AuthorYear", "RankName", "CurrentListing", "FullAnnotationEnglish", "AnnotationEnglish",
	"AnnotationSpanish", "AnnotationFrench", "#AnnotationSymbol", "#Annotation", "SynonymsWithAuthors", "EnglishNames",
	"SpanishNames", "FrenchNames", "CitesAccepted", "All_DistributionISOCodes", "All_DistributionFullNames",
	"NativeDistributionFullNames", "Introduced_Distribution", "Introduced(?)_Distribution", "Reintroduced_Distribution",
	"Extinct_Distribution", "Extinct(?)_Distribution", "Distribution_Uncertain"}

// Column positions in SpeciesPlusColumns.
const (
	colTaxonID = iota
	colKingdom
	colPhylum
	colClass
	colOrder
	colFamily
	colGenus
	colSpecies
	colSubspecies
	colFullName
	colAuthor
	colRank
	colListing
	colFullAnnotation
	colAnnotation
	colAnnotationES
	colAnnotationFR
	colSymbol
	colSymbolText
	colSynonyms
	colEnglish
	colSpanish
	colFrench
	colAccepted
	colCodes
	colNames
	colNative // the seven distribution states, in Range order, follow
)

var speciesPlusRanks = map[string]string{"ORDER": "order", "FAMILY": "family", "SUBFAMILY": "subfamily",
	"GENUS": "genus", "SPECIES": "species", "SUBSPECIES": "subspecies", "VARIETY": "variety"}

// Parse reads a listing file in either of the formats the registry imports, told apart
// by the header row: the Species+ "Index of CITES Species" CSV export exactly as
// downloaded (SpeciesPlusColumns), or the OpenCITES CSV of FromCSV (CSVColumns). It
// returns the reference and the bytes to store, which Load reads back into an equal
// reference: for a Species+ export, the JSON of format 2 (the taxa with their listings,
// synonyms, names and ranges; annotations as the export has them); for the OpenCITES
// CSV, the starter JSON format.
//
// The file is read as a stream: a file over MaxFileSize, a cell over MaxCellSize,
// invalid UTF-8, a header that is not one of the two, a row cut short or too long, or a
// cell that does not hold what its column should (a TaxonId that is not a number, an
// unknown rank or listing) is refused with a *FormatError naming the physical line
// (counting the newlines inside quoted cells) and the column. Nothing is returned with
// an error.
func Parse(r io.Reader, version string, effective time.Time, source string) (*Reference, []byte, error) {
	version = strings.TrimSpace(version)
	if version == "" {
		return nil, nil, errors.New("species: a listing needs a version")
	}
	br := bufio.NewReaderSize(&sizeGuard{r: r, max: MaxFileSize}, 64<<10)
	head, err := br.Peek(16)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		if errors.Is(err, errFileTooLarge) {
			return nil, nil, &FormatError{Line: 1, Err: err}
		}
		return nil, nil, errorf("read listing: %w", err)
	}
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	switch {
	case bytes.HasPrefix(head, []byte("TaxonId")):
		return parseSpeciesPlus(br, version, effective, source)
	case bytes.HasPrefix(head, []byte("FullName")):
		return FromCSV(br, version, effective, source)
	}
	return nil, nil, &FormatError{Line: 1, Column: 1, Name: SpeciesPlusColumns[0],
		Err: errors.New("the header is neither the Species+ export (TaxonId, Kingdom, ...) nor the OpenCITES CSV (FullName, RankName, ...)")}
}

// commaCountryNames are the country names of the export that contain ", ", the
// separator of its lists of names.
var commaCountryNames = map[string]bool{
	"Hong Kong, SAR": true, "Taiwan, Province of China": true, "Bonaire, Sint Eustatius and Saba": true,
	"Saint Helena, Ascension and Tristan da Cunha": true,
}

// splitCountries splits a list of country names at ", ", keeping the names that
// contain one whole.
func splitCountries(cell string) []string {
	if strings.TrimSpace(cell) == "" {
		return nil
	}
	pieces := strings.Split(cell, ", ")
	out := make([]string, 0, len(pieces))
	for i := 0; i < len(pieces); i++ {
		p := strings.TrimSpace(pieces[i])
		if i+1 < len(pieces) && commaCountryNames[p+", "+strings.TrimSpace(pieces[i+1])] {
			p += ", " + strings.TrimSpace(pieces[i+1])
			i++
		}
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// importer holds what reading a Species+ export needs across rows.
type importer struct {
	c         *csvReader
	f         fileV2
	listings  map[fileListingV2]int
	intern    map[string]string
	countries map[string]string
	ids       map[int]int // TaxonId -> row
	links     []links
	unknown   map[string]bool // country names without a code, warned once
}

// links are the names of a row's higher taxa, for finding its parent.
type links struct {
	kingdom, order, family, genus, species string
}

func (im *importer) in(s string) string {
	if v, ok := im.intern[s]; ok {
		return v
	}
	s = strings.Clone(s)
	im.intern[s] = s
	return s
}

func (im *importer) warn(format string, args ...any) {
	if len(im.f.Warnings) < 200 {
		im.f.Warnings = append(im.f.Warnings, fmt.Sprintf(format, args...))
	}
}

func parseSpeciesPlus(br *bufio.Reader, version string, effective time.Time, source string) (*Reference, []byte, error) {
	im := &importer{c: newCSVReader(br), listings: map[fileListingV2]int{}, intern: map[string]string{},
		countries: map[string]string{}, ids: map[int]int{}, unknown: map[string]bool{}}
	im.f = fileV2{Format: 2, Version: version, Effective: effective.UTC().Format(time.DateOnly), Source: source}
	if err := im.header(); err != nil {
		return nil, nil, err
	}
	for {
		rec, err := im.c.read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if err := im.row(rec); err != nil {
			return nil, nil, err
		}
	}
	if len(im.f.Taxa) == 0 {
		return nil, nil, &FormatError{Line: im.c.line, Err: errors.New("the file has no rows after its header")}
	}
	im.parents()
	im.f.Countries = im.countries
	// The stored form first: its encoding buffers are garbage before the reference is
	// built, which keeps the peak of memory lower.
	b, err := json.Marshal(&im.f)
	if err != nil {
		return nil, nil, err
	}
	im.listings, im.intern, im.ids = nil, nil, nil
	ref, err := fromV2(&im.f)
	if err != nil {
		return nil, nil, err
	}
	return ref, b, nil
}

func (im *importer) header() error {
	c := im.c
	hdr, err := c.read()
	if err == io.EOF {
		return &FormatError{Line: 1, Err: errors.New("the file is empty")}
	}
	if err != nil {
		return err
	}
	for i, want := range SpeciesPlusColumns {
		if i >= len(hdr) {
			return &FormatError{Line: 1, Column: i + 1, Name: want, Err: fmt.Errorf("column %q is missing from the header", want)}
		}
		got := strings.TrimSpace(string(hdr[i]))
		if i == 0 {
			got = strings.TrimPrefix(got, "\ufeff")
		}
		if got != want {
			return &FormatError{Line: 1, Column: i + 1, Name: want, Err: fmt.Errorf("the header has %q where the export has %q", got, want)}
		}
	}
	if len(hdr) > len(SpeciesPlusColumns) {
		return &FormatError{Line: 1, Column: len(SpeciesPlusColumns) + 1,
			Err: fmt.Errorf("the header has %d columns, the export %d", len(hdr), len(SpeciesPlusColumns))}
	}
	c.header = SpeciesPlusColumns
	return nil
}

// row reads one taxon.
func (im *importer) row(rec [][]byte) error {
	c := im.c
	n := len(SpeciesPlusColumns)
	if len(rec) < n {
		return &FormatError{Line: c.lastEnd, Column: len(rec) + 1, Name: SpeciesPlusColumns[len(rec)],
			Err: fmt.Errorf("the row is cut short: %d cells, the header has %d", len(rec), n)}
	}
	if len(rec) > n {
		return &FormatError{Line: c.lastEnd, Column: n + 1, Err: fmt.Errorf("the row has %d cells, the header %d", len(rec), n)}
	}
	cell := func(col int) string { return strings.TrimSpace(string(rec[col])) }
	bad := func(col int, format string, args ...any) error {
		return c.errorAt(c.cellLine(col), col, fmt.Errorf(format, args...))
	}
	id, err := strconv.Atoi(cell(colTaxonID))
	if err != nil || id <= 0 {
		return bad(colTaxonID, "TaxonId %q is not a positive number", cell(colTaxonID))
	}
	if prev, dup := im.ids[id]; dup {
		return bad(colTaxonID, "TaxonId %d is also the id of %q", id, im.f.Taxa[prev].Name)
	}
	name := strings.Join(strings.Fields(cell(colFullName)), " ")
	if name == "" {
		return bad(colFullName, "FullName is empty")
	}
	rank, ok := speciesPlusRanks[strings.ToUpper(cell(colRank))]
	if !ok {
		return bad(colRank, "RankName %q is not one of ORDER, FAMILY, SUBFAMILY, GENUS, SPECIES, SUBSPECIES, VARIETY", cell(colRank))
	}
	current := strings.ReplaceAll(cell(colListing), " ", "")
	if _, ok := parseCurrent(current); !ok {
		return bad(colListing, "CurrentListing %q is not I, II, III, NC or a split of them such as I/II", current)
	}
	var notAccepted bool
	switch strings.ToLower(cell(colAccepted)) {
	case "true":
	case "false":
		notAccepted = true
	default:
		return bad(colAccepted, "CitesAccepted %q is neither true nor false", cell(colAccepted))
	}
	fl := fileListingV2{Current: im.in(current), Annotation: im.in(string(rec[colAnnotation])), Full: im.in(string(rec[colFullAnnotation])),
		Spanish: im.in(string(rec[colAnnotationES])), French: im.in(string(rec[colAnnotationFR])),
		Symbol: im.in(cell(colSymbol)), SymbolText: im.in(string(rec[colSymbolText]))}
	li, ok := im.listings[fl]
	if !ok {
		li = len(im.f.Listings)
		im.listings[fl] = li
		im.f.Listings = append(im.f.Listings, fl)
	}
	t := fileTaxonV2{ID: id, Name: name, Rank: rank, Author: cell(colAuthor), Kingdom: im.in(cell(colKingdom)),
		Class: im.in(cell(colClass)), NotAccepted: notAccepted, Listing: li,
		Synonyms: splitSynonyms(string(rec[colSynonyms]), rankLevel(rankIndex(rank)) < rankLevel(rankIndex("species"))),
		English:  splitNames(string(rec[colEnglish])), Spanish: splitNames(string(rec[colSpanish])), French: splitNames(string(rec[colFrench]))}
	rng, err := im.distribution(rec, name)
	if err != nil {
		return err
	}
	t.Range = rng
	im.ids[id] = len(im.f.Taxa)
	im.f.Taxa = append(im.f.Taxa, t)
	l := links{kingdom: t.Kingdom, order: im.in(cell(colOrder)), family: im.in(cell(colFamily)), genus: im.in(cell(colGenus))}
	if sp := cell(colSpecies); sp != "" && l.genus != "" {
		l.species = im.in(l.genus + " " + sp)
	}
	im.links = append(im.links, l)
	return nil
}

// distribution reads the range of a row. The codes come from All_DistributionISOCodes;
// the states (native, introduced...) are lists of country names, which get their codes
// from the row's own names and codes (the two All_ columns list the same countries in
// the same order) or from other rows.
func (im *importer) distribution(rec [][]byte, name string) (*fileRange, error) {
	c := im.c
	var codes []string
	for code := range strings.SplitSeq(string(rec[colCodes]), ",") {
		code = strings.TrimSpace(code)
		if code == "" {
			continue
		}
		if !rangeCode.MatchString(code) {
			return nil, c.errorAt(c.cellLine(colCodes), colCodes, fmt.Errorf("%q is not a two-letter country code", code))
		}
		codes = append(codes, code)
	}
	if len(codes) == 0 {
		return nil, nil
	}
	names := splitCountries(string(rec[colNames]))
	local := map[string]string{}
	if len(names) == len(codes) {
		for i, n := range names {
			local[n] = codes[i]
			if prev, ok := im.countries[n]; ok && prev != codes[i] {
				im.warn("line %d: %q is %s here and %s on an earlier row", c.cellLine(colNames), n, codes[i], prev)
				continue
			}
			if _, ok := im.countries[n]; !ok {
				im.countries[im.in(n)] = im.in(codes[i])
			}
		}
	} else {
		im.warn("line %d (%s): %d country names for %d codes; the range states use names known from other rows",
			c.cellLine(colNames), name, len(names), len(codes))
	}
	var states [7][]string
	for s := range states {
		col := colNative + s
		for _, n := range splitCountries(string(rec[col])) {
			code, ok := local[n]
			if !ok {
				code, ok = im.countries[n]
			}
			if !ok {
				if !im.unknown[n] {
					im.unknown[n] = true
					im.warn("line %d (%s): country %q of %s has no code", c.cellLine(col), name, n, SpeciesPlusColumns[col])
				}
				continue
			}
			if !slices.Contains(states[s], code) {
				states[s] = append(states[s], code)
			}
		}
	}
	join := func(s []string) string { return im.in(strings.Join(s, ",")) }
	return &fileRange{Native: join(states[0]), Introduced: join(states[1]), IntroducedUncertain: join(states[2]),
		Reintroduced: join(states[3]), Extinct: join(states[4]), ExtinctUncertain: join(states[5]), Uncertain: join(states[6])}, nil
}

// parents links each row to the row of its next higher taxon, by the Kingdom, Order,
// Family, Genus and Species columns: a species to its genus, or its family or order
// when the file has no row for the genus; a subspecies or variety to its species. The
// export has no Subfamily column, so a subfamily sits under its family and nothing
// under it.
func (im *importer) parents() {
	type key struct{ kingdom, rank, name string }
	rows := make(map[key]int, len(im.f.Taxa))
	for i, t := range im.f.Taxa {
		k := key{im.links[i].kingdom, t.Rank, t.Name}
		if _, dup := rows[k]; !dup {
			rows[k] = i
		}
	}
	find := func(kingdom, rank, name string) int {
		if name == "" {
			return -1
		}
		if i, ok := rows[key{kingdom, rank, name}]; ok {
			return i
		}
		return -1
	}
	for i := range im.f.Taxa {
		t := &im.f.Taxa[i]
		l := im.links[i]
		var chain []struct{ rank, name string }
		switch t.Rank {
		case "family":
			chain = append(chain, struct{ rank, name string }{"order", l.order})
		case "subfamily":
			chain = append(chain, struct{ rank, name string }{"family", l.family}, struct{ rank, name string }{"order", l.order})
		case "genus":
			chain = append(chain, struct{ rank, name string }{"family", l.family}, struct{ rank, name string }{"order", l.order})
		case "species":
			chain = append(chain, struct{ rank, name string }{"genus", l.genus}, struct{ rank, name string }{"family", l.family},
				struct{ rank, name string }{"order", l.order})
		case "subspecies", "variety":
			chain = append(chain, struct{ rank, name string }{"species", l.species}, struct{ rank, name string }{"genus", l.genus},
				struct{ rank, name string }{"family", l.family}, struct{ rank, name string }{"order", l.order})
		}
		for _, up := range chain {
			if p := find(l.kingdom, up.rank, up.name); p >= 0 && p != i {
				t.Parent = p + 1
				break
			}
		}
	}
	im.links = nil
}
