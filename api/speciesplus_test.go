package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/opencites/opencites/api"
	"github.com/opencites/opencites/internal/testenv"
)

// excerpt is the real Species+ export excerpt in ../shared (read-only,
// never copied into the repository).
const excerpt = "../../shared/speciesplus/index-of-cites-species-excerpt.csv"

func readExcerpt(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(excerpt)
	testenv.Need(t, "the Species+ excerpt in ../shared/speciesplus", err == nil, "the shared folder beside the project")
	return b
}

// importListing posts a listing file as an admin.
func (e *env) importListing(file []byte, version string, want int, out any) []byte {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("version", version)
	mw.WriteField("source", "Species+ Index of CITES Species, 2017-04-21 (excerpt)")
	fw, _ := mw.CreateFormFile("file", "Index_of_CITES_Species.csv")
	fw.Write(file)
	mw.Close()
	req := httptest.NewRequest("POST", "/api/v1/species/listings", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return e.send("admin", req, want, out)
}

type suggestionErr struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Details struct {
		Line        string `json:"line"`
		Suggestions []struct {
			Name string `json:"name"`
		} `json:"suggestions"`
		Lines []struct {
			Line    string   `json:"line"`
			Country string   `json:"country"`
			Range   []string `json:"range_states"`
		} `json:"lines"`
	} `json:"details"`
}

// The official list, as a Management Authority downloads it, loaded over
// the API; then the appendix comes from the list, split listings included,
// and a name the list does not hold is refused with suggestions, never
// issued under a higher taxon's listing.
func TestSpeciesPlusList(t *testing.T) {
	file := readExcerpt(t)
	t.Setenv("CITES_TEST_LISTING", "") // these tests start from the starter list and import themselves
	forEachDB(t, func(t *testing.T, e *env) {
		var l api.ListingFileJSON
		e.importListing(file, "speciesplus-2017-04-21", 201, &l)
		if !l.InForce || l.Taxa != 2345 || l.Counts == nil {
			t.Fatalf("import: %+v", l)
		}
		// The same file again changes nothing.
		var again api.ListingFileJSON
		e.importListing(file, "speciesplus-2017-04-21", 200, &again)
		if !again.Unchanged || again.Version != l.Version {
			t.Fatalf("the same file again: %+v", again)
		}

		line := func(taxon, origin, purpose, source string) map[string]any {
			r := falconPermit()
			r["purpose"] = purpose
			spec(r)["taxon"], spec(r)["origin_country"], spec(r)["source"] = taxon, origin, source
			spec(r)["term"], spec(r)["quantity"], spec(r)["marks"] = "SPE", 1, ""
			return r
		}
		for _, c := range []struct {
			taxon, origin, source string
			appendix, accepted    string
			requested             string
		}{
			{"Ursus arctos", "MN", "C", "I", "Ursus arctos", ""},
			{"Ursus arctos", "KZ", "C", "II", "Ursus arctos", ""},
			{"Ovis ammon", "KG", "C", "II", "Ovis ammon", ""},
			{"Ovis ammon nigrimontana", "KZ", "W", "I", "Ovis ammon nigrimontana", ""},
			{"Ovis ammon hodgsonii", "CN", "C", "I", "Ovis ammon hodgsonii", ""},
			{"Falco peregrinus", "KG", "C", "I", "Falco peregrinus", ""},
			{"Falco cherrug", "KG", "C", "II", "Falco cherrug", ""},
			{"Panthera uncia", "KG", "C", "I", "Uncia uncia", "Panthera uncia"},
			{"Acipenser baerii", "KZ", "C", "II", "Acipenser baerii", ""},
			{"Acipenser sturio", "KG", "C", "I", "Acipenser sturio", ""},
		} {
			var p api.PermitJSON
			e.do("issuer-kg", "POST", "/api/v1/permits", line(c.taxon, c.origin, "S", c.source), 201, &p)
			got := p.Specimens[0]
			if got.Appendix != c.appendix || got.Taxon != c.accepted || got.RequestedAs != c.requested {
				t.Errorf("%s from %s: appendix %s, taxon %q, requested as %q; want %s, %q, %q",
					c.taxon, c.origin, got.Appendix, got.Taxon, got.RequestedAs, c.appendix, c.accepted, c.requested)
			}
		}

		// Names the list does not hold: refused, with the nearest names.
		for _, c := range []struct{ name, first string }{
			{"Falco imaginarius", ""}, {"Falco peregrinnus", "Falco peregrinus"}, {"Qwzx plorbatum", ""},
		} {
			var eb suggestionErr
			e.do("issuer-kg", "POST", "/api/v1/permits", line(c.name, "KG", "S", "C"), 422, &eb)
			if eb.Error != "unknown_taxon" || eb.Details.Line != "A" {
				t.Errorf("%s: %+v", c.name, eb)
				continue
			}
			if c.first != "" && (len(eb.Details.Suggestions) == 0 || eb.Details.Suggestions[0].Name != c.first) {
				t.Errorf("%s: suggestions %+v, want %s first", c.name, eb.Details.Suggestions, c.first)
			}
			if c.first != "" && !strings.Contains(eb.Message, "did you mean "+c.first) {
				t.Errorf("%s: message %q", c.name, eb.Message)
			}
		}

		// Wild sakers from a country where the species does not occur need
		// the issuer's confirmation and a reason; from a range state none.
		wild := line("Falco cherrug", "BR", "S", "W")
		var eb suggestionErr
		e.do("issuer-kg", "POST", "/api/v1/permits", wild, 422, &eb)
		if eb.Error != "outside_range" || len(eb.Details.Lines) != 1 || eb.Details.Lines[0].Country != "BR" || len(eb.Details.Lines[0].Range) < 20 {
			t.Fatalf("wild sakers from BR: %+v", eb)
		}
		wild["confirm_out_of_range"] = true
		e.wantError("issuer-kg", "POST", "/api/v1/permits", wild, 422, "reason_required")
		wild["out_of_range_reason"] = "falconry birds held in Brazil since 2019, documents seen"
		var out api.PermitJSON
		e.do("issuer-kg", "POST", "/api/v1/permits", wild, 201, &out)
		if !out.Specimens[0].OutOfRange {
			t.Fatalf("confirmed line: %+v", out.Specimens[0])
		}
		if h := e.do("issuer-kg", "GET", "/api/v1/permits/"+out.Number+"/history", nil, 200, nil); !bytes.Contains(h, []byte("falconry birds held in Brazil")) {
			t.Fatalf("the confirmation is not audited: %s", h)
		}
		e.do("issuer-kg", "POST", "/api/v1/permits", line("Falco cherrug", "KZ", "S", "W"), 201, nil)
		if got := e.alertsFor("outside_range", out.Number); len(got) != 1 {
			t.Fatalf("outside_range alerts for %s: %+v", out.Number, got)
		}

		// A case of wild sakers "from" a country where they never lived.
		e.mustCaseUsers()
		sz := seizure()
		sz["origin_country"] = "BR"
		sz["specimens"] = []map[string]any{{"taxon": "Falco cherrug", "term": "LIV", "quantity": 3, "source": "W", "description": "hooded falcons"}}
		c := e.createCase("officer-kg", sz)
		if got := e.alertsFor("outside_range", fmt.Sprint(c.ID)); len(got) != 1 {
			t.Fatalf("case %d of wild sakers from BR: outside_range alerts %+v", c.ID, got)
		}

		// The whole list is searched by any of its names, typos forgiven,
		// in Russian too (the starter list's names laid over the import).
		for _, q := range []string{"балобан", "Saker Falcon", "halcón sacre", "Acipenser baeri", "Uncia unica"} {
			var res struct {
				Species []api.SpeciesJSON `json:"species"`
			}
			e.do("officer", "GET", "/api/v1/species?q="+urlq(q), nil, 200, &res)
			if len(res.Species) == 0 {
				t.Errorf("search %q found nothing", q)
			}
		}
	})
}

// A broken or hostile listing file is refused with its line and column,
// and nothing changes.
func TestListingImportRefusesBrokenFiles(t *testing.T) {
	file := readExcerpt(t)
	t.Setenv("CITES_TEST_LISTING", "") // these tests start from the starter list and import themselves
	forEachDB(t, func(t *testing.T, e *env) {
		nl := bytes.IndexByte(file, '\n')
		header, first := file[:nl+1], file[nl+1:]
		firstRow := first[:bytes.IndexByte(first, '\n')+1]
		for _, c := range []struct {
			name string
			file []byte
			want string
		}{
			{"wrong header", append([]byte("Name,Appendix\n"), first...), "header"},
			{"a column missing", append(bytes.Replace(header, []byte(",CurrentListing"), nil, 1), first...), "CurrentListing"},
			{"a row cut short", append(append([]byte{}, header...), []byte("1703,Animalia,Chordata\n")...), "line 2"},
			{"a cell of 10 MB", append(append([]byte{}, header...), []byte("1,Animalia,\""+strings.Repeat("x", 10<<20)+"\"\n")...), "line 2"},
			{"invalid UTF-8", append(append([]byte{}, header...), bytes.Replace(firstRow, []byte("Abronia"), []byte("Abr\xffnia"), 1)...), "UTF-8"},
		} {
			var eb api.ErrorBody
			e.importListing(c.file, "broken", 422, &eb)
			if eb.Error != "invalid_listing" || !strings.Contains(eb.Message, c.want) {
				t.Errorf("%s: %+v (want the message to name %q)", c.name, eb, c.want)
			}
		}
		var ls struct {
			Listings []api.ListingFileJSON `json:"listings"`
		}
		e.do("admin", "GET", "/api/v1/species/listings", nil, 200, &ls)
		if len(ls.Listings) != 1 || !ls.Listings[0].InForce || ls.Listings[0].Source != "embedded" {
			t.Fatalf("after refused imports: %+v", ls.Listings)
		}
		e.importListing(file, "", 422, nil) // a version is required
		e.do("officer", "GET", "/api/v1/species/listings", nil, 200, nil)
	})
}

func urlq(s string) string { return url.QueryEscape(s) }
