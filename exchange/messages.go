package exchange

import (
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/opencites/opencites/verifier"
)

// EventType is the JWS "typ" of exchange messages other than trust lists.
const EventType = "cites-event+jwt"

// Message kinds, the last element of the subject <prefix>.<authority>.<kind>.
const (
	KindTrust  = "trust"
	KindPermit = "permit"
	KindAlert  = "alert"
	KindImport = "import" // an acceptance at import of another country's permit
)

// Acceptance is an officer's acceptance at import of another authority's
// permit, sent back to the issuing country (EPIX's "confirm quantities").
type Acceptance struct {
	Authority string             `json:"authority"` // the issuing authority
	Number    string             `json:"number"`
	Port      string             `json:"port"`
	At        time.Time          `json:"at"`
	Lines     map[string]float64 `json:"lines"`
}

// PermitState is a permit as its issuing node reports it. It carries no
// personal data beyond what the permit itself shows (parties are
// organisations; officers are not named).
type PermitState struct {
	Number     string     `json:"number"`
	Type       string     `json:"type"`
	Purpose    string     `json:"purpose"`
	Status     string     `json:"status"`
	Exporter   Party      `json:"exporter"`
	Importer   Party      `json:"importer"`
	ValidFrom  string     `json:"valid_from"`
	ValidUntil time.Time  `json:"valid_until"`
	IssuedAt   time.Time  `json:"issued_at"`
	Revocation string     `json:"revocation_reason,omitempty"`
	Lines      []Line     `json:"lines"`
	Shipped    []Shipment `json:"shipments,omitempty"`
}

// Party is an organisation named on a permit.
type Party struct {
	Name    string `json:"name"`
	Country string `json:"country"`
}

// Line is a specimen line.
type Line struct {
	Line     string  `json:"line"`
	Taxon    string  `json:"taxon"`
	Appendix string  `json:"appendix"`
	Term     string  `json:"term"`
	Source   string  `json:"source"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit,omitempty"`
}

// Shipment is an endorsement: the quantities actually shipped or accepted.
type Shipment struct {
	Direction string             `json:"direction"`
	Port      string             `json:"port"`
	At        time.Time          `json:"at"`
	Lines     map[string]float64 `json:"lines"`
}

// Alert is a shared alert: what was seen, never who.
type Alert struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Reason   string `json:"reason"`
	Taxon    string `json:"taxon,omitempty"`
	Country  string `json:"country,omitempty"`
}

// EventClaims is the signed payload of a permit or alert message.
type EventClaims struct {
	Kind   string       `json:"kind"`
	Seq    int64        `json:"seq"` // orders states of one permit: only newer ones apply
	Permit *PermitState `json:"permit,omitempty"`
	Alert  *Alert       `json:"alert,omitempty"`
	Import *Acceptance  `json:"import,omitempty"`
	jwt.RegisteredClaims
}

var errUntrusted = errors.New("signed by a key not in its authority's trust list")

// verifyEvent checks an event against the sender authority's trust list:
// the key must be listed for that authority, active or retired, and the
// claims must name that authority.
func verifyEvent(doc, authority string, trust *verifier.TrustList) (*EventClaims, error) {
	if trust == nil {
		return nil, errors.New("no trust list for " + authority)
	}
	var c EventClaims
	// The leeway allows for the nodes' clocks disagreeing a little.
	p := jwt.NewParser(jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuedAt(), jwt.WithLeeway(2*time.Minute), jwt.WithStrictDecoding())
	t, err := p.ParseWithClaims(strings.TrimSpace(doc), &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, auths, ok := trust.Key(kid)
		if !ok || !auths[authority] || k.Status == verifier.KeyCompromised {
			return nil, errUntrusted
		}
		return k.Public, nil
	})
	if err != nil {
		return nil, err
	}
	if t.Header["typ"] != EventType || c.Issuer != authority {
		return nil, errors.New("event does not speak for " + authority)
	}
	return &c, nil
}
