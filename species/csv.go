package species

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// CSVColumns are the columns of a listing import, close to the CITES
// Checklist / Species+ export (FullName, RankName, CurrentListing,
// Annotation) with the fields the registry adds. Lists inside a cell are
// separated by ";".
//
//	FullName        scientific name, e.g. "Ovis ammon nigrimontana"
//	RankName        ORDER, FAMILY, GENUS, SPECIES or SUBSPECIES
//	Parent          scientific name of the next higher taxon in the file;
//	                empty for a species or subspecies means its genus or species
//	CurrentListing  I, II, III; NC for "not in CITES"; empty: inherits the parent's
//	Annotation      e.g. "#4: All parts and derivatives, except ..."
//	Populations     "BT,CN,MX,MN=I; ..." country populations listed differently
//	ZeroQuotas      "W/T; ..." source/purpose ("" for any), e.g. "W/T"
//	Synonyms        "Agrionemys horsfieldii; ..."
//	English, Russian, Kyrgyz   common names, ";"-separated
//	Terms           "LIV; TRO"
//	IdHints, RiskNotes         free text in English
//	IdHintsRu, IdHintsKy       the identification hints in Russian and Kyrgyz
//	RiskNotesRu, RiskNotesKy   the risk notes in Russian and Kyrgyz
var CSVColumns = []string{"FullName", "RankName", "Parent", "CurrentListing", "Annotation", "Populations",
	"ZeroQuotas", "Synonyms", "English", "Russian", "Kyrgyz", "Terms", "IdHints", "RiskNotes",
	"IdHintsRu", "IdHintsKy", "RiskNotesRu", "RiskNotesKy"}

// untranslatedColumns is the number of columns before the translations of the notes
// (through RiskNotes). Files written for that older layout still import: the header
// or any row may stop there, and the missing translations are empty.
const untranslatedColumns = 14

// FromCSV converts a listing in the CSV import format into the JSON format
// of data/listing.json, validates it with Load, and returns both. A file that cannot be
// read is refused with a *FormatError naming the line and the column.
func FromCSV(r io.Reader, version string, effective time.Time, source string) (*Reference, []byte, error) {
	if strings.TrimSpace(version) == "" {
		return nil, nil, errors.New("species: a listing needs a version")
	}
	cr := csv.NewReader(&sizeGuard{r: r, max: MaxFileSize})
	cr.FieldsPerRecord = -1 // checked below: a row may stop before the translations
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, csvError(err, 1)
	}
	if len(header) != len(CSVColumns) && len(header) != untranslatedColumns {
		return nil, nil, &FormatError{Line: 1, Column: min(len(header), len(CSVColumns)) + 1,
			Err: fmt.Errorf("CSV has %d columns, want %d (columns: %s)", len(header), len(CSVColumns), strings.Join(CSVColumns, ","))}
	}
	for i, got := range header {
		if strings.TrimSpace(strings.TrimPrefix(got, "\ufeff")) != CSVColumns[i] {
			return nil, nil, &FormatError{Line: 1, Column: i + 1, Name: CSVColumns[i],
				Err: fmt.Errorf("CSV column %d is %q, want %q (columns: %s)", i+1, got, CSVColumns[i], strings.Join(CSVColumns, ","))}
		}
	}
	f := fileListing{Version: version, Effective: effective.Format(time.DateOnly), Source: source}
	byName := map[string]string{} // normalised name -> id
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, nil, csvError(err, line)
		}
		if len(rec) != len(header) && len(rec) != untranslatedColumns {
			return nil, nil, &FormatError{Line: line, Column: min(len(rec), len(header)) + 1,
				Err: fmt.Errorf("CSV row has %d fields, want %d", len(rec), len(header))}
		}
		rec = append(rec, make([]string, len(CSVColumns)-len(rec))...)
		t, err := csvTaxon(rec, byName)
		if err != nil {
			return nil, nil, &FormatError{Line: line, Err: err}
		}
		byName[normalize(t.Name)] = t.ID
		f.Taxa = append(f.Taxa, t)
	}
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return nil, nil, err
	}
	ref, err := Load(bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	return ref, b, nil
}

// csvError turns an error of encoding/csv into a *FormatError.
func csvError(err error, line int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FormatError{Line: pe.Line, Err: pe} // its column counts bytes, not cells
	}
	return &FormatError{Line: line, Err: err}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// csvText gathers the English, Russian and Kyrgyz cells of one text; empty cells are
// left out, and a text with none is omitted from the JSON.
func csvText(en, ru, ky string) localText {
	lt := localText{}
	for lang, s := range map[string]string{"en": en, "ru": ru, "ky": ky} {
		if s != "" {
			lt[lang] = s
		}
	}
	return lt
}

func csvTaxon(rec []string, byName map[string]string) (fileTaxon, error) {
	get := func(col string) string {
		for i, c := range CSVColumns {
			if c == col {
				return strings.TrimSpace(rec[i])
			}
		}
		return ""
	}
	name := strings.Join(strings.Fields(get("FullName")), " ")
	if name == "" {
		return fileTaxon{}, errors.New("FullName is empty")
	}
	t := fileTaxon{ID: slug(normalize(name)), Name: name, Rank: strings.ToLower(get("RankName")),
		Annotation: get("Annotation"), Synonyms: splitList(get("Synonyms")), Terms: splitList(get("Terms")),
		IDHints:   csvText(get("IdHints"), get("IdHintsRu"), get("IdHintsKy")),
		RiskNotes: csvText(get("RiskNotes"), get("RiskNotesRu"), get("RiskNotesKy"))}
	parent := get("Parent")
	if parent == "" {
		words := strings.Fields(name)
		switch t.Rank {
		case "species":
			parent = words[0]
		case "subspecies":
			if len(words) >= 2 {
				parent = words[0] + " " + words[1]
			}
		}
	}
	if parent != "" {
		id, ok := byName[normalize(parent)]
		if !ok {
			return fileTaxon{}, fmt.Errorf("parent %q of %q must come earlier in the file", parent, name)
		}
		t.Parent = id
	}
	switch l := strings.ToUpper(get("CurrentListing")); l {
	case "NC":
		t.NotListed = true
	case "", "I", "II", "III":
		t.Appendix = l
	default:
		return fileTaxon{}, fmt.Errorf("CurrentListing %q: want I, II, III, NC or empty", l)
	}
	names := map[string][]string{}
	for lang, col := range map[string]string{"en": "English", "ru": "Russian", "ky": "Kyrgyz"} {
		if ns := splitList(get(col)); len(ns) > 0 {
			names[lang] = ns
		}
	}
	if len(names) > 0 {
		t.CommonNames = names
	}
	for _, p := range splitList(get("Populations")) {
		countries, app, ok := strings.Cut(p, "=")
		if !ok {
			return fileTaxon{}, fmt.Errorf("population %q: want COUNTRIES=APPENDIX", p)
		}
		var cs []string
		for _, c := range strings.Split(countries, ",") {
			if c = strings.ToUpper(strings.TrimSpace(c)); c != "" {
				cs = append(cs, c)
			}
		}
		t.Populations = append(t.Populations, struct {
			Countries []string `json:"countries"`
			Appendix  string   `json:"appendix"`
			Note      string   `json:"note"`
		}{Countries: cs, Appendix: strings.ToUpper(strings.TrimSpace(app))})
	}
	for _, z := range splitList(get("ZeroQuotas")) {
		src, pur, _ := strings.Cut(z, "/")
		t.ZeroQuotas = append(t.ZeroQuotas, struct {
			Source  string `json:"source"`
			Purpose string `json:"purpose"`
			Note    string `json:"note"`
		}{Source: strings.ToUpper(strings.TrimSpace(src)), Purpose: strings.ToUpper(strings.TrimSpace(pur))})
	}
	return t, nil
}
