package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites/internal/cache"
	"github.com/opencites/opencites/listings"
	"github.com/opencites/opencites/locale"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/species"
)

// ListingJSON is how a taxon is listed.
type ListingJSON struct {
	Appendix   string `json:"appendix"`
	ListedAs   string `json:"listed_as"`
	Annotation string `json:"annotation,omitempty"`
	NotListed  bool   `json:"not_listed"`
}

func listingJSON(l species.Listing) ListingJSON {
	return ListingJSON{Appendix: l.Appendix, ListedAs: l.ListedAs, Annotation: l.Annotation, NotListed: l.NotListed}
}

// SpeciesJSON is a taxon of the species reference.
type SpeciesJSON struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	CommonName  string              `json:"common_name"` // in the caller's language
	Rank        string              `json:"rank"`
	Parent      string              `json:"parent,omitempty"`
	Synonyms    []string            `json:"synonyms"`
	CommonNames map[string][]string `json:"common_names"`
	Listing     ListingJSON         `json:"listing"`
	Populations []PopulationJSON    `json:"populations,omitempty"`
	Terms       []string            `json:"terms"`
	IDHints     string              `json:"id_hints,omitempty"`
	RiskNotes   string              `json:"risk_notes,omitempty"`
	Score       float64             `json:"score,omitempty"`
	MatchedName string              `json:"matched_name,omitempty"`
	// CurrentListing is the listing as the CITES list writes it ("I/II"
	// where populations or subspecies differ); Range where the taxon
	// occurs, by state (ISO codes); Author the name's authority.
	CurrentListing string     `json:"current_listing,omitempty"`
	Range          *RangeJSON `json:"range,omitempty"`
	Author         string     `json:"author,omitempty"`
	CitesAccepted  *bool      `json:"cites_accepted,omitempty"`
}

// RangeJSON is where a taxon occurs, by state.
type RangeJSON struct {
	Native       []string `json:"native"`
	Reintroduced []string `json:"reintroduced,omitempty"`
	Introduced   []string `json:"introduced,omitempty"`
	Extinct      []string `json:"extinct,omitempty"`
	Uncertain    []string `json:"uncertain,omitempty"`
}

// PopulationJSON is a country population listed differently.
type PopulationJSON struct {
	Countries []string `json:"countries"`
	Appendix  string   `json:"appendix"`
	Note      string   `json:"note,omitempty"`
}

func speciesJSON(lc *locale.Localizer, t species.Taxon, l species.Listing) SpeciesJSON {
	out := SpeciesJSON{ID: t.ID, Name: t.Name, CommonName: commonName(lc, t.CommonNames), Rank: t.Rank, Parent: t.Parent, Synonyms: t.Synonyms,
		CommonNames: t.CommonNames, Listing: listingJSON(l), Terms: t.Terms, IDHints: t.Hint(lc.Lang()), RiskNotes: t.Risk(lc.Lang())}
	if out.Synonyms == nil {
		out.Synonyms = []string{}
	}
	if out.Terms == nil {
		out.Terms = []string{}
	}
	if out.CommonNames == nil {
		out.CommonNames = map[string][]string{}
	}
	for _, p := range t.Populations {
		out.Populations = append(out.Populations, PopulationJSON(p))
	}
	out.CurrentListing, out.Author = t.CurrentListing, t.Author
	if r := t.Range; r.Known() {
		out.Range = &RangeJSON{Native: r.Native, Reintroduced: r.Reintroduced,
			Introduced: append(append([]string{}, r.Introduced...), r.IntroducedUncertain...),
			Extinct:    append(append([]string{}, r.Extinct...), r.ExtinctUncertain...), Uncertain: r.Uncertain}
		if out.Range.Native == nil {
			out.Range.Native = []string{}
		}
	}
	if t.SpeciesPlusID != 0 {
		accepted := t.CitesAccepted
		out.CitesAccepted = &accepted
	}
	return out
}

func (s *Server) searchSpecies(c echo.Context) error {
	limit := 10
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50 {
			return apiError(http.StatusBadRequest, "invalid_limit", "limit must be between 1 and 50")
		}
		limit = n
	}
	ms, err := s.listings.Search(c.QueryParam("q"), limit)
	if err != nil {
		return err
	}
	out := make([]SpeciesJSON, len(ms))
	for i, m := range ms {
		out[i] = speciesJSON(localizer(c), m.Taxon, m.Listing)
		out[i].Score, out[i].MatchedName = m.Score, m.MatchedName
	}
	return c.JSON(http.StatusOK, map[string]any{"species": out, "listing_version": s.svc.Species().Version()})
}

func (s *Server) getSpecies(c echo.Context) error {
	t, l, err := s.listings.Taxon(c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, speciesJSON(localizer(c), t, l))
}

// RequirementsJSON answers GET /api/v1/requirements.
type RequirementsJSON struct {
	Taxon          string         `json:"taxon"`
	Listing        ListingJSON    `json:"listing"`
	Listed         bool           `json:"listed"`
	Documents      []DocumentJSON `json:"documents"`
	Prohibited     bool           `json:"prohibited"`
	ProhibitedCode string         `json:"prohibited_code,omitempty"`
	Reasons        []ReasonJSON   `json:"reasons"`
	ListingVersion string         `json:"listing_version"`
}

// DocumentJSON is one document a shipment must carry.
type DocumentJSON struct {
	Type     string `json:"type"`
	IssuedBy string `json:"issued_by"`
	First    bool   `json:"granted_first"`
}

func (s *Server) requirements(c echo.Context) error {
	r, err := s.listings.Requirements(listings.Query{Taxon: c.QueryParam("taxon"), Direction: c.QueryParam("direction"),
		Purpose: c.QueryParam("purpose"), Source: c.QueryParam("source"), Term: c.QueryParam("term"),
		From: c.QueryParam("from"), To: c.QueryParam("to")})
	if err != nil {
		return err
	}
	out := RequirementsJSON{Taxon: r.Listing.Taxon.Name, Listing: listingJSON(r.Listing), Listed: r.Requirement.Listed,
		Documents: []DocumentJSON{}, Prohibited: r.Requirement.Prohibited, ProhibitedCode: r.Requirement.ProhibitedCode,
		Reasons: ruleReasonsJSON(localizer(c), r.Requirement.Reasons), ListingVersion: s.svc.Species().Version()}
	for _, d := range r.Requirement.Documents {
		out.Documents = append(out.Documents, DocumentJSON(d))
	}
	return c.JSON(http.StatusOK, out)
}

// GuidanceJSON is what the officer reads beside the verdict.
type GuidanceJSON struct {
	Species   []SpeciesGuidanceJSON `json:"species"`
	Documents []DocumentJSON        `json:"documents"`
	Reasons   []ReasonJSON          `json:"reasons"`
}

// SpeciesGuidanceJSON is the guidance for one specimen line.
type SpeciesGuidanceJSON struct {
	Line           string      `json:"line"`
	ID             string      `json:"id,omitempty"`
	Taxon          string      `json:"taxon"`
	CommonName     string      `json:"common_name"` // in the caller's language
	ListingAtIssue ListingJSON `json:"listing_at_issue"`
	ListingNow     ListingJSON `json:"listing_now"`
	ListingChanged bool        `json:"listing_changed"`
	Terms          []string    `json:"terms"`
	IDHints        string      `json:"id_hints,omitempty"`
	RiskNotes      string      `json:"risk_notes,omitempty"`
	// RangeStates are where the taxon occurs natively or was
	// reintroduced: wild specimens from elsewhere are suspect.
	RangeStates []string `json:"range_states,omitempty"`
	// OutOfRange: the line's wild specimens come from outside that range,
	// as the issuer confirmed; compare with the goods and the papers.
	OutOfRange bool `json:"out_of_range,omitempty"`
}

func guidanceJSON(l *locale.Localizer, g *permits.Guidance) *GuidanceJSON {
	if g == nil {
		return nil
	}
	out := &GuidanceJSON{Species: []SpeciesGuidanceJSON{}, Documents: []DocumentJSON{}, Reasons: ruleReasonsJSON(l, g.Reasons)}
	for _, sg := range g.Species {
		sj := SpeciesGuidanceJSON{Line: sg.Line, ID: sg.Taxon.ID, Taxon: sg.Taxon.Name, CommonName: commonName(l, sg.Taxon.CommonNames),
			ListingAtIssue: listingJSON(sg.AtIssue), ListingNow: listingJSON(sg.Now), ListingChanged: sg.ListingChanged,
			Terms: sg.Taxon.Terms, IDHints: sg.Taxon.Hint(l.Lang()), RiskNotes: sg.Taxon.Risk(l.Lang()), OutOfRange: sg.OutOfRange}
		if r := sg.Taxon.Range; r.Known() {
			sj.RangeStates = append(append([]string{}, r.Native...), r.Reintroduced...)
		}
		if sj.Terms == nil {
			sj.Terms = []string{}
		}
		out.Species = append(out.Species, sj)
	}
	for _, d := range g.Documents {
		out.Documents = append(out.Documents, DocumentJSON(d))
	}
	return out
}

// renderedGuidance keeps the guidance of registry permits encoded as JSON,
// per language. permits.Service.Guide hands out the same value for a
// permit and direction while the species reference stays current, the
// guidance is half of a scan's answer, and building and encoding it again
// on every scan of the same permit was work worth saving
// (docs/benchmarks.md).
type renderedGuidance struct {
	c *cache.Cache[renderedKey, json.RawMessage]
}

// renderedKey is a guidance value and a shared localizer (one per
// language): a new species reference means new guidance values, so an
// entry is never stale, only unused.
type renderedKey struct {
	g *permits.Guidance
	l *locale.Localizer
}

// newRenderedGuidance holds about 4,000 encoded guidances in 6 MB.
func newRenderedGuidance(bytes int) renderedGuidance {
	return renderedGuidance{c: cache.New(bytes, func(_ renderedKey, raw json.RawMessage) int { return 16 + len(raw) })}
}

func (r *renderedGuidance) get(l *locale.Localizer, g *permits.Guidance) (json.RawMessage, error) {
	k := renderedKey{g, l}
	if raw, ok := r.c.Get(k); ok {
		return raw, nil
	}
	raw, err := json.Marshal(guidanceJSON(l, g))
	if err != nil {
		return nil, err
	}
	r.c.Put(k, raw)
	return raw, nil
}
