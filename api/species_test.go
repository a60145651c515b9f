package api_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/api"
	"github.com/opencites/opencites/species"
)

func TestSpeciesLookup(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		for q, want := range map[string]string{
			"Falco chrrug":           "Falco cherrug",
			"балобан":                "Falco cherrug",
			"Agrionemys horsfieldii": "Testudo horsfieldii",
			"snow leopard":           "Panthera uncia", // Uncia uncia in the Species+ list of 2017
			"ovis ammon polii":       "Ovis ammon polii",
		} {
			var res struct {
				Species []api.SpeciesJSON `json:"species"`
			}
			e.do("officer", "GET", "/api/v1/species?q="+url.QueryEscape(q), nil, 200, &res)
			if len(res.Species) == 0 || (res.Species[0].Name != want && !slices.Contains(res.Species[0].Synonyms, want)) {
				t.Errorf("q=%q: %+v", q, res.Species)
			}
		}
		var sp api.SpeciesJSON
		e.do("alatoo-trade", "GET", "/api/v1/species/ovis-ammon-nigrimontana", nil, 200, &sp)
		if sp.Listing.Appendix != "I" {
			t.Errorf("nigrimontana = %+v", sp.Listing)
		}
		e.wantError("officer", "GET", "/api/v1/species/unicorn", nil, 404, "species_not_found")
		e.wantError("officer", "GET", "/api/v1/species?q=", nil, 422, "query_required")
		e.wantError("", "GET", "/api/v1/species?q=falco", nil, 401, "unauthorized")
	})
}

func TestRequirements(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		get := func(query string) api.RequirementsJSON {
			t.Helper()
			var r api.RequirementsJSON
			e.do("officer", "GET", "/api/v1/requirements?"+query, nil, 200, &r)
			return r
		}
		r := get("taxon=Falco+peregrinus&direction=export&purpose=S&source=W&from=KG&to=AE")
		if r.Listing.Appendix != "I" || len(r.Documents) != 2 || r.Documents[0].Type != "import" || !r.Documents[0].First {
			t.Errorf("peregrine export: %+v", r)
		}
		zq, from := zeroQuotaTaxon()
		r = get("taxon=" + url.QueryEscape(zq) + "&direction=export&purpose=T&source=W&from=" + from)
		if !r.Prohibited || r.ProhibitedCode != "zero_quota" {
			t.Errorf("saiga: %+v", r)
		}
		r = get("taxon=Ursus+arctos&direction=export&purpose=H&source=W&from=MN")
		if r.Listing.Appendix != "I" {
			t.Errorf("Mongolian brown bear: %+v", r.Listing)
		}
		r = get("taxon=Canis+lupus+familiaris&direction=export")
		if r.Listed || len(r.Documents) != 0 {
			t.Errorf("domestic dog: %+v", r)
		}
		e.wantError("officer", "GET", "/api/v1/requirements?taxon=Falco+cherrug&direction=sideways", nil, 422, "invalid_direction")
		e.wantError("officer", "GET", "/api/v1/requirements?taxon=Homo+sapiens&direction=export", nil, 422, "unknown_taxon")
	})
}

func TestGuidanceInVerdict(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		r := falconPermit()
		r["purpose"] = "S"
		spec(r)["taxon"] = "Falco peregrinus"
		spec(r)["source"] = "W"
		p := e.issue(r)
		v := e.verify("officer", p.QR, map[string]string{"direction": "export"})
		g := v.Guidance
		if g == nil || len(g.Species) != 1 {
			t.Fatalf("guidance = %+v", g)
		}
		sg := g.Species[0]
		if sg.Taxon != "Falco peregrinus" || sg.ListingNow.Appendix != "I" || sg.ListingAtIssue.Appendix != "I" || sg.ListingChanged {
			t.Errorf("species guidance = %+v", sg)
		}
		if sg.CommonName == "" {
			t.Errorf("no common name")
		}
		// Appendix I: the shipment must also carry the import permit.
		if len(g.Documents) != 1 || g.Documents[0].Type != "import" || !g.Documents[0].First {
			t.Errorf("documents = %+v", g.Documents)
		}
		// A tortoise permit carries the captive-breeding risk note.
		r = falconPermit()
		spec(r)["taxon"] = "Testudo horsfieldii"
		p = e.issue(r)
		v = e.verify("officer", p.QR, nil)
		if v.Guidance == nil || v.Guidance.Species[0].RiskNotes == "" || len(v.Guidance.Documents) != 0 {
			t.Errorf("tortoise guidance = %+v", v.Guidance)
		}
		// No guidance without a verified permit.
		if v := e.verify("officer", "CP1:1234", nil); v.Guidance != nil {
			t.Errorf("guidance on a malformed code")
		}
	})
}

// TestListingChangeKeepsHistory imports a newer listing in which Ovis
// ammon polii moves to Appendix I: a permit issued before keeps its
// Appendix II line, and its verdict flags the change.
func TestListingChangeKeepsHistory(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		r := falconPermit()
		r["purpose"] = "H"
		spec(r)["taxon"] = "Ovis ammon polii"
		spec(r)["term"] = "TRO"
		spec(r)["source"] = "W"
		spec(r)["quantity"] = 1
		before := e.issue(r)
		if before.Specimens[0].Appendix != "II" {
			t.Fatalf("before: %+v", before.Specimens[0])
		}
		// Scanned before the change: the guidance (cached from here on for
		// this permit) shows no change; the import must replace it.
		if v := e.verify("officer", before.QR, nil); v.Guidance.Species[0].ListingChanged || v.Guidance.Species[0].ListingNow.Appendix != "II" {
			t.Fatalf("before uplisting: %+v", v.Guidance.Species[0])
		}
		csv := strings.Join(species.CSVColumns, ",") + "\n" +
			"Bovidae,FAMILY,,,,,,,,,,,,\nOvis,GENUS,Bovidae,,,,,,,,,,,\nOvis ammon,SPECIES,,II,,,,,argali,архар,,TRO,,\n" +
			"Ovis ammon polii,SUBSPECIES,,I,,,,,Marco Polo sheep,,,TRO,,\n"
		l, err := e.reg.Listings.Import(context.Background(), opencites.System, strings.NewReader(csv), "2026-test-uplisting", e.clock.Now(), "test")
		if err != nil || !l.InForce {
			t.Fatalf("import: %+v %v", l, err)
		}
		v := e.verify("officer", before.QR, nil)
		sg := v.Guidance.Species[0]
		if v.Permit.Specimens[0].Appendix != "II" || sg.ListingAtIssue.Appendix != "II" || sg.ListingNow.Appendix != "I" || !sg.ListingChanged {
			t.Errorf("after uplisting: line %+v guidance %+v", v.Permit.Specimens[0], sg)
		}
		after := e.issue(r)
		if after.Specimens[0].Appendix != "I" || after.ListingVersion != "2026-test-uplisting" || before.ListingVersion == after.ListingVersion {
			t.Errorf("new permit: %+v (%s)", after.Specimens[0], after.ListingVersion)
		}
		// The same file again changes nothing; another file under the
		// same version is refused.
		if again, err := e.reg.Listings.Import(context.Background(), opencites.System, strings.NewReader(csv), "2026-test-uplisting", e.clock.Now(), ""); err != nil || !again.Unchanged {
			t.Errorf("the same file imported again: %+v %v", again, err)
		}
		if _, err := e.reg.Listings.Import(context.Background(), opencites.System, strings.NewReader(csv+"Ovis ammon karelini,SUBSPECIES,,II,,,,,,,,TRO,,\n"), "2026-test-uplisting", e.clock.Now(), ""); opencites.CodeOf(err) != "listing_exists" {
			t.Errorf("another file under the same version: %v", err)
		}
		if _, err := e.reg.Listings.Import(context.Background(), opencites.System, strings.NewReader("garbage"), "x", e.clock.Now(), ""); opencites.CodeOf(err) != "invalid_listing" {
			t.Errorf("bad CSV: %v", err)
		}
	})
}
