package exchange

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/verifier"
	"gorm.io/gorm/clause"
)

// Trust lists travel in the bucket Config.TrustBucket, one key per
// authority holding its latest list: a node that pins a country late still
// finds it there. Each node puts its own list there when it changes and
// again every Config.Announce, and watches the bucket for its peers'.

// watchTrust applies the peers' trust lists as they are put in the bucket.
// The watch is backed by polling (pollTrust, every Config.Announce), so a
// watch lost with the broker only delays a list.
func (n *Node) watchTrust() {
	defer n.wg.Done()
	for {
		w, err := n.kv.WatchAll(n.ctx, jetstream.IgnoreDeletes())
		if err == nil {
			for e := range w.Updates() {
				if e != nil && e.Operation() == jetstream.KeyValuePut {
					n.learnTrust(n.ctx, e.Key(), string(e.Value()))
				}
			}
			w.Stop()
		}
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(n.cfg.Announce):
		}
	}
}

// pollTrust reads the pinned peers' lists from the bucket.
func (n *Node) pollTrust(ctx context.Context) {
	for authority := range n.cfg.Peers {
		if authority == n.cfg.Authority {
			continue
		}
		e, err := n.kv.Get(ctx, authority)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			if n.every("poll-trust", time.Minute) {
				n.cfg.Log.Warn("exchange: read trust list", "authority", authority, "err", err)
			}
			return
		}
		n.learnTrust(ctx, authority, string(e.Value()))
	}
}

// learnTrust believes a peer's trust list if the anchor pinned for it
// signed it, and tries again the messages that waited for it.
func (n *Node) learnTrust(ctx context.Context, authority, doc string) {
	n.pmu.Lock()
	defer n.pmu.Unlock()
	if err := n.learnTrustLocked(ctx, authority, doc); err != nil && n.every("learn-trust", time.Minute) {
		n.cfg.Log.Warn("exchange: trust list", "authority", authority, "err", err)
	}
}

// learnTrustLocked is learnTrust for a caller holding pmu. Lists of
// authorities this node has not pinned are ignored: it cannot judge them,
// and the bucket keeps them until it does.
func (n *Node) learnTrustLocked(ctx context.Context, authority, doc string) error {
	anchor, pinned := n.cfg.Peers[authority]
	if authority == n.cfg.Authority || !pinned {
		return nil
	}
	n.mu.RLock()
	same, bad := n.trustDoc[authority] == doc, n.badDoc[authority] == doc
	n.mu.RUnlock()
	if same || bad {
		return nil
	}
	tl, err := verifier.ParseTrustList(doc, anchor)
	if err != nil {
		n.mu.Lock()
		n.badDoc[authority] = doc
		n.mu.Unlock()
		n.reject(ctx, n.subject(authority, KindTrust), authority, "trust list not signed by the pinned anchor: "+err.Error())
		return nil
	}
	changed, err := n.storeTrust(ctx, authority, tl, doc)
	if err != nil || !changed {
		return err
	}
	err = n.retryPending(ctx, func(r models.ExchangePending) bool {
		_, _, listed := tl.Key(r.Kid)
		return r.Authority == authority || listed
	})
	if err == nil {
		err = n.replay(ctx, authority)
	}
	if err != nil {
		// Forget having seen this list, so that the next time it comes
		// (within Config.Announce) the messages are tried again.
		n.mu.Lock()
		delete(n.trustDoc, authority)
		n.mu.Unlock()
	}
	return err
}

// storeTrust keeps a peer's newest trust list; it reports whether it
// changed what the node believes.
func (n *Node) storeTrust(ctx context.Context, authority string, tl *verifier.TrustList, doc string) (bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if cur := n.trust[authority]; cur != nil && tl.Seq < cur.Seq {
		return false, nil // an older list arriving late changes nothing
	}
	row := models.ForeignTrust{Authority: authority, Seq: tl.Seq, Doc: doc, UpdatedAt: n.now()}
	if err := n.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
		return false, fmt.Errorf("store trust list: %w", err)
	}
	n.trust[authority] = tl
	n.trustDoc[authority] = doc
	return true, nil
}

// loadTrust reads the trust lists kept from earlier runs, those of pinned
// authorities only.
func (n *Node) loadTrust(ctx context.Context) error {
	var rows []models.ForeignTrust
	if err := n.db.WithContext(ctx).Find(&rows).Error; err != nil {
		return fmt.Errorf("exchange: load trust lists: %w", err)
	}
	for _, r := range rows {
		if anchor, ok := n.cfg.Peers[r.Authority]; ok && r.Authority != n.cfg.Authority {
			if tl, err := verifier.ParseTrustList(r.Doc, anchor); err == nil {
				n.trust[r.Authority] = tl
				n.trustDoc[r.Authority] = r.Doc
			}
		}
	}
	return nil
}

// ownTrust is this node's own trust list, to check messages in its name;
// it is parsed again only when it changed.
func (n *Node) ownTrust(ctx context.Context) (*verifier.TrustList, string) {
	doc, _, err := n.svc.Keys().TrustList(ctx)
	if err != nil {
		return nil, ""
	}
	n.mu.RLock()
	own, same := n.own, n.ownDoc == doc
	n.mu.RUnlock()
	if same {
		return own, doc
	}
	a, err := n.svc.Keys().Anchor()
	if err != nil {
		return nil, ""
	}
	tl, err := verifier.ParseTrustList(doc, &a.PublicKey)
	if err != nil {
		return nil, ""
	}
	n.mu.Lock()
	n.own, n.ownDoc = tl, doc
	n.mu.Unlock()
	return tl, doc
}

// trustOf is the trust list messages in authority's name are checked
// against, or nil.
func (n *Node) trustOf(ctx context.Context, authority string) *verifier.TrustList {
	if authority == n.cfg.Authority {
		tl, _ := n.ownTrust(ctx)
		return tl
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.trust[authority]
}

// keyOwner names an authority, other than authority, whose trust list
// (this node's own included) lists kid, or "".
func (n *Node) keyOwner(ctx context.Context, kid, authority string) string {
	if own, _ := n.ownTrust(ctx); own != nil && authority != n.cfg.Authority {
		if _, _, ok := own.Key(kid); ok {
			return n.cfg.Authority
		}
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	for a, tl := range n.trust {
		if a == authority {
			continue
		}
		if _, auths, ok := tl.Key(kid); ok && auths[a] {
			return a
		}
	}
	return ""
}

// announce puts this node's trust list in the bucket when it changed, or
// always when force, and publishes it on the stream when it changed (for
// nodes that read trust lists from the stream). A change also retries the
// messages in this node's name that waited for a key.
func (n *Node) announce(ctx context.Context, force bool, put, streamed *string) {
	prev := *put
	tl, doc := n.ownTrust(ctx)
	if tl == nil {
		return
	}
	if doc != prev && prev != "" {
		n.pmu.Lock()
		err := n.retryPending(ctx, func(r models.ExchangePending) bool {
			_, _, listed := tl.Key(r.Kid)
			return r.Authority == n.cfg.Authority || listed
		})
		n.pmu.Unlock()
		if err != nil {
			n.cfg.Log.Warn("exchange: messages kept waiting", "err", err)
		}
	}
	if force || doc != *put {
		if _, err := n.kv.Put(ctx, n.cfg.Authority, []byte(doc)); err != nil {
			if n.every("announce", time.Minute) {
				n.cfg.Log.Warn("exchange: put trust list", "err", err)
			}
			return
		}
		*put = doc
	}
	if doc != *streamed {
		if _, err := n.js.Publish(ctx, n.subject(n.cfg.Authority, KindTrust), []byte(doc)); err != nil {
			return
		}
		*streamed = doc
	}
}
