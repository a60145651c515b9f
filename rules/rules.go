// Package rules holds the Convention's rules on which documents a shipment
// needs (Art. III-V), what it forbids, and the exemptions of Art. VII. The
// permit registry's issuing rules and the officers' requirements lookup call
// the same function, so the two can never disagree.
//
// It knows no database and no HTTP: the species listing comes in resolved.
package rules

import "strings"

// Directions a shipment can take.
const (
	Export              = "export"
	Import              = "import"
	ReExport            = "re-export"
	IntroductionFromSea = "introduction-from-sea"
)

// Shipment describes what crosses a border.
type Shipment struct {
	Appendix  string // "I", "II", "III", or "" when not listed
	NotListed bool
	ListedAs  string
	Direction string // export, import, re-export, introduction-from-sea
	Purpose   string // purpose code, "" if unknown
	Source    string // source code, "" if unknown
	Term      string // specimen code, "" if unknown
	From, To  string // ISO 3166 codes, "" if unknown
	// ListingStates are the countries that listed an Appendix III species.
	ListingStates []string
	// ZeroQuota is set when the listing carries a zero quota for this
	// source and purpose.
	ZeroQuota bool
	// ZeroQuotaNote explains it.
	ZeroQuotaNote string
}

// Document is one document the shipment must carry.
type Document struct {
	Type string // export, import, re-export, origin, introduction-from-sea, pre-convention, captive-breeding
	// IssuedBy says whose Management Authority issues it.
	IssuedBy string // "exporting", "importing", "re-exporting", "state-of-introduction"
	// First is true when it must be granted before the others.
	First bool
}

// Reason is one rule that applied, with a stable code and the words.
type Reason struct {
	Code    string
	Message string
}

// Requirement is the answer for a shipment.
type Requirement struct {
	Listed     bool
	Documents  []Document
	Prohibited bool
	// ProhibitedCode is the machine code of the refusal (appendix_i_commercial, zero_quota).
	ProhibitedCode string
	Reasons        []Reason
}

func (r *Requirement) add(code, msg string) { r.Reasons = append(r.Reasons, Reason{code, msg}) }

func (r *Requirement) need(d Document) { r.Documents = append(r.Documents, d) }

func (r *Requirement) prohibit(code, msg string) {
	r.Prohibited = true
	if r.ProhibitedCode == "" {
		r.ProhibitedCode = code
	}
	r.add(code, msg)
}

// Required answers which documents a shipment needs under the Convention.
func Required(s Shipment) Requirement {
	var r Requirement
	if s.NotListed || s.Appendix == "" {
		r.add("not_listed", "Not listed in the CITES Appendices: no CITES document is needed; national rules may still apply.")
		return r
	}
	r.Listed = true
	appendix := s.Appendix
	preConvention := strings.HasPrefix(s.Source, "O")

	// Art. VII(2): pre-Convention specimens travel on a certificate.
	if preConvention {
		r.need(Document{Type: "pre-convention", IssuedBy: issuerFor(s.Direction)})
		r.add("pre_convention", "Pre-Convention specimens (source O) need a pre-Convention certificate instead of a permit (Art. VII(2)).")
		return r
	}
	// Art. VII(4): Appendix I specimens bred in captivity or artificially
	// propagated for commercial purposes in registered operations (source D)
	// are treated as Appendix II.
	if appendix == "I" && s.Source == "D" {
		appendix = "II"
		r.add("treated_as_appendix_ii", "Source D: bred in captivity or artificially propagated in a registered operation, treated as Appendix II (Art. VII(4)).")
	}
	// Art. VII(5): other captive-bred or artificially propagated Appendix I
	// specimens travel on a certificate of captive breeding, not for
	// commercial purposes.
	if appendix == "I" && (s.Source == "C" || s.Source == "A") && s.Purpose != "T" {
		r.need(Document{Type: "captive-breeding", IssuedBy: issuerFor(s.Direction)})
		r.add("captive_bred_certificate", "Appendix I specimens bred in captivity or artificially propagated (source "+s.Source+") need a certificate of captive breeding or artificial propagation instead of permits (Art. VII(5)).")
		return r
	}

	switch appendix {
	case "I":
		if s.Purpose == "T" {
			r.prohibit("appendix_i_commercial", "Appendix I specimens may not be imported for primarily commercial purposes (Art. III(3)(c)), so no permit can be issued for purpose T.")
		}
		switch s.Direction {
		case Export:
			r.need(Document{Type: "import", IssuedBy: "importing", First: true})
			r.need(Document{Type: "export", IssuedBy: "exporting"})
			r.add("appendix_i_export", "Appendix I export: the importing country's import permit must be granted first; the export permit follows a non-detriment finding, legal acquisition and humane shipment (Art. III(2)).")
		case Import:
			r.need(Document{Type: "import", IssuedBy: "importing", First: true})
			r.need(Document{Type: "export", IssuedBy: "exporting"})
			r.add("appendix_i_import", "Appendix I import: an import permit, granted first, plus the exporting country's export permit or re-export certificate (Art. III(3)).")
		case ReExport:
			r.need(Document{Type: "re-export", IssuedBy: "re-exporting"})
			if s.Term == "LIV" {
				r.need(Document{Type: "import", IssuedBy: "importing", First: true})
				r.add("appendix_i_reexport_live", "Appendix I re-export of live specimens: an import permit must have been granted (Art. III(4)).")
			}
			r.add("appendix_i_reexport", "Appendix I re-export: a re-export certificate (Art. III(4)).")
		case IntroductionFromSea:
			r.need(Document{Type: "introduction-from-sea", IssuedBy: "state-of-introduction"})
			r.add("appendix_i_sea", "Appendix I introduction from the sea: a certificate from the Management Authority of the State of introduction (Art. III(5)).")
		}
	case "II":
		switch s.Direction {
		case Export:
			r.need(Document{Type: "export", IssuedBy: "exporting"})
			r.add("appendix_ii_export", "Appendix II export: an export permit, after a non-detriment finding, legal acquisition and humane shipment (Art. IV(2)).")
		case Import:
			r.need(Document{Type: "export", IssuedBy: "exporting"})
			r.add("appendix_ii_import", "Appendix II import: the exporting country's export permit or re-export certificate; no CITES import permit (Art. IV(4)), though stricter national measures may require one (Art. XIV).")
		case ReExport:
			r.need(Document{Type: "re-export", IssuedBy: "re-exporting"})
			r.add("appendix_ii_reexport", "Appendix II re-export: a re-export certificate (Art. IV(5)).")
		case IntroductionFromSea:
			r.need(Document{Type: "introduction-from-sea", IssuedBy: "state-of-introduction"})
			r.add("appendix_ii_sea", "Appendix II introduction from the sea: a certificate from the State of introduction (Art. IV(6)).")
		}
		if s.ZeroQuota && (s.Direction == Export || s.Direction == Import) {
			note := "a zero export quota applies to this source and purpose"
			if s.ZeroQuotaNote != "" {
				note += " (" + s.ZeroQuotaNote + ")"
			}
			r.prohibit("zero_quota", "Export is not allowed: "+note+".")
		}
	case "III":
		fromListing := s.From != "" && contains(s.ListingStates, s.From)
		switch s.Direction {
		case Export:
			if fromListing || len(s.ListingStates) == 0 {
				r.need(Document{Type: "export", IssuedBy: "exporting"})
				r.add("appendix_iii_export", "Appendix III export from the listing State: an export permit (Art. V(2)).")
			} else {
				r.need(Document{Type: "origin", IssuedBy: "exporting"})
				r.add("appendix_iii_origin", "Appendix III export from a State that did not list the species: a certificate of origin (Art. V(3)).")
			}
		case Import:
			r.need(Document{Type: "origin", IssuedBy: "exporting"})
			r.add("appendix_iii_import", "Appendix III import: a certificate of origin, or an export permit when the specimens come from the listing State (Art. V(3)).")
		case ReExport:
			r.need(Document{Type: "re-export", IssuedBy: "re-exporting"})
			r.add("appendix_iii_reexport", "Appendix III re-export: a re-export certificate (Art. V(4)).")
		}
	}
	return r
}

func issuerFor(direction string) string {
	switch direction {
	case Import:
		return "importing"
	case ReExport:
		return "re-exporting"
	}
	return "exporting"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
