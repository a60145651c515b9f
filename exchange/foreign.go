package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/verifier"
	"gorm.io/gorm"
)

// Key implements permits.Foreign: a key from another authority's trust
// list, which speaks for that authority only.
func (n *Node) Key(_ context.Context, kid string) (verifier.Key, map[string]bool, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	for authority, tl := range n.trust {
		if k, auths, ok := tl.Key(kid); ok && auths[authority] {
			return k, map[string]bool{authority: true}, true
		}
	}
	return verifier.Key{}, nil, false
}

// Permit implements permits.Foreign.
func (n *Node) Permit(ctx context.Context, authority, number string) (*permits.Permit, time.Time, bool, error) {
	var row models.ForeignPermit
	err := n.db.WithContext(ctx).Where("authority = ? AND number = ?", authority, number).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, err
	}
	var s PermitState
	if err := json.Unmarshal([]byte(row.Data), &s); err != nil {
		return nil, time.Time{}, false, err
	}
	p := &permits.Permit{Number: s.Number, Authority: authority, Type: s.Type, Purpose: s.Purpose, Status: row.Status,
		Exporter:   permits.Party{Name: s.Exporter.Name, Country: s.Exporter.Country},
		Importer:   permits.Party{Name: s.Importer.Name, Country: s.Importer.Country},
		ValidUntil: s.ValidUntil, IssuedAt: s.IssuedAt, RevocationReason: s.Revocation}
	p.ValidFrom, _ = time.Parse(time.DateOnly, s.ValidFrom)
	for _, l := range s.Lines {
		p.Lines = append(p.Lines, permits.Line{Line: l.Line, Taxon: l.Taxon, Appendix: l.Appendix, Term: l.Term,
			Source: l.Source, Quantity: l.Quantity, Unit: l.Unit})
	}
	for _, sh := range s.Shipped {
		e := permits.Endorsement{Direction: sh.Direction, Port: sh.Port, At: sh.At}
		for line, q := range sh.Lines {
			e.Lines = append(e.Lines, permits.EndorsedLine{Line: line, Quantity: q})
		}
		p.Endorsements = append(p.Endorsements, e)
	}
	return p, row.UpdatedAt, true, nil
}

// FindPermit implements permits.Foreign.
func (n *Node) FindPermit(ctx context.Context, number string) (*permits.Permit, bool, error) {
	var row models.ForeignPermit
	err := n.db.WithContext(ctx).Where("number = ?", number).Order("updated_at DESC").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	p, _, ok, err := n.Permit(ctx, row.Authority, number)
	return p, ok, err
}
