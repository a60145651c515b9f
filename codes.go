package opencites

import (
	"math"
	"strings"
)

// DocType is a kind of CITES document (standard form box 1) with the
// longest validity the Convention or practice allows it (DOMAIN.md 2.1).
type DocType struct {
	Name string // API name, e.g. "export"
	Code string // short code carried in the signed token
	// MaxMonths is the longest validity from the date of issue.
	MaxMonths int
	// ImportSide is true for documents presented only when the goods enter
	// the importing country (the import permit); the others are endorsed on
	// export and cancelled on import.
	ImportSide bool
}

// DocTypes lists the documents the registry issues. No CITES document is
// valid for more than three years (US 50 CFR 23).
var DocTypes = []DocType{
	{Name: "export", Code: "E", MaxMonths: 6},
	{Name: "re-export", Code: "R", MaxMonths: 6},
	{Name: "import", Code: "I", MaxMonths: 12, ImportSide: true},
	{Name: "origin", Code: "O", MaxMonths: 12},
	{Name: "introduction-from-sea", Code: "S", MaxMonths: 12},
	{Name: "pre-convention", Code: "PC", MaxMonths: 36},
	{Name: "captive-breeding", Code: "CB", MaxMonths: 36},
	{Name: "travelling-exhibition", Code: "TE", MaxMonths: 36},
	{Name: "musical-instrument", Code: "MI", MaxMonths: 36},
	{Name: "personal-ownership", Code: "PO", MaxMonths: 36},
	{Name: "other", Code: "X", MaxMonths: 6},
}

// DocTypeByName returns the document type of an API name such as "export".
func DocTypeByName(name string) (DocType, bool) {
	for _, d := range DocTypes {
		if d.Name == name {
			return d, true
		}
	}
	return DocType{}, false
}

// Purposes are the box 5a purpose codes (DOMAIN.md 4.2).
var Purposes = map[string]string{
	"T": "Commercial", "Z": "Zoo", "G": "Botanical garden", "Q": "Circus or travelling exhibition",
	"S": "Scientific", "H": "Hunting trophy", "P": "Personal", "M": "Medical",
	"E": "Educational", "N": "Reintroduction or introduction into the wild",
	"B": "Breeding in captivity or artificial propagation", "L": "Law enforcement / judicial / forensic",
}

// Sources are the box 10 source codes (DOMAIN.md 4.1). "O" (pre-Convention)
// is written together with another code, e.g. "OW".
var Sources = map[string]string{
	"W": "Taken from the wild", "R": "Ranched", "D": "Appendix I, bred in captivity or artificially propagated in a registered operation",
	"A": "Artificially propagated plants", "C": "Bred in captivity", "F": "Born in captivity (F1 or later)",
	"U": "Source unknown", "I": "Confiscated or seized", "X": "Taken in the marine environment not under the jurisdiction of any State",
	"Y": "Assisted production",
}

// ValidSource accepts a source code, or "O" followed by one.
func ValidSource(s string) bool {
	if _, ok := Sources[s]; ok {
		return true
	}
	if len(s) == 2 && s[0] == 'O' {
		_, ok := Sources[s[1:]]
		return ok
	}
	return false
}

// Terms are the box 9 specimen description codes (DOMAIN.md 4.3, a subset
// of the annual-report guidelines).
var Terms = map[string]string{
	"BAR": "bark", "BOD": "bodies", "BON": "bones", "CAR": "carvings", "CAV": "caviar", "CLA": "claws",
	"DER": "derivatives", "DPL": "dried plants", "EGG": "eggs", "EGL": "live eggs", "EXT": "extract",
	"FEA": "feathers", "FIN": "fins", "FLO": "flowers", "GAB": "gall bladders", "GAL": "gall",
	"GAR": "garments", "HAI": "hair", "HOR": "horns", "LEA": "leather", "LIV": "live", "MEA": "meat",
	"MED": "medicine", "MUS": "musk", "OIL": "oil", "PIE": "pieces", "POW": "powder", "ROO": "roots",
	"SEE": "seeds", "SHE": "shells", "SKE": "skeletons", "SKI": "skins", "SKP": "skin pieces",
	"SKU": "skulls", "SPE": "scientific specimens", "STE": "stems", "TEE": "teeth", "TRO": "trophies",
	"TUS": "tusks", "WOO": "wood products",
}

// Units are the box 11 units; "" means a number of specimens.
var Units = map[string]string{
	"": "number of specimens", "kg": "kilograms", "g": "grams", "l": "litres", "ml": "millilitres",
	"m": "metres", "m2": "square metres", "m3": "cubic metres", "cm": "centimetres",
}

// iso3166 holds the ISO 3166-1 alpha-2 codes, for parties' countries.
var iso3166 = func() map[string]bool {
	const all = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
		"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
		"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
		"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
		"MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
		"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
		"UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
	m := map[string]bool{}
	for _, c := range strings.Fields(all) {
		m[c] = true
	}
	return m
}()

// ValidCountry reports whether c is an ISO 3166-1 alpha-2 code.
func ValidCountry(c string) bool { return iso3166[c] }

// WholeCount reports whether quantity suits its unit: a number of
// specimens (unit "") is a whole number; 2.5 falcons is a typing error or
// a way to slip a third bird through.
func WholeCount(quantity float64, unit string) bool {
	return unit != "" || quantity == math.Trunc(quantity)
}

// CheckCountry normalises a country code a client sent (upper case,
// surrounding spaces trimmed) and refuses one that is not an ISO 3166-1
// alpha-2 code with invalid_country (422), naming the field in the message
// and in Details ({"field": field}), so a client can point at it. An empty
// code passes when it is not required.
func CheckCountry(field, c string, required bool) (string, error) {
	c = strings.ToUpper(strings.TrimSpace(c))
	if c == "" && !required {
		return "", nil
	}
	if !ValidCountry(c) {
		e := Invalid("invalid_country", "%s %q is not an ISO 3166 country code: pick the country from the list", field, c)
		e.Details = map[string]string{"field": field}
		return "", e
	}
	return c, nil
}
