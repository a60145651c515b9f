package exchange

import (
	"context"
	"fmt"
	"strings"

	"github.com/opencites/opencites/cases"
)

// CasesSink turns what the exchange raises into alerts of this node's
// analysts: a seizure shared by another country, or a refused message.
type CasesSink struct {
	Cases     *cases.Service
	Authority string // this node's authority: the alerts are its analysts'
}

// ExchangeAlert implements AlertSink.
func (s CasesSink) ExchangeAlert(_ context.Context, from string, a Alert) {
	severity := a.Severity
	if !cases.SeverityValid(severity) {
		severity = "medium"
	}
	// Another country's text comes in its own words (English): only the
	// sender is rendered in the reader's language.
	reason := cases.Reason{Text: a.Reason}
	if from != "" {
		reason = cases.Say("alert_exchange", map[string]string{"From": from, "Text": a.Reason}, "From %s: %s", from, a.Reason)
	}
	group := strings.Join([]string{from, a.Kind, a.Taxon}, "/")
	s.Cases.RaiseExternal(s.Authority, "exchange_"+a.Kind, severity, group, reason)
}

// ShareCase publishes a new case as an alert to the other countries: what
// was seized and where it came from, never who (TWIX shares no nominal data).
func (n *Node) ShareCase(ctx context.Context, c *cases.Case) {
	a := Alert{Kind: "seizure", Severity: "high", Country: c.OriginCountry}
	var what []string
	for _, sp := range c.Specimens {
		what = append(what, fmt.Sprintf("%g %s %s", sp.Quantity, sp.Term, sp.Taxon))
		if a.Taxon == "" {
			a.Taxon = sp.Taxon
		}
	}
	a.Reason = fmt.Sprintf("Seizure at %s (%s): %s; origin %s, destination %s, concealment %s.",
		c.Checkpoint, c.Outcome, strings.Join(what, ", "), orDash(c.OriginCountry), orDash(c.DestinationCountry), orDash(c.Concealment))
	n.PublishAlert(ctx, a)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
