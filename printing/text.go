package printing

import (
	"strconv"

	"github.com/opencites/opencites"
)

// The Convention's title in English and in its official Russian wording.
const (
	titleEN = "CONVENTION ON INTERNATIONAL TRADE IN ENDANGERED SPECIES OF WILD FAUNA AND FLORA"
	titleRU = "КОНВЕНЦИЯ О МЕЖДУНАРОДНОЙ ТОРГОВЛЕ ВИДАМИ ДИКОЙ ФАУНЫ И ФЛОРЫ, НАХОДЯЩИМИСЯ ПОД УГРОЗОЙ УНИЧТОЖЕНИЯ"
)

// Box labels, English with Russian.
const (
	label1   = "1. Permit/certificate No. / Разрешение/сертификат №"
	label2   = "2. Valid until / Действительно до"
	label3   = "3. Importer (name and address) / Импортёр (наименование и адрес)"
	label3a  = "3a. Country of import / Страна импорта"
	label4   = "4. Exporter/re-exporter (name, address and country) / Экспортёр/реэкспортёр (наименование, адрес, страна)"
	label5   = "5. Special conditions / Особые условия"
	label5a  = "5a. Purpose of the transaction / Цель сделки"
	label5b  = "5b. Security stamp No. / № защитной марки"
	label6   = "6. Name, address, national seal/stamp and country of Management Authority / Наименование, адрес, печать и страна Административного органа"
	label78  = "7/8. Scientific name and common name / Научное и обиходное название"
	label9   = "9. Description of specimens, incl. marks and numbers / Описание, маркировка и номера"
	label10  = "10. Appendix, source / Приложение, источник"
	label11  = "11. Quantity / Количество"
	label11a = "11a. Total exported / Quota / Вывезено / квота"
	label12  = "12. Country of origin / Страна происхождения"
	label13  = "13. Issued at / Место выдачи"
	label14  = "14. Export endorsement: quantity actually exported / Отметка о вывозе: фактически вывезенное количество"
	label15  = "15. Bill of lading / Air waybill No. / № коносамента / авианакладной"

	labelQREN = "Do not stamp or write over this code"
	labelQRRU = "Не ставить печать на код"
)

// liveAnimals is the transport condition the standard form prints for live
// animals (Res. Conf. 12.3).
const liveAnimals = "If for live animals, this permit/certificate is only valid if the transport conditions conform to the " +
	"CITES Guidelines for the non-air transport of live wild animals and plants or, in the case of air transport, " +
	"to the IATA Live Animals Regulations. / Для живых животных разрешение действительно только при перевозке в " +
	"соответствии с Руководством СИТЕС по перевозке живых диких животных и растений, а при перевозке по воздуху — " +
	"с Правилами ИАТА по перевозке живых животных."

// docTitle is the heading of each document type (opencites.DocTypes), in
// English and Russian.
var docTitle = map[string][2]string{
	"export":                {"EXPORT PERMIT", "РАЗРЕШЕНИЕ НА ЭКСПОРТ"},
	"re-export":             {"RE-EXPORT CERTIFICATE", "СЕРТИФИКАТ НА РЕЭКСПОРТ"},
	"import":                {"IMPORT PERMIT", "РАЗРЕШЕНИЕ НА ИМПОРТ"},
	"origin":                {"CERTIFICATE OF ORIGIN", "СЕРТИФИКАТ ПРОИСХОЖДЕНИЯ"},
	"introduction-from-sea": {"CERTIFICATE OF INTRODUCTION FROM THE SEA", "СЕРТИФИКАТ НА ИНТРОДУКЦИЮ ИЗ МОРЯ"},
	"pre-convention":        {"PRE-CONVENTION CERTIFICATE", "СЕРТИФИКАТ НА ДОКОНВЕНЦИОННЫЕ ОБРАЗЦЫ"},
	"captive-breeding":      {"CAPTIVE-BREEDING / ARTIFICIAL-PROPAGATION CERTIFICATE", "СЕРТИФИКАТ О РАЗВЕДЕНИИ В НЕВОЛЕ / ИСКУССТВЕННОМ РАЗМНОЖЕНИИ"},
	"travelling-exhibition": {"TRAVELLING-EXHIBITION CERTIFICATE", "СЕРТИФИКАТ ПЕРЕДВИЖНОЙ ВЫСТАВКИ"},
	"musical-instrument":    {"MUSICAL-INSTRUMENT CERTIFICATE", "СЕРТИФИКАТ НА МУЗЫКАЛЬНЫЙ ИНСТРУМЕНТ"},
	"personal-ownership":    {"PERSONAL-OWNERSHIP CERTIFICATE", "СЕРТИФИКАТ ЛИЧНОЙ СОБСТВЕННОСТИ"},
	"other":                 {"OTHER CITES DOCUMENT", "ИНОЙ ДОКУМЕНТ СИТЕС"},
}

// purposeRU is the Russian text of each box 5a purpose code; the English is
// opencites.Purposes.
var purposeRU = map[string]string{
	"T": "Коммерческая", "Z": "Зоопарк", "G": "Ботанический сад", "Q": "Цирк или передвижная выставка",
	"S": "Научная", "H": "Охотничий трофей", "P": "Личная", "M": "Медицинская",
	"E": "Образовательная", "N": "Реинтродукция или интродукция в природу",
	"B": "Разведение в неволе или искусственное размножение", "L": "Правоохранительная / судебная / криминалистическая",
}

// unitText is how box 11 prints each unit (opencites.Units).
var unitText = map[string]string{
	"": "specimens / экз.", "kg": "kg / кг", "g": "g / г", "l": "l / л", "ml": "ml / мл",
	"m": "m / м", "m2": "m² / м²", "m3": "m³ / м³", "cm": "cm / см",
}

// watermarks are the accepted Options.Watermark words with their Russian.
var watermarks = map[string]string{
	"CANCELLED": "АННУЛИРОВАНО",
	"REVOKED":   "ОТОЗВАНО",
	"COPY":      "КОПИЯ",
}

// countryNames covers the countries a Kyrgyz permit names most; any other
// is printed as its ISO code alone.
var countryNames = map[string]string{
	"AE": "United Arab Emirates", "AF": "Afghanistan", "AM": "Armenia", "AZ": "Azerbaijan", "BH": "Bahrain",
	"BY": "Belarus", "CH": "Switzerland", "CN": "China", "DE": "Germany", "ES": "Spain", "FR": "France",
	"GB": "United Kingdom", "GE": "Georgia", "IN": "India", "IR": "Iran", "IT": "Italy", "JP": "Japan",
	"KG": "Kyrgyzstan", "KR": "Republic of Korea", "KW": "Kuwait", "KZ": "Kazakhstan", "MN": "Mongolia",
	"OM": "Oman", "PK": "Pakistan", "QA": "Qatar", "RU": "Russian Federation", "SA": "Saudi Arabia",
	"TJ": "Tajikistan", "TM": "Turkmenistan", "TR": "Türkiye", "UA": "Ukraine", "US": "United States of America",
	"UZ": "Uzbekistan",
}

// country prints an ISO code with its name where known: "Kyrgyzstan (KG)".
func country(code string) string {
	if n, ok := countryNames[code]; ok {
		return n + " (" + code + ")"
	}
	return code
}

// purpose prints box 5a: the code and its text in both languages.
func purpose(code string) string {
	en, ok := opencites.Purposes[code]
	if !ok {
		return code
	}
	return code + " — " + en + " / " + purposeRU[code]
}

// quantity prints box 11 or an endorsed quantity: "12 specimens / экз.".
func quantity(q float64, unit string) string {
	u, ok := unitText[unit]
	if !ok {
		u = unit
	}
	if unit == "" && q == 1 {
		u = "specimen / экз."
	}
	return strconv.FormatFloat(q, 'f', -1, 64) + " " + u
}
