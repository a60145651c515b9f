// Package species owns the CITES species reference: which taxa are listed, in which
// Appendix, with which country populations, excepted lower taxa, annotations and zero
// quotas, together with their synonyms, common names (English, Spanish and French from
// Species+; Russian and Kyrgyz from the starter list), ranges, typical term codes and the
// identification and risk notes officers need at the border.
//
// The permit registry takes the Appendix of every specimen line from Resolve, never from
// the caller, and refuses trade that a zero quota forbids (Listing.ZeroQuota). The same
// data makes the species guidance officers see beside a verdict (the notes in the
// officer's language from Taxon.Hint and Taxon.Risk, the range from Taxon.InRange), and
// Search and Suggest find taxa for a name a person types, typos included.
//
// Listings are data, not code. The Appendices change at every Conference of the Parties
// (CoP20 met in Samarkand in 2025), so the listing is a versioned file. Parse reads the
// Species+ "Index of CITES Species" export as a Management Authority downloads it (about
// 38,000 taxa), or the shorter OpenCITES CSV (FromCSV), and returns the bytes the
// registry stores; Load reads them back. The starter list embedded in the binary
// (data/listing.json, returned by Default) holds the taxa that matter most in Central
// Asia with their Russian and Kyrgyz names and notes; Overlay lays them over an import,
// so that a newer import keeps them.
//
// A name resolves only to a taxon of the file: an accepted name, a synonym or a common
// name. A binomial that is not in the file is not a CITES taxon and is refused
// (ErrNotFound), even when its genus is listed: climbing to the genus would list the
// typo of an Appendix I species ("Falco peregrinnus") in Appendix II. The listing of a
// taxon comes from its own row, or its higher taxon's when it has none. A split listing
// ("I/II") is decided from its annotation, for the country of origin: the populations it
// names ("Appendix I: Popns of BT, CN, MN, MX."), by country code, country name or
// region; the lower taxa it excepts ("Except O. a. hodgsonii"), which have rows of their
// own. What the annotation does not decide is refused with an *AmbiguousError naming
// the populations or lower taxa that decide it, rather than guessed.
//
// The package imports nothing else of ours; permits, listings, cases and api import it.
package species
