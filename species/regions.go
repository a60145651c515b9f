package species

import "strings"

// Some listings name populations by region rather than by country ("Only the population
// of Asia", "Neotropical populations", "Population of Europe excluding the area that
// formerly constituted the USSR"). The tables here place ISO 3166 codes (and the few
// Species+ codes for former states) in the UN M49 regions. A country a region only partly
// covers (Russia for Asia or Europe, Egypt for Asia, the United States for the
// Neotropics) is "partly" in it: a listing split by that region cannot say which
// Appendix a specimen from there falls under, and Resolve refuses to guess.

type region uint8

const (
	regNone region = iota
	regAfrica
	regAsia
	regEurope
	regEuropeExUSSR // Europe without the area that formerly constituted the USSR
	regAmericas
	regNorthCentralAmerica
	regNeotropics
	regSouthAmerica
	regOceania
	regWestGreenland // part of GL
	regBlackSea      // the Black Sea coasts, parts of several countries
)

var regionNames = [...]string{"", "Africa", "Asia", "Europe", "Europe except the former USSR", "the Americas",
	"Central and North America", "the Neotropics", "South America", "Oceania", "West Greenland", "the Black Sea"}

func (g region) String() string { return regionNames[g] }

// M49 subregions, as runs of two-letter codes. S1 is Species+'s "Sudan [prior to
// secession of South Sudan]", CS "Former Serbia and Montenegro", AN "Netherlands
// Antilles", YU Yugoslavia.
const (
	codesAfrica = "DZEGLYMASDTNEHS1" + // Northern Africa
		"BIKMDJERETKEMGMWMUYTMZRERWSCSOSSTZUGZMZWIOTF" + // Eastern Africa
		"AOCMCFTDCGCDGQGAST" + // Middle Africa
		"BWSZLSNAZA" + // Southern Africa
		"BJBFCVCIGMGHGNGWLRMLMRNENGSHSNSLTG" // Western Africa
	codesAsia = "KZKGTJTMUZ" + // Central Asia
		"CNHKMOKPJPMNKRTW" + // Eastern Asia
		"BNKHIDLAMYMMPHSGTHTLVN" + // South-eastern Asia
		"AFBDBTINIRMVNPPKLK" + // Southern Asia
		"AMAZBHCYGEIQILJOKWLBOMQASAPSSYTRAEYE" // Western Asia
	codesEurope = "BYBGCZHUPLMDRORUSKUA" + // Eastern Europe
		"AXDKEEFOFIGGISIEIMJELVLTNOSJSEGB" + // Northern Europe
		"ALADBAHRGIGRVAITMTMEMKPTSMRSSIESXKCSYU" + // Southern Europe
		"ATBEFRDELILUMCNLCH" // Western Europe
	codesNorthAmerica   = "BMCAGLPMUS"
	codesCentralAmerica = "BZCRSVGTHNMXNIPA"
	codesCaribbean      = "AIAGAWBSBBBQVGKYCUCWDMDOGDGPHTJMMQMSPRBLKNLCMFVCSXTTTCVIAN"
	codesSouthAmerica   = "ARBOBVBRCLCOECFKGFGYPYPEGSSRUYVE"
	codesOceania        = "AUNZNFHMCXCC" + "FJNCPGSBVU" + "GUKIMHFMNRMPPWUM" + "ASCKPFNUPNWSTKTOTVWF"
	codesFormerUSSR     = "AMAZBYEEGEKZKGLVLTMDRUTJTMUAUZ"
)

// regionOf says whether country is in g: in, out, or only partly in.
type membership uint8

const (
	out membership = iota
	in
	partly
)

func regionOf(g region, country string) membership {
	has := func(codes string) bool { return hasCode(codes, country) }
	m := func(yes bool) membership {
		if yes {
			return in
		}
		return out
	}
	switch g {
	case regAfrica:
		if country == "EG" {
			return in // Sinai aside, Egypt is African; Asia counts it as partly
		}
		return m(has(codesAfrica))
	case regAsia:
		if has("RUTREG") {
			return partly
		}
		return m(has(codesAsia))
	case regEurope:
		if has("RUTRKZAZGE") {
			return partly
		}
		return m(has(codesEurope))
	case regEuropeExUSSR:
		if has(codesFormerUSSR) {
			return out
		}
		if country == "TR" {
			return partly
		}
		return m(has(codesEurope))
	case regAmericas:
		return m(has(codesNorthAmerica) || has(codesCentralAmerica) || has(codesCaribbean) || has(codesSouthAmerica))
	case regNorthCentralAmerica:
		if has(codesCaribbean) {
			return partly
		}
		return m(has(codesNorthAmerica) || has(codesCentralAmerica))
	case regNeotropics:
		if country == "US" {
			return partly
		}
		return m(has(codesCentralAmerica) || has(codesCaribbean) || has(codesSouthAmerica))
	case regSouthAmerica:
		return m(has(codesSouthAmerica))
	case regOceania:
		if country == "ID" {
			return partly
		}
		return m(has(codesOceania))
	case regWestGreenland:
		if country == "GL" {
			return partly
		}
		return out
	case regBlackSea:
		if has("BGGEROUARUTR") {
			return partly
		}
		return out
	}
	return out
}

// regionPhrases are the words annotations use for regions, longest first so that
// "Central and North America" is not read as "North America".
var regionPhrases = []struct {
	words string
	g     region
}{
	{"central and north america", regNorthCentralAmerica},
	{"north and central america", regNorthCentralAmerica},
	{"west greenland", regWestGreenland},
	{"western greenland", regWestGreenland},
	{"south america", regSouthAmerica},
	{"black sea", regBlackSea},
	{"americas", regAmericas},
	{"neotropical", regNeotropics},
	{"neotropics", regNeotropics},
	{"asia", regAsia},
	{"asian", regAsia},
	{"europe", regEurope},
	{"european", regEurope},
	{"africa", regAfrica},
	{"african", regAfrica},
	{"oceania", regOceania},
}

// hasCode reports whether the run of two-letter codes holds code.
func hasCode(codes, code string) bool {
	if len(code) != 2 {
		return false
	}
	for i := 0; i+2 <= len(codes); i += 2 {
		if codes[i] == code[0] && codes[i+1] == code[1] {
			return true
		}
	}
	return false
}

// splitCodes turns a run of two-letter codes into a slice; nil for none.
func splitCodes(codes string) []string {
	if codes == "" {
		return nil
	}
	out := make([]string, 0, len(codes)/2)
	for i := 0; i+2 <= len(codes); i += 2 {
		out = append(out, codes[i:i+2])
	}
	return out
}

// joinCodes is the inverse of splitCodes, dropping repeats.
func joinCodes(codes []string) string {
	var b strings.Builder
	for _, c := range codes {
		if len(c) == 2 && !hasCode(b.String(), c) {
			b.WriteString(c)
		}
	}
	return b.String()
}
