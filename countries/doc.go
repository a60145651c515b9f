// Package countries names the ISO 3166-1 countries in the app's languages
// (English, Russian and Kyrgyz) and finds them by what people type: a
// code ("AE"), a name or part of one in any of those languages
// ("Emirates", "Эмираты"), or a name's initials ("UAE").
//
// The names are CLDR's, as golang.org/x/text/language/display carries
// them; the codes are those opencites.ValidCountry accepts, so a country
// the picker offers is one the server stores. It imports nothing of ours
// but the root package.
package countries
