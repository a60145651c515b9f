package rules

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDomainTable checks every cell of DOMAIN.md section 3 ("Which
// documents each Appendix needs"), plus the Art. VII exemptions.
func TestDomainTable(t *testing.T) {
	type doc = Document
	cases := []struct {
		name       string
		s          Shipment
		docs       []Document
		prohibited string
	}{
		{"AppIExport", Shipment{Appendix: "I", Direction: Export, Purpose: "S", Source: "W"},
			[]doc{{"import", "importing", true}, {"export", "exporting", false}}, ""},
		{"AppIImport", Shipment{Appendix: "I", Direction: Import, Purpose: "Z", Source: "W"},
			[]doc{{"import", "importing", true}, {"export", "exporting", false}}, ""},
		{"AppIImportCommercial", Shipment{Appendix: "I", Direction: Import, Purpose: "T", Source: "W"},
			[]doc{{"import", "importing", true}, {"export", "exporting", false}}, "appendix_i_commercial"},
		{"AppIExportCommercialWild", Shipment{Appendix: "I", Direction: Export, Purpose: "T", Source: "W"},
			[]doc{{"import", "importing", true}, {"export", "exporting", false}}, "appendix_i_commercial"},
		{"AppIReExport", Shipment{Appendix: "I", Direction: ReExport, Purpose: "S", Source: "W", Term: "SKI"},
			[]doc{{"re-export", "re-exporting", false}}, ""},
		{"AppIReExportLive", Shipment{Appendix: "I", Direction: ReExport, Purpose: "Z", Source: "W", Term: "LIV"},
			[]doc{{"re-export", "re-exporting", false}, {"import", "importing", true}}, ""},
		{"AppISea", Shipment{Appendix: "I", Direction: IntroductionFromSea, Purpose: "S", Source: "X"},
			[]doc{{"introduction-from-sea", "state-of-introduction", false}}, ""},
		{"AppIIExport", Shipment{Appendix: "II", Direction: Export, Purpose: "T", Source: "C"},
			[]doc{{"export", "exporting", false}}, ""},
		{"AppIIImport", Shipment{Appendix: "II", Direction: Import, Purpose: "T", Source: "C"},
			[]doc{{"export", "exporting", false}}, ""},
		{"AppIIReExport", Shipment{Appendix: "II", Direction: ReExport, Purpose: "T", Source: "C"},
			[]doc{{"re-export", "re-exporting", false}}, ""},
		{"AppIISea", Shipment{Appendix: "II", Direction: IntroductionFromSea, Purpose: "T", Source: "X"},
			[]doc{{"introduction-from-sea", "state-of-introduction", false}}, ""},
		{"AppIIIExportFromListingState", Shipment{Appendix: "III", Direction: Export, From: "IN", ListingStates: []string{"IN"}},
			[]doc{{"export", "exporting", false}}, ""},
		{"AppIIIExportElsewhere", Shipment{Appendix: "III", Direction: Export, From: "KG", ListingStates: []string{"IN"}},
			[]doc{{"origin", "exporting", false}}, ""},
		{"AppIIIImport", Shipment{Appendix: "III", Direction: Import, ListingStates: []string{"IN"}},
			[]doc{{"origin", "exporting", false}}, ""},
		{"AppIIIReExport", Shipment{Appendix: "III", Direction: ReExport},
			[]doc{{"re-export", "re-exporting", false}}, ""},
		// Art. VII exemptions.
		{"SourceDTreatedAsII", Shipment{Appendix: "I", Direction: Export, Purpose: "T", Source: "D"},
			[]doc{{"export", "exporting", false}}, ""},
		{"CaptiveBredNonCommercial", Shipment{Appendix: "I", Direction: Export, Purpose: "P", Source: "C"},
			[]doc{{"captive-breeding", "exporting", false}}, ""},
		{"CaptiveBredCommercialNotRegistered", Shipment{Appendix: "I", Direction: Export, Purpose: "T", Source: "C"},
			[]doc{{"import", "importing", true}, {"export", "exporting", false}}, "appendix_i_commercial"},
		{"PreConvention", Shipment{Appendix: "I", Direction: Export, Purpose: "T", Source: "OW"},
			[]doc{{"pre-convention", "exporting", false}}, ""},
		// Quotas.
		{"ZeroQuota", Shipment{Appendix: "II", Direction: Export, Purpose: "T", Source: "W", ZeroQuota: true},
			[]doc{{"export", "exporting", false}}, "zero_quota"},
		{"NotListed", Shipment{NotListed: true, Direction: Export}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Required(c.s)
			if diff := cmp.Diff(c.docs, r.Documents); diff != "" {
				t.Errorf("documents (-want +got):\n%s", diff)
			}
			if (c.prohibited != "") != r.Prohibited || r.ProhibitedCode != c.prohibited {
				t.Errorf("prohibited = %v %q, want %q", r.Prohibited, r.ProhibitedCode, c.prohibited)
			}
			if len(r.Reasons) == 0 {
				t.Errorf("no reasons given")
			}
			for _, reason := range r.Reasons {
				if reason.Code == "" || reason.Message == "" {
					t.Errorf("empty reason %+v", reason)
				}
			}
		})
	}
}
