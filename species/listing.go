package species

import (
	"fmt"
	"slices"
	"strings"
)

// listing is the listing of a taxon as the file gives it, shared by every taxon with the
// same one (26,000 orchids share a handful).
type listing struct {
	current string // "I/II", as in the file
	set     uint8  // the Appendices of current, 1<<appI | ...
	// raw cells of the export, kept as read (HTML and all), for the stored form
	annotation, full, es, fr, symbol, symbolRaw string
	// for people
	clean, cleanFull, cleanES, cleanFR, symbolText string
	legacy                                         bool // a starter-format listing: clean is "#4: ..."
	// rules as read from the listing; see rulesFor
	rules rules
	whole uint8 // the Appendix of the taxon outside the populations and taxa it names
}

func (l *listing) describe(t *Taxon) {
	t.CurrentListing = l.current
	switch l.whole {
	case appNC:
		t.NotListed = true
	case appI, appII, appIII:
		t.Appendix = appNames[l.whole]
	}
	t.Annotation = l.clean
	t.FullAnnotation = l.cleanFull
	if l.clean != "" || l.cleanES != "" || l.cleanFR != "" {
		t.Annotations = map[string]string{}
		for lang, s := range map[string]string{"en": l.clean, "es": l.cleanES, "fr": l.cleanFR} {
			if s != "" {
				t.Annotations[lang] = s
			}
		}
	}
	t.AnnotationSymbol, t.SymbolAnnotation = l.symbol, l.symbolText
	for _, s := range l.rules.stmts {
		if s.scope == scopeOnly && s.app != l.whole {
			p := Population{Countries: splitCodes(s.codes), Appendix: appNames[s.app], Note: s.text}
			if s.app == appNC {
				p.Appendix = ""
			}
			t.Populations = append(t.Populations, p)
		}
	}
	for _, q := range l.rules.quotas() {
		if q.codes == "" && q.taxa == nil {
			t.ZeroQuotas = append(t.ZeroQuotas, q.ZeroQuota)
		}
	}
}

func (ru *rules) quotas() []zeroQuota {
	out := slices.Clone(ru.anyQuotas)
	for _, s := range ru.stmts {
		out = append(out, s.quotas...)
	}
	return out
}

// deriveRules reads the rules of a listing of a Species+ import. taxon names the taxon
// (for abbreviations), parent is the listing of its parent or nil: a subspecies row
// repeats its species' annotation lines before its own ("Appendix I: Popns of BT, CN,
// MN, MX. / Appendix II: Included in Ursidae spp. / Appendix I:" for Ursus arctos
// isabellinus), and only its own lines are its listing.
func deriveRules(l *listing, taxon string, parent *listing, n *names) (rules, []string) {
	var ru rules
	var warnings []string
	set := l.set
	if set == 0 {
		return ru, nil
	}
	if c := single(set); c != 0 {
		// One Appendix: the listing covers every population. The annotation still
		// names excepted taxa and zero quotas.
		st := stmt{app: c, scope: scopeAll, text: annotationText(l.annotation)}
		for _, b := range splitBlocks(l.annotation) {
			s, ex, _ := readBlock(b, taxon, n)
			if b.app == c {
				st.quotas = append(st.quotas, s.quotas...)
			}
			for _, e := range ex {
				// A listing in one Appendix covers every population of the taxon; an
				// exception of some populations of another taxon is the text of a
				// higher taxon's listing, repeated.
				if e.codes == "" {
					ru.except = appendExcept(ru.except, e)
				}
			}
		}
		ru.stmts = []stmt{st}
		return ru, nil
	}
	raw := l.annotation
	if raw == "" {
		raw = l.full
	}
	blocks := splitBlocks(raw)
	if parent != nil {
		pb := splitBlocks(parent.annotation)
		if len(pb) > 0 && len(pb) < len(blocks) && blocksEqual(blocks[:len(pb)], pb) {
			blocks = blocks[len(pb):]
		}
	}
	for _, b := range blocks {
		if set&(1<<b.app) == 0 {
			continue // a line of a higher taxon's listing in another Appendix
		}
		s, ex, restNC := readBlock(b, taxon, n)
		ru.stmts = append(ru.stmts, s)
		for _, e := range ex {
			ru.except = appendExcept(ru.except, e)
		}
		if restNC {
			ru.stmts = append(ru.stmts, stmt{app: appNC, scope: scopeRest, text: s.text})
		}
		if s.scope == scopeUnknown {
			warnings = append(warnings, fmt.Sprintf("%s (%s): the annotation %q does not say clearly which populations it covers; the taxon resolves to an ambiguity",
				taxon, l.current, s.text))
		}
	}
	if len(ru.stmts) == 0 {
		ru.undecided = true
	}
	return ru, warnings
}

func appendExcept(list []exceptTaxon, e exceptTaxon) []exceptTaxon {
	if slices.Contains(list, e) {
		return list
	}
	return append(list, e)
}

func blocksEqual(a, b []block) bool {
	for i := range a {
		if a[i].app != b[i].app || cleanInline(a[i].text) != cleanInline(b[i].text) {
			return false
		}
	}
	return true
}

// decision is what a listing says for specimens from one country.
type decision struct {
	app       uint8 // 0 when no statement of the listing applies
	st        *stmt
	byCountry bool   // a statement about populations decided
	reason    string // non-empty: the listing cannot decide
	cands     []Candidate
}

// decide applies the statements of a listing to specimens from country ("" when not
// known). The statement naming the country's population wins over one excepting
// populations, which wins over one for every population, which wins over one for the
// rest; statements of the same weight that disagree, a country only part of whose
// population a statement covers, and an unknown country where populations differ, make
// the listing undecidable.
func (ru *rules) decide(taxon, country string) decision {
	if ru.undecided {
		return decision{reason: "its listing is split and its annotation does not say how"}
	}
	best, bestApp := -1, uint8(0)
	var bestSt *stmt
	conflict, needCountry := false, false
	for i := range ru.stmts {
		s := &ru.stmts[i]
		prio := -1
		switch s.scope {
		case scopeUnknown:
			return decision{reason: fmt.Sprintf("its annotation does not say clearly which populations are in Appendix %s: %q", appNames[s.app], s.text),
				cands: ru.populationCandidates(taxon)}
		case scopeAll:
			prio = 1
		case scopeRest:
			prio = 0
		case scopeOnly, scopeExcept:
			if country == "" {
				needCountry = true
				break
			}
			m := out
			if hasCode(s.codes, country) {
				m = in
			}
			for _, g := range s.regions {
				m = max(m, regionOf(g, country))
			}
			if m == partly {
				return decision{reason: fmt.Sprintf("%s is only partly in the region the annotation names (%q)", country, s.text),
					cands: ru.populationCandidates(taxon)}
			}
			if s.scope == scopeOnly && m == in {
				prio = 3
			}
			if s.scope == scopeExcept && m == out {
				prio = 2
			}
		}
		if s.partial != "" {
			if country == "" {
				needCountry = true
			} else if hasCode(s.partial, country) {
				return decision{reason: fmt.Sprintf("only part of the population of %s is in Appendix %s (%q)", country, appNames[s.app], s.text),
					cands: ru.populationCandidates(taxon)}
			}
		}
		switch {
		case prio < 0:
		case prio > best:
			best, bestApp, bestSt, conflict = prio, s.app, s, false
		case prio == best && s.app != bestApp:
			conflict = true
		}
	}
	if needCountry && (best < 0 || ru.appendicesDiffer()) {
		return decision{reason: "its Appendix depends on the country of origin, which was not given",
			cands: ru.populationCandidates(taxon)}
	}
	if conflict {
		return decision{reason: "its annotation places it in two Appendices", cands: ru.populationCandidates(taxon)}
	}
	if best < 0 {
		return decision{}
	}
	return decision{app: bestApp, st: bestSt, byCountry: best >= 2}
}

func (ru *rules) appendicesDiffer() bool {
	for _, s := range ru.stmts[1:] {
		if s.app != ru.stmts[0].app {
			return true
		}
	}
	return false
}

// populationCandidates names the statements of a listing for an *AmbiguousError.
func (ru *rules) populationCandidates(taxon string) []Candidate {
	var out []Candidate
	byPlace := slices.ContainsFunc(ru.stmts, func(s stmt) bool { return s.scope == scopeOnly || s.scope == scopeExcept })
	for _, s := range ru.stmts {
		var where string
		switch s.scope {
		case scopeOnly:
			where = placesText("populations of", s)
		case scopeExcept:
			where = placesText("all populations except", s)
		case scopeRest:
			where = "other populations"
		case scopeAll:
			where = "all populations"
			if byPlace {
				where = "other populations"
			}
		default:
			where = s.text
		}
		if s.partial != "" {
			where += "; part of the population of " + strings.Join(splitCodes(s.partial), ", ")
		}
		out = append(out, Candidate{Name: taxon + " (" + where + ")", Appendix: appNames[s.app]})
	}
	return out
}

func placesText(prefix string, s stmt) string {
	var parts []string
	parts = append(parts, splitCodes(s.codes)...)
	for _, g := range s.regions {
		parts = append(parts, g.String())
	}
	return prefix + " " + strings.Join(parts, ", ")
}

// Resolve is the one entry point for a name on a permit line: the accepted taxon the
// name denotes and the listing that applies to its specimens from country (ISO 3166
// alpha-2 of the country of origin, or of export when the specimens are not
// re-exported; "" when not known).
//
// The name is matched after normalisation (case, spaces, diacritics, a trailing
// "spp.", parenthesised subgenera) against accepted names, synonyms and common names
// in every language held, in that order; RequestedAs holds the name as asked when it
// was not the accepted name. A name Species+ carries that the CITES nomenclature has
// not adopted (CitesAccepted false) resolves to the CITES-accepted taxon of which
// Species+ gives it as a synonym, when there is one ("Ocadia philippeni" to Mauremys
// sinensis). Otherwise it resolves to its own row, with the listing the export gives
// that row (for most of them, orchids, the listing of Orchidaceae; the row of
// "Abronia frosti" gives I), or its higher taxon's when the row gives none: such names
// are covered by their higher taxon's listing. Taxon.CitesAccepted is then false, for
// the caller to say that the name is not the standard one.
//
// A name that is none of these is refused with an error wrapping ErrNotFound: there is
// no climbing from an unknown binomial to its genus, since a name that is not in the
// file is not a CITES taxon, and the typo of an Appendix I species must not pass as
// its genus. Suggest offers the names meant.
//
// A higher taxon ("Falconiformes", "Orchidaceae spp.") is a valid name and gets the
// Appendix its listing gives the taxon as a whole ("Appendix II: Except the species
// included in Appendix I" gives II). The listing is refused with an *AmbiguousError
// (matching ErrAmbiguous, and ErrNotFound for older callers) when it cannot be decided:
// a split listing whose annotation does not say how (the lower taxa that decide it are
// named), populations listed differently and no country given, a country only part of
// whose population is listed, a lower taxon excepted from the listing where it is
// asked, or a common name shared by several taxa.
func (r *Reference) Resolve(name, country string) (Resolution, error) {
	i, requestedAs, err := r.find(name)
	if err != nil {
		return Resolution{}, err
	}
	country = strings.ToUpper(strings.TrimSpace(country))
	l, err := r.listingOf(i, country, name, requestedAs != "")
	if err != nil {
		return Resolution{}, err
	}
	res := Resolution{Taxon: l.Taxon, RequestedAs: requestedAs, Listing: l}
	if r.taxa[i].rank == rankIndex("species") {
		res.ListedDifferently = r.listedDifferently(i, l)
	}
	return res, nil
}

// listingOf finds the listing of taxon i for specimens from country, up the taxonomic
// chain when the taxon has no listing of its own.
func (r *Reference) listingOf(i int32, country, asked string, bySynonym bool) (Listing, error) {
	t := r.materialize(i)
	var legacyQuotas []ZeroQuota // of starter taxa on the way up
	var below []int32            // taxa passed on the way up
	for cur := i; cur >= 0; cur = r.taxa[cur].parent {
		ct := &r.taxa[cur]
		if ct.listing < 0 {
			below = append(below, cur)
			continue
		}
		l := &r.listings[ct.listing]
		ru := &l.rules
		askedKey := ""
		if bySynonym {
			askedKey = normalize(asked)
		}
		if e, ok := r.excepted(ru, i, below, country, askedKey); ok {
			where := ""
			if e.codes != "" {
				where = " (populations of " + strings.Join(splitCodes(e.codes), ", ") + ")"
			}
			c := Candidate{Name: e.name + where}
			if k, ok := r.matchName(e.key); ok {
				c.ID = r.taxa[k].id
				if l := r.taxa[k].listing; l >= 0 {
					c.Appendix = r.listings[l].current
				}
			}
			return Listing{}, &AmbiguousError{Name: asked, Taxon: t.Name,
				Reason:     fmt.Sprintf("the annotation of %s excepts %s%s from its listing", ct.name, e.name, where),
				Candidates: []Candidate{c}}
		}
		d := ru.decide(ct.name, country)
		if d.reason != "" {
			cands := d.cands
			if ru.undecided {
				cands = r.lowerCandidates(cur)
			}
			return Listing{}, &AmbiguousError{Name: asked, Taxon: t.Name, Reason: ct.name + ": " + d.reason, Candidates: cands}
		}
		if d.app == 0 && l.set&(1<<appNC) != 0 && !l.legacy && len(ru.stmts) > 0 {
			// A split listing with "NC": populations none of its statements names are
			// not in the Appendices (Struthio camelus outside the countries listed).
			d = decision{app: appNC, byCountry: true}
		}
		if d.app == 0 {
			for _, q := range ru.quotas() {
				legacyQuotas = append(legacyQuotas, q.ZeroQuota)
			}
			below = append(below, cur)
			continue
		}
		out := Listing{Taxon: t, ListedAs: ct.name}
		if d.byCountry && country != "" {
			out.ListedAs = fmt.Sprintf("%s (population of %s)", ct.name, country)
		}
		if d.app == appNC {
			out.NotListed = true
			return out, nil
		}
		out.Appendix = appNames[d.app]
		switch {
		case l.legacy:
			out.Annotation = l.clean
		case l.symbol != "":
			out.Annotation = l.symbol + ": " + l.symbolText
		case d.st != nil:
			out.Annotation = d.st.text
		}
		out.Symbol = l.symbol
		out.ZeroQuotas = append(legacyQuotas, r.quotasFor(ru, d, country, i, below)...)
		return out, nil
	}
	reason := "no listing applies to it in this reference"
	cands := r.lowerCandidates(i)
	if len(cands) > 0 {
		reason = "it has no listing of its own and the taxa under it are listed differently"
	}
	return Listing{}, &AmbiguousError{Name: asked, Taxon: t.Name, Reason: reason, Candidates: cands}
}

// excepted reports whether the listing ru excepts the asked taxon i, or a taxon on the
// way up to the listing, from specimens from country; or the name the taxon was asked
// by (askedKey, normalised, for a synonym): Species+ gives "Canis lupus dingo" and
// "Canis familiaris" as synonyms of Canis lupus, whose annotation excludes the dingo
// and the domesticated form, "Canis lupus familiaris". An exception limited to some
// countries ("Except A. c. microdon (populations of CM and NG)") applies to the taxon
// asked when it is the excepted taxon's parent or higher.
func (r *Reference) excepted(ru *rules, i int32, below []int32, country, askedKey string) (exceptTaxon, bool) {
	if len(ru.except) == 0 {
		return exceptTaxon{}, false
	}
	asked := normalize(r.taxa[i].name)
	for _, e := range ru.except {
		if e.codes == "" {
			if askedKey != "" && sameTaxonName(askedKey, e.key) {
				return e, true
			}
			for _, b := range below {
				if normalize(r.taxa[b].name) == e.key {
					return e, true
				}
			}
			continue
		}
		if country != "" && !hasCode(e.codes, country) {
			continue
		}
		// Limited to some countries: it decides for a taxon above the excepted one.
		if len(below) == 0 || strings.HasPrefix(e.key, asked+" ") {
			return e, true
		}
	}
	return exceptTaxon{}, false
}

// sameTaxonName reports whether two normalised names name the same taxon as far as an
// exception goes: the same name, or the same genus and last epithet ("canis familiaris"
// for "canis lupus familiaris").
func sameTaxonName(a, b string) bool {
	if a == b {
		return true
	}
	aw, bw := strings.Fields(a), strings.Fields(b)
	return len(aw) >= 2 && len(bw) >= 2 && aw[0] == bw[0] && aw[len(aw)-1] == bw[len(bw)-1]
}

// quotasFor returns the zero quotas of the statement that decided, and of a listing in
// one Appendix, that apply to specimens of taxon i from country.
func (r *Reference) quotasFor(ru *rules, d decision, country string, i int32, below []int32) []ZeroQuota {
	var out []ZeroQuota
	for _, q := range ru.anyQuotas {
		out = append(out, q.ZeroQuota)
	}
	keys := []string{normalize(r.taxa[i].name)}
	for _, b := range below {
		keys = append(keys, normalize(r.taxa[b].name))
	}
	for _, s := range ru.stmts {
		if s.app != d.app {
			continue
		}
		for _, q := range s.quotas {
			if q.codes != "" && country != "" && !hasCode(q.codes, country) {
				continue
			}
			if q.taxa != nil && !slices.ContainsFunc(q.taxa, func(k string) bool { return slices.Contains(keys, k) }) {
				continue
			}
			out = append(out, q.ZeroQuota)
		}
	}
	return out
}

// lowerCandidates names the taxa under taxon top that have a listing of their own: what
// decides a higher taxon without one. The taxon only is left out; at most 25 are named.
func (r *Reference) lowerCandidates(top int32) []Candidate {
	const limit = 25
	var out []Candidate
	stack := []int32{}
	kids := r.children[r.childStart[top]:r.childStart[top+1]]
	for k := len(kids) - 1; k >= 0; k-- {
		stack = append(stack, kids[k])
	}
	for len(stack) > 0 && len(out) < limit {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		t := &r.taxa[c]
		if t.listing >= 0 && r.listings[t.listing].set != 0 {
			l := &r.listings[t.listing]
			app := l.current
			if app == "" {
				app = appNames[l.whole]
			}
			out = append(out, Candidate{ID: t.id, Name: t.name, Appendix: app})
			continue
		}
		kids := r.children[r.childStart[c]:r.childStart[c+1]]
		for k := len(kids) - 1; k >= 0; k-- {
			stack = append(stack, kids[k])
		}
	}
	return out
}

// listedDifferently names the lower taxa of species i whose own listing differs from the
// listing l the species got.
func (r *Reference) listedDifferently(i int32, l Listing) []Candidate {
	species := l.Appendix
	if l.NotListed {
		species = "NC"
	}
	var out []Candidate
	for _, c := range r.children[r.childStart[i]:r.childStart[i+1]] {
		t := &r.taxa[c]
		if t.listing < 0 || r.listings[t.listing].set == 0 {
			continue // takes the species' listing
		}
		cl := &r.listings[t.listing]
		// whole is 0 when the child's listing depends on the country or cannot be
		// decided: worth naming too.
		if cl.whole != 0 && appNames[cl.whole] == species {
			continue
		}
		show := cl.current
		if show == "" {
			show = appNames[cl.whole]
		}
		out = append(out, Candidate{ID: t.id, Name: t.name, Appendix: show})
	}
	return out
}

// find matches a name: accepted names of CITES-accepted taxa first, then their
// synonyms, then names Species+ carries that CITES has not adopted, their synonyms, and
// common names last. It returns the taxon, the name as asked when it was not the
// taxon's accepted name, and an error wrapping ErrNotFound, or an *AmbiguousError when
// the best-ranked matches name several taxa.
func (r *Reference) find(name string) (int32, string, error) {
	key := normalize(name)
	if key == "" {
		return -1, "", fmt.Errorf("%w: empty name %q", ErrNotFound, name)
	}
	lo, hi := r.nameRange(key)
	if lo == hi {
		return -1, "", fmt.Errorf("%w: %q is not a taxon of listing %s", ErrNotFound, strings.TrimSpace(name), r.version)
	}
	best := 5
	for _, e := range r.names[lo:hi] {
		best = min(best, r.matchClass(e))
	}
	var found []int32
	for _, e := range r.names[lo:hi] {
		if r.matchClass(e) == best && !slices.Contains(found, e.taxon) {
			found = append(found, e.taxon)
		}
	}
	if len(found) > 1 {
		reason := fmt.Sprintf("it names %d taxa", len(found))
		if best == 4 {
			reason = fmt.Sprintf("it is the common name of %d taxa", len(found))
		}
		e := &AmbiguousError{Name: strings.TrimSpace(name), Reason: reason}
		for _, f := range found {
			t := &r.taxa[f]
			app := ""
			if t.listing >= 0 {
				app = r.listings[t.listing].current
			}
			e.Candidates = append(e.Candidates, Candidate{ID: t.id, Name: t.name, Appendix: app})
		}
		return -1, "", e
	}
	requestedAs := ""
	if best != 0 && best != 2 {
		requestedAs = strings.TrimSpace(name)
	}
	return found[0], requestedAs, nil
}

// matchClass ranks a name entry for find: 0 accepted name, 1 synonym of a
// CITES-accepted taxon, 2 accepted name not adopted by CITES, 3 its synonym, 4 common.
func (r *Reference) matchClass(e nameEntry) int {
	accepted := r.taxa[e.taxon].accepted
	switch {
	case e.kind == kindCommon:
		return 4
	case e.kind == kindAccepted && accepted:
		return 0
	case e.kind == kindSynonym && accepted:
		return 1
	case e.kind == kindAccepted:
		return 2
	}
	return 3
}
