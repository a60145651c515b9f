package species

import (
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Appendix codes inside the package: a listing is a set of them.
const (
	appI uint8 = 1 + iota
	appII
	appIII
	appNC
)

var appNames = [...]string{"", "I", "II", "III", "NC"}

func appendixCode(s string) uint8 {
	switch s {
	case "I":
		return appI
	case "II":
		return appII
	case "III":
		return appIII
	case "NC":
		return appNC
	}
	return 0
}

// parseCurrent reads a CurrentListing cell: "I", "II", "III", "NC", "" or a split such
// as "I/II/NC". It returns the set as a bit mask (1<<code) and whether the cell is valid.
func parseCurrent(s string) (set uint8, ok bool) {
	if s == "" {
		return 0, true
	}
	for part := range strings.SplitSeq(s, "/") {
		c := appendixCode(part)
		if c == 0 || set&(1<<c) != 0 {
			return 0, false
		}
		set |= 1 << c
	}
	return set, true
}

// single returns the one appendix of a set holding one, else 0.
func single(set uint8) uint8 {
	for c := appI; c <= appNC; c++ {
		if set == 1<<c {
			return c
		}
	}
	return 0
}

// scope says which populations a statement of a listing covers.
type scope uint8

const (
	scopeAll     scope = iota // every population
	scopeRest                 // the populations no other statement places
	scopeOnly                 // only the populations in codes and regions
	scopeExcept               // every population but those in codes and regions
	scopeUnknown              // the annotation says something about populations that is not understood
)

// stmt is one statement of a listing: "Appendix I: Popns of BT, CN, MN, MX."
type stmt struct {
	app     uint8
	scope   scope
	codes   string   // countries, two letters each
	regions []region // for scopeOnly and scopeExcept
	partial string   // countries only part of whose population the statement covers
	text    string   // the statement, cleaned, for notes
	quotas  []zeroQuota
}

// exceptTaxon is a lower taxon an annotation excepts from a listing ("Except O. a.
// hodgsonii"), in the countries named, or everywhere when codes is empty.
type exceptTaxon struct {
	key, name string
	codes     string
}

// zeroQuota is a zero quota as an annotation states it, with its scope.
type zeroQuota struct {
	ZeroQuota
	codes string   // countries it is limited to; "" for all
	taxa  []string // normalised names of the taxa it is limited to; nil for all
}

// rules is what the package reads from one listing: its statements, the taxa it
// excepts, and whether it could be read at all.
type rules struct {
	stmts     []stmt
	except    []exceptTaxon
	anyQuotas []zeroQuota // zero quotas whatever the statement (the starter format)
	undecided bool        // a split listing whose annotation states nothing to decide it by
}

// block is one "Appendix X: text" line of an annotation.
type block struct {
	app  uint8
	text string // raw, HTML and all
}

var blockStart = regexp.MustCompile(`(?m)^[ \t]*Appendix[ \x{a0}]+(I|II|III|NC)[ \x{a0}]*:`)

// splitBlocks cuts a raw annotation into its "Appendix X:" lines. Text before the first
// one, if any, is dropped.
func splitBlocks(raw string) []block {
	locs := blockStart.FindAllStringSubmatchIndex(raw, -1)
	var out []block
	for i, loc := range locs {
		end := len(raw)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		out = append(out, block{app: appendixCode(raw[loc[2]:loc[3]]), text: raw[loc[1]:end]})
	}
	return out
}

var (
	tagPattern   = regexp.MustCompile(`<[^>]*>`)
	spacePattern = regexp.MustCompile(`[ \t\x{a0}\r\n]+`)
)

// cleanInline removes HTML tags and entities and non-breaking spaces and collapses
// white space, newlines included.
func cleanInline(s string) string {
	if strings.ContainsRune(s, '<') {
		s = tagPattern.ReplaceAllStringFunc(s, func(tag string) string {
			switch strings.ToLower(strings.Trim(tag, "</> ")) {
			case "i", "b", "em", "strong", "sup", "sub":
				return "" // inline: "<i>Ovis</i>" is a word
			}
			return " "
		})
	}
	if strings.ContainsRune(s, '&') {
		s = html.UnescapeString(s)
	}
	return strings.TrimSpace(spacePattern.ReplaceAllString(s, " "))
}

// cleanAnnotation renders a raw Species+ annotation for people: one line per Appendix
// ("Appendix I: Popns of BT, CN, MN, MX."), HTML and non-breaking spaces gone. A cell
// without "Appendix" lines is cleaned as one line.
func cleanAnnotation(raw string) string {
	if raw == "" {
		return ""
	}
	blocks := splitBlocks(raw)
	if len(blocks) == 0 {
		return cleanInline(raw)
	}
	lines := make([]string, 0, len(blocks))
	for _, b := range blocks {
		line := "Appendix " + appNames[b.app]
		if t := cleanInline(b.text); t != "" {
			line += ": " + t
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// annotationText is the cleaned text of a raw annotation without its "Appendix X:"
// prefixes, the lines joined by spaces: what the #Annotation column says the symbol
// means.
func annotationText(raw string) string {
	blocks := splitBlocks(raw)
	if len(blocks) == 0 {
		return cleanInline(raw)
	}
	var parts []string
	for _, b := range blocks {
		if t := cleanInline(b.text); t != "" && !slices.Contains(parts, t) {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " ")
}

// names tells the annotation reader about countries: codes it may meet and country
// names as Species+ writes them, mapped to codes.
type names struct {
	codes   map[string]bool
	phrases []phrase // country names and regions, longest first
}

// phrase is a country name or a region and what it becomes in a sentence read.
type phrase struct{ text, with string }

func newNames(countries map[string]string) *names {
	n := &names{codes: make(map[string]bool)}
	for _, s := range []string{codesAfrica, codesAsia, codesEurope, codesNorthAmerica, codesCentralAmerica,
		codesCaribbean, codesSouthAmerica, codesOceania} {
		for _, c := range splitCodes(s) {
			n.codes[c] = true
		}
	}
	for name, code := range countries {
		n.codes[code] = true
		if len(name) >= 4 {
			n.phrases = append(n.phrases, phrase{name, " " + code + " "})
		}
	}
	for _, rp := range regionPhrases {
		n.phrases = append(n.phrases, phrase{rp.words, " " + string(phRegion) + strconv.Itoa(int(rp.g)) + string(phClose) + " "})
	}
	slices.SortFunc(n.phrases, func(a, b phrase) int {
		if d := len(b.text) - len(a.text); d != 0 {
			return d
		}
		return strings.Compare(a.text, b.text)
	})
	n.codes["II"] = false // "Appendix II" is not Indonesia's neighbour
	return n
}

// Placeholders for the italic names of an annotation while it is read.
const (
	phOpen   = '\uE000'
	phClose  = '\uE001'
	phRegion = '\uE002'
)

// marked is a block's text with its italic names taken out and replaced by placeholders.
type marked struct {
	text    string
	italics []string
}

// markItalics replaces each <i>...</i> span with a placeholder. A stray <i> where </i>
// belongs (the export has "<i>Rheobatrachus vitellinus<i>") closes the span.
func markItalics(raw string) marked {
	var m marked
	var b strings.Builder
	tagAt := func(i int, tag string) bool {
		return len(raw)-i >= len(tag) && strings.EqualFold(raw[i:i+len(tag)], tag)
	}
	open := -1
	closeSpan := func(i int) {
		m.italics = append(m.italics, cleanInline(raw[open:i]))
		b.WriteString(" ")
		b.WriteRune(phOpen)
		b.WriteString(strconv.Itoa(len(m.italics) - 1))
		b.WriteRune(phClose)
		b.WriteString(" ")
		open = -1
	}
	for i := 0; i < len(raw); {
		switch {
		case tagAt(i, "<i>"):
			if open < 0 {
				open = i + 3
			} else {
				closeSpan(i)
			}
			i += 3
		case tagAt(i, "</i>"):
			if open >= 0 {
				closeSpan(i)
			}
			i += 4
		default:
			if open < 0 {
				b.WriteByte(raw[i])
			}
			i++
		}
	}
	if open >= 0 { // never closed
		b.WriteString(raw[open:])
	}
	m.text = b.String()
	return m
}

// italicIndex returns the index in a placeholder token, or -1.
func italicIndex(tok string) int {
	r, size := utf8.DecodeRuneInString(tok)
	if r != phOpen {
		return -1
	}
	end := strings.IndexRune(tok, phClose)
	if end < 0 {
		return -1
	}
	k, err := strconv.Atoi(tok[size:end])
	if err != nil {
		return -1
	}
	return k
}

// readBlock reads one statement of a listing. taxon is the name of the taxon the
// listing belongs to, for the abbreviations of its annotation ("O. a. hodgsonii").
func readBlock(b block, taxon string, n *names) (stmt, []exceptTaxon, bool) {
	m := markItalics(b.text)
	text := tagPattern.ReplaceAllString(m.text, " ")
	text = html.UnescapeString(text)
	text = spacePattern.ReplaceAllString(text, " ")
	st := stmt{app: b.app, scope: scopeAll, text: cleanInline(b.text)}
	var excepts []exceptTaxon
	var only, except, partial []string
	var onlyReg, exceptReg []region
	rest, restNC, unknown := false, false, false
	for _, sentence := range splitSentences(text) {
		r := readSentence(sentence, m.italics, taxon, n)
		only, except, partial = append(only, r.only...), append(except, r.except...), append(partial, r.partial...)
		onlyReg, exceptReg = append(onlyReg, r.onlyReg...), append(exceptReg, r.exceptReg...)
		rest, restNC, unknown = rest || r.rest, restNC || r.restNC, unknown || r.unknown
		excepts = append(excepts, r.excepts...)
		for _, q := range r.quotas {
			q.Note = cleanInline(q.Note)
			st.quotas = append(st.quotas, q)
		}
	}
	switch {
	case unknown || (len(only)+len(onlyReg) > 0 && len(except)+len(exceptReg) > 0):
		st.scope = scopeUnknown
	case len(only)+len(onlyReg)+len(partial) > 0:
		st.scope, st.codes, st.regions = scopeOnly, joinCodes(only), onlyReg
	case len(except)+len(exceptReg) > 0:
		st.scope, st.codes, st.regions = scopeExcept, joinCodes(except), exceptReg
	case rest:
		st.scope = scopeRest
	}
	st.partial = joinCodes(partial)
	// restNC: "no other population is included in the Appendices", a statement of its
	// own for the caller to add.
	return st, excepts, restNC
}

// splitSentences cuts a block at semicolons and at full stops that end a sentence
// (followed by a capital, a placeholder or the end), keeping "spp." and "O. a." inside.
func splitSentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case ';':
			out = append(out, text[start:i])
			start = i + 1
		case '.':
			j := i + 1
			for j < len(text) && text[j] == ' ' {
				j++
			}
			if j == len(text) {
				out = append(out, text[start:i])
				start = j
				i = j
				break
			}
			r, _ := utf8.DecodeRuneInString(text[j:])
			word := text[max(start, i-4):i]
			if j > i+1 && (unicode.IsUpper(r) || r == phOpen) && !strings.HasSuffix(word, " spp") && !isInitial(text[start:i]) {
				out = append(out, text[start:i])
				start = j
			}
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// isInitial reports whether s ends with a one-letter abbreviation ("O").
func isInitial(s string) bool {
	s = strings.TrimRight(s, " ")
	if strings.HasSuffix(s, "Appendix I") {
		return false // "included in Appendix I. A zero quota..."
	}
	return len(s) == 1 || len(s) >= 2 && s[len(s)-2] == ' ' && unicode.IsLetter(rune(s[len(s)-1]))
}

// sentenceRules is what one sentence of a statement says.
type sentenceRules struct {
	only, except, partial []string
	onlyReg, exceptReg    []region
	rest, restNC, unknown bool
	excepts               []exceptTaxon
	quotas                []zeroQuota
}

// token kinds of a sentence.
const (
	tokWord = iota
	tokCode
	tokRegion
	tokTaxon
	tokComma
)

type token struct {
	kind  int
	word  string // lower case, for tokWord
	code  string
	reg   region
	taxon int // index into the italic names, or -1 for a plain "Xxx spp."
	plain string
}

var wordPattern = regexp.MustCompile("[\uE000\uE002][0-9]+\uE001|[A-Za-z][A-Za-z'’-]*|,|[0-9]+")

// readSentence reads the populations, excepted taxa and zero quotas of one sentence.
func readSentence(s string, italics []string, taxon string, n *names) sentenceRules {
	var r sentenceRules
	lower := strings.ToLower(s)
	if strings.Contains(lower, "all other populations") {
		// "...; all other populations are included in Appendix II": said again by the
		// statement of that Appendix.
		return r
	}
	if strings.Contains(lower, "no other population") {
		r.restNC = true
		return r
	}
	exUSSR := false
	for _, p := range []string{"excluding the area that formerly constituted the ussr", "formerly constituted the ussr", "former ussr"} {
		if i := strings.Index(lower, p); i >= 0 {
			exUSSR = true
			s = s[:i] + s[i+len(p):]
			break
		}
	}
	s, quotaParts := takeQuotas(s, n)
	// Regions and country names become tokens, the longest phrase first: "West
	// Greenland" is a region, "South Africa" a country.
	for _, p := range n.phrases {
		s = replaceWord(s, p.text, p.with)
	}
	toks := tokenize(s, n)
	for _, q := range quotaParts {
		if z := q.quota(taxon, italics); z.Note != "" {
			r.quotas = append(r.quotas, z)
		}
	}

	var (
		pending     []token // places named before the word that says what of them
		recent      []token // places of the last run, for "SZ and ZA populations of <taxon>"
		target      = scopeOnly
		popSeen     bool // a population word has been seen: places go to target
		cuePartial  bool // the population word followed "part(s) of"
		partialNext bool
		except      bool
		lastExcept  = -1 // index in r.excepts of the taxon later places belong to
	)
	add := func(t token, to scope, partial bool) {
		if exUSSR && t.kind == tokRegion && t.reg == regEurope {
			t.reg = regEuropeExUSSR
		}
		switch {
		case partial && t.kind == tokCode:
			r.partial = append(r.partial, t.code)
		case partial:
			r.unknown = true // part of a region: no country can be placed
		case to == scopeExcept && t.kind == tokCode:
			r.except = append(r.except, t.code)
		case to == scopeExcept:
			r.exceptReg = append(r.exceptReg, t.reg)
		case t.kind == tokCode:
			r.only = append(r.only, t.code)
		default:
			r.onlyReg = append(r.onlyReg, t.reg)
		}
	}
	word := func(i int) string {
		if i >= 0 && i < len(toks) && toks[i].kind == tokWord {
			return toks[i].word
		}
		return ""
	}
	for i, t := range toks {
		switch t.kind {
		case tokWord:
			switch t.word {
			case "and", "the", "of", "to", "in":
				continue // keeps a run of places together
			case "part", "parts":
				if word(i+1) == "of" {
					partialNext = true
				}
			case "except", "excepting", "excludes", "exclude", "excluding":
				except = true
				if popSeen {
					target = scopeExcept
				}
				if word(i+1) == "those" && word(i+2) == "included" {
					r.rest = true
				}
			case "population", "populations", "popns", "popn", "stock", "stocks":
				popSeen, cuePartial, partialNext = true, partialNext, false
				target = scopeOnly
				if except {
					target = scopeExcept
				}
				for _, p := range pending {
					add(p, target, cuePartial)
				}
				if len(pending) > 0 {
					recent = append(recent[:0], pending...)
				}
				pending = pending[:0]
				continue
			}
			recent = recent[:0]
		case tokCode, tokRegion:
			switch {
			case lastExcept >= 0:
				if t.kind == tokCode {
					r.excepts[lastExcept].codes += t.code
				}
			case popSeen:
				add(t, target, cuePartial)
				recent = append(recent, t)
			default:
				pending = append(pending, t)
			}
		case tokComma:
		case tokTaxon:
			if !except {
				recent = recent[:0]
				continue
			}
			for _, name := range taxonNames(t, italics, taxon) {
				e := exceptTaxon{key: normalize(name), name: name}
				// "except SZ and ZA populations of C. s. simum": the places belong to
				// the taxon, not to the listing.
				if word(i-1) == "of" && (word(i-2) == "populations" || word(i-2) == "population") {
					for _, p := range recent {
						if p.kind != tokCode {
							continue
						}
						e.codes += p.code
						del := func(c string) bool { return c == p.code }
						r.except, r.only, r.partial = slices.DeleteFunc(r.except, del), slices.DeleteFunc(r.only, del), slices.DeleteFunc(r.partial, del)
					}
				}
				r.excepts = append(r.excepts, e)
				lastExcept = len(r.excepts) - 1
			}
			recent = recent[:0]
		}
	}
	if len(pending) > 0 {
		// Countries named with no word to say what of them: not understood.
		r.unknown = true
	}
	return r
}

// replaceWord replaces whole-word occurrences of name in s, ignoring case.
func replaceWord(s, name, with string) string {
	ls, ln := strings.ToLower(s), strings.ToLower(name)
	if len(ls) != len(s) || len(ln) != len(name) || !strings.Contains(ls, ln) {
		return s // lower-casing changed the length: leave the text as it is
	}
	var b strings.Builder
	for {
		i := strings.Index(ls, ln)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(name)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (i == 0 || !unicode.IsLetter(before)) && (end == len(s) || !unicode.IsLetter(after)) {
			b.WriteString(s[:i])
			b.WriteString(with)
		} else {
			b.WriteString(s[:end])
		}
		s, ls = s[end:], ls[end:]
	}
}

// tokenize cuts a sentence into words, country codes, regions, taxa and commas.
func tokenize(s string, n *names) []token {
	raw := wordPattern.FindAllString(s, -1)
	var toks []token
	for i := 0; i < len(raw); i++ {
		w := raw[i]
		if k := italicIndex(w); k >= 0 {
			toks = append(toks, token{kind: tokTaxon, taxon: k})
			continue
		}
		if w == "," {
			toks = append(toks, token{kind: tokComma})
			continue
		}
		if len(w) == 2 && w[0] >= 'A' && w[0] <= 'Z' && w[1] >= 'A' && w[1] <= 'Z' && n.codes[w] {
			toks = append(toks, token{kind: tokCode, code: w})
			continue
		}
		// A capitalised name followed by "spp.": a higher taxon written plainly.
		if unicode.IsUpper(rune(w[0])) && i+1 < len(raw) && raw[i+1] == "spp" {
			toks = append(toks, token{kind: tokTaxon, taxon: -1, plain: w})
			i++
			continue
		}
		if r, size := utf8.DecodeRuneInString(w); r == phRegion {
			g, _ := strconv.Atoi(w[size : len(w)-utf8.RuneLen(phClose)])
			toks = append(toks, token{kind: tokRegion, reg: region(g)})
			continue
		}
		toks = append(toks, token{kind: tokWord, word: strings.ToLower(w)})
	}
	return toks
}

// taxonNames expands a taxon token into full scientific names: the italic text may
// hold several names ("Agapornis roseicollis, Melopsittacus undulatus"), abbreviated
// ("O. a. hodgsonii", "A. gaiophantasma") or as a bare epithet ("hemionus" under
// Equus hemionus).
func taxonNames(t token, italics []string, taxon string) []string {
	if t.taxon < 0 {
		return []string{t.plain}
	}
	if t.taxon >= len(italics) {
		return nil
	}
	var out []string
	ctx := strings.Fields(taxon)
	for part := range strings.FieldsFuncSeq(italics[t.taxon], func(r rune) bool { return r == ',' || r == '&' }) {
		part = strings.TrimSpace(strings.ReplaceAll(" "+part+" ", " and ", " "))
		words := strings.Fields(part)
		if len(words) == 0 {
			continue
		}
		for k, w := range words {
			if len(w) == 2 && w[1] == '.' && k < len(ctx) && strings.EqualFold(w[:1], ctx[k][:1]) {
				words[k] = ctx[k]
			}
		}
		if !unicode.IsUpper(rune(words[0][0])) {
			// A bare epithet, under the taxon of the annotation.
			words = append(slices.Clone(ctx), words...)
		}
		name := strings.Join(words, " ")
		out = append(out, name)
		ctx = words
	}
	return out
}

// quotaPart is a phrase of a sentence that states a quota.
type quotaPart struct {
	text   string
	anchor string // the country code just before the phrase ("EG (with a zero quota ...)")
}

// takeQuotas removes from s the phrases about quotas (parenthesised, between commas, or
// the whole sentence) and the parentheses that say nothing about populations, and
// returns what is left and the quota phrases.
func takeQuotas(s string, n *names) (string, []quotaPart) {
	var parts []quotaPart
	// Parentheses first.
	for {
		open := strings.IndexByte(s, '(')
		if open < 0 {
			break
		}
		depth, end := 0, -1
		for i := open; i < len(s); i++ {
			if s[i] == '(' {
				depth++
			} else if s[i] == ')' {
				depth--
				if depth == 0 {
					end = i
					break
				}
			}
		}
		if end < 0 {
			s = s[:open] + " " + s[open+1:]
			continue
		}
		inner := s[open+1 : end]
		li := strings.ToLower(inner)
		keep := ""
		switch {
		case strings.Contains(li, "quota"):
			parts = append(parts, quotaPart{text: inner, anchor: lastCode(s[:open], n)})
		case strings.Contains(li, "removed"):
		case strings.Contains(li, "popul") || strings.ContainsRune(inner, phOpen):
			keep = " " + inner + " "
		}
		s = s[:open] + keep + s[end+1:]
	}
	// Then comma phrases.
	phrases := strings.Split(s, ",")
	kept := phrases[:0]
	for _, p := range phrases {
		if strings.Contains(strings.ToLower(p), "quota") {
			anchor := ""
			if strings.HasPrefix(strings.ToLower(strings.TrimSpace(p)), "with") {
				anchor = lastCode(strings.Join(kept, ","), n)
			}
			parts = append(parts, quotaPart{text: p, anchor: anchor})
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, ","), parts
}

// lastCode returns the last country code in s, if s ends with one (spaces aside).
func lastCode(s string, n *names) string {
	s = strings.TrimRight(s, " ,")
	if len(s) >= 2 {
		c := s[len(s)-2:]
		if n.codes[c] && (len(s) == 2 || !unicode.IsLetter(rune(s[len(s)-3]))) {
			return c
		}
	}
	return ""
}

var binomial = regexp.MustCompile(`\bfor ([A-Z][a-z]+ [a-z]{3,})\b`)

// quota reads a zero quota from a quota phrase, when it states one clearly: a zero
// quota, for wild specimens or any, for commercial purposes or any, not limited to a
// kind of specimen (live, trophies), for the country it follows, the taxa it names, or
// the whole listing.
func (q quotaPart) quota(taxon string, italics []string) zeroQuota {
	l := strings.ToLower(q.text)
	note := strings.TrimSpace(q.text)
	if !strings.Contains(l, "zero") {
		return zeroQuota{}
	}
	words := strings.FieldsFunc(l, func(r rune) bool { return !unicode.IsLetter(r) })
	for _, kind := range []string{"live", "trophies", "trophy", "skins", "meat", "caviar"} {
		if slices.Contains(words, kind) {
			return zeroQuota{} // limited to a kind of specimen: kept as text only
		}
	}
	if strings.Contains(l, "specimens from the") || strings.Contains(l, "population") {
		return zeroQuota{} // limited to part of a population: kept as text only
	}
	z := zeroQuota{ZeroQuota: ZeroQuota{Note: note}}
	if strings.Contains(l, "wild") {
		z.Source = "W"
	}
	if strings.Contains(l, "commercial") {
		z.Purpose = "T"
	}
	z.codes = q.anchor
	// The taxa named in the phrase.
	for _, tok := range wordPattern.FindAllString(q.text, -1) {
		if k := italicIndex(tok); k >= 0 {
			for _, name := range taxonNames(token{kind: tokTaxon, taxon: k}, italics, taxon) {
				z.taxa = append(z.taxa, normalize(name))
			}
		}
	}
	if z.taxa == nil {
		for _, m := range binomial.FindAllStringSubmatch(q.text, -1) {
			z.taxa = append(z.taxa, normalize(m[1]))
		}
	}
	z.Note = quotaNote(q.text, italics)
	return z
}

// quotaNote renders a quota phrase for people, with its italic names back.
func quotaNote(s string, italics []string) string {
	var b strings.Builder
	for _, tok := range strings.Fields(s) {
		if k := italicIndex(tok); k >= 0 && k < len(italics) {
			tok = italics[k]
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tok)
	}
	out := strings.TrimSpace(b.String())
	out = strings.TrimPrefix(out, "with ")
	if out != "" {
		out = strings.ToUpper(out[:1]) + out[1:]
	}
	return strings.TrimSuffix(out, ".")
}
