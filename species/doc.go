// Package species owns the CITES species reference: which taxa are listed, in which
// Appendix, with which country populations, annotations and zero quotas, together with
// their synonyms, common names (English, Russian, Kyrgyz), typical term codes and the
// identification and risk notes officers need at the border (also in the three languages).
//
// The permit registry takes the Appendix of every specimen line from ListingFor, never
// from the caller, and refuses trade that a zero quota forbids (Listing.ZeroQuota). The
// same data makes the species guidance officers see beside a verdict
// (permits.Service.Guide, with the notes in the officer's language from Taxon.Hint and
// Taxon.Risk), and Search finds taxa for a name a person types, typos included.
//
// Listings are data, not code. The Appendices change at every Conference of the Parties
// (CoP20 met in Samarkand in 2025), so the listing lives in one versioned file,
// data/listing.json, embedded in the binary and returned by Default. Its header carries
// a version, an effective date and its source. Load reads the same format from anywhere
// else, and FromCSV builds it from a CSV close to the Species+ export (CSVColumns), so a
// newer listing can replace the embedded one without a release: `citesd species import`
// stores it in the registry, which puts it in force on its effective date.
//
// Names resolve through the taxonomic chain: a subspecies or population listed on its
// own wins over its species, a species over its genus, a genus over its family or order.
// A binomial or trinomial that is not in the data resolves through its genus (or
// species) when that is known, so "Falco tinnunculus" is App. II through Falconiformes.
// That fallback is only as good as the data: an App. I species missing from the file
// would be reported under its higher taxon, which is why the file also carries the App. I
// congeners of the listed genera it knows of.
//
// The package imports nothing else of ours; permits, cases and api import it.
package species
