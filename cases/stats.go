package cases

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
)

// Count is one bar of a chart.
type Count struct {
	Key   string
	Count int64
}

// Stats are the summaries analysts chart and may share: counts only, no
// names of people and no free text.
type Stats struct {
	Authority string // "" for all
	From, To  time.Time
	Cases     CaseCounts
	Seizures  CaseCounts // cases whose outcome is "seized"
	// Verifications by verdict: the scans made by the authority's users or
	// of its permits.
	Verifications []Count
	// VerificationsByDay splits them by UTC day, oldest first (days with
	// none are left out), for the chart of verdicts over time.
	VerificationsByDay []DayCounts
	Alerts             AlertCounts
}

// DayCounts are one day's counts, the day written YYYY-MM-DD.
type DayCounts struct {
	Day    string
	Counts []Count
}

// CaseCounts count cases along each axis.
type CaseCounts struct {
	Total         int64
	BySpecies     []Count
	ByCheckpoint  []Count
	ByCountry     []Count // origin country
	ByMonth       []Count // YYYY-MM
	ByOutcome     []Count
	ByConcealment []Count
}

// AlertCounts count alerts by rule, status and severity.
type AlertCounts struct {
	Total      int64
	ByRule     []Count
	ByStatus   []Count
	BySeverity []Count
}

type tally map[string]int64

func (t tally) counts() []Count {
	out := make([]Count, 0, len(t))
	for k, n := range t {
		out = append(out, Count{Key: k, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// Summary counts cases, seizures, verifications and alerts of the actor's
// authority (admins: of authority, or all when it is ""), occurring in
// [from, to) where those are set.
// Errors: forbidden, authority_required (403), invalid_country (422).
func (s *Service) Summary(ctx context.Context, actor opencites.Actor, authority string, from, to time.Time) (*Stats, error) {
	authority = strings.ToUpper(strings.TrimSpace(authority))
	if authority != "" && !opencites.ValidCountry(authority) {
		return nil, opencites.Invalid("invalid_country", "authority must be an ISO 3166 alpha-2 code")
	}
	authority, err := statsScope(actor, authority)
	if err != nil {
		return nil, err
	}
	s.settle(ctx)
	st := &Stats{Authority: authority, From: from, To: to}
	db := s.db.WithContext(ctx)
	q := db.Model(&models.Case{})
	if authority != "" {
		q = q.Where("authority = ?", authority)
	}
	if !from.IsZero() {
		q = q.Where("occurred_at >= ?", from)
	}
	if !to.IsZero() {
		q = q.Where("occurred_at < ?", to)
	}
	var rows []models.Case
	if err := q.Select("id, occurred_at, checkpoint, origin_country, outcome, concealment").Preload("Specimens").Find(&rows).Error; err != nil {
		return nil, opencites.Internal("case stats", err)
	}
	count := func(rows []models.Case) CaseCounts {
		sp, cp, co, mo, ou, cn := tally{}, tally{}, tally{}, tally{}, tally{}, tally{}
		for _, r := range rows {
			seen := map[string]bool{}
			for _, x := range r.Specimens {
				if !seen[x.Taxon] {
					seen[x.Taxon] = true
					sp[x.Taxon]++
				}
			}
			cp[r.Checkpoint]++
			if r.OriginCountry != "" {
				co[r.OriginCountry]++
			}
			mo[r.OccurredAt.UTC().Format("2006-01")]++
			ou[r.Outcome]++
			if r.Concealment != "" {
				cn[r.Concealment]++
			}
		}
		return CaseCounts{Total: int64(len(rows)), BySpecies: sp.counts(), ByCheckpoint: cp.counts(), ByCountry: co.counts(),
			ByMonth: mo.counts(), ByOutcome: ou.counts(), ByConcealment: cn.counts()}
	}
	st.Cases = count(rows)
	var seized []models.Case
	for _, r := range rows {
		if r.Outcome == "seized" {
			seized = append(seized, r)
		}
	}
	st.Seizures = count(seized)

	type kv struct {
		Key   string
		Count int64
	}
	// Verifications by UTC day and verdict; the period's totals are their
	// sums.
	ds, err := s.permits.VerdictsByDay(ctx, authority, from, to)
	if err != nil {
		return nil, err
	}
	total, byDay := tally{}, map[string]tally{}
	for _, d := range ds {
		if byDay[d.Day] == nil {
			byDay[d.Day] = tally{}
		}
		byDay[d.Day][d.Verdict] += d.Count
		total[d.Verdict] += d.Count
	}
	st.Verifications = total.counts()
	for _, d := range slices.Sorted(maps.Keys(byDay)) {
		st.VerificationsByDay = append(st.VerificationsByDay, DayCounts{Day: d, Counts: byDay[d].counts()})
	}

	at := map[string]tally{"rule": {}, "status": {}, "severity": {}}
	for col, t := range at {
		var rs []kv
		aq := db.Model(&models.Alert{}).Select(col + " AS key, COUNT(*) AS count")
		if authority != "" {
			aq = aq.Where("authority = ?", authority)
		}
		if !from.IsZero() {
			aq = aq.Where("created_at >= ?", from)
		}
		if !to.IsZero() {
			aq = aq.Where("created_at < ?", to)
		}
		if err := aq.Group(col).Scan(&rs).Error; err != nil {
			return nil, opencites.Internal("alert stats", err)
		}
		for _, r := range rs {
			t[r.Key] = r.Count
			if col == "status" {
				st.Alerts.Total += r.Count
			}
		}
	}
	st.Alerts.ByRule, st.Alerts.ByStatus, st.Alerts.BySeverity = at["rule"].counts(), at["status"].counts(), at["severity"].counts()
	return st, nil
}

// ExportHeader names the columns of Export's rows.
var ExportHeader = []string{"case_id", "authority", "occurred_on", "checkpoint", "port", "latitude", "longitude", "concealment",
	"transport_mode", "origin_country", "transit_countries", "destination_country", "outcome", "taxon", "appendix", "term",
	"quantity", "unit", "documents", "verdicts", "party_roles", "photos"}

// MaxExport is the most cases one export holds.
const MaxExport = 100000

// Export returns the cases matching f as rows for analysis tools, one per
// specimen line: no notes, no descriptions, no officer, and parties as
// their roles and countries only. Cells a spreadsheet would run as a
// formula are prefixed with an apostrophe.
// Errors: forbidden, authority_required (403), those of the filter (422).
func (s *Service) Export(ctx context.Context, actor opencites.Actor, f Filter) ([][]string, error) {
	authority, err := statsScope(actor, "")
	if err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Model(&models.Case{})
	if authority != "" {
		q = q.Where("cases.authority = ?", authority)
	}
	if q, err = s.filtered(q, f); err != nil {
		return nil, err
	}
	var rows []models.Case
	if err := q.Preload("Specimens", orderID).Preload("Documents", orderID).Preload("Parties", orderID).
		Order("cases.occurred_at, cases.id").Limit(MaxExport).Find(&rows).Error; err != nil {
		return nil, opencites.Internal("export cases", err)
	}
	photos := map[int64]int64{}
	var pc []struct {
		CaseID int64
		N      int64
	}
	if err := s.db.WithContext(ctx).Model(&models.CasePhoto{}).Select("case_id, COUNT(*) AS n").Group("case_id").Scan(&pc).Error; err != nil {
		return nil, opencites.Internal("export photos", err)
	}
	for _, p := range pc {
		photos[p.CaseID] = p.N
	}
	out := [][]string{}
	for _, r := range rows {
		var docs, verdicts, roles []string
		for _, d := range r.Documents {
			if d.Number != "" {
				docs = append(docs, d.Number)
			}
			if d.Verdict != "" {
				verdicts = append(verdicts, d.Verdict)
			}
		}
		for _, p := range r.Parties {
			roles = append(roles, strings.TrimSuffix(p.Role+":"+p.Country, ":"))
		}
		coord := func(f *float64) string {
			if f == nil {
				return ""
			}
			return strconv.FormatFloat(*f, 'f', 5, 64)
		}
		base := []string{strconv.FormatInt(r.ID, 10), r.Authority, r.OccurredAt.UTC().Format(time.DateOnly), r.Checkpoint, r.Port,
			coord(r.Latitude), coord(r.Longitude), r.Concealment, r.TransportMode, r.OriginCountry,
			strings.Join(splitCountries(r.TransitCountries), ";"), r.DestinationCountry, r.Outcome}
		tail := []string{strings.Join(docs, ";"), strings.Join(verdicts, ";"), strings.Join(roles, ";"), strconv.FormatInt(photos[r.ID], 10)}
		specs := r.Specimens
		if len(specs) == 0 {
			specs = []models.CaseSpecimen{{}}
		}
		for _, sp := range specs {
			qty := ""
			if sp.Quantity != 0 {
				qty = fmt.Sprint(sp.Quantity)
			}
			row := append(append(append([]string{}, base...), sp.Taxon, sp.Appendix, sp.Term, qty, sp.Unit), tail...)
			for i, c := range row {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) && i != 5 && i != 6 {
					row[i] = "'" + c
				}
			}
			out = append(out, row)
		}
	}
	return out, nil
}
