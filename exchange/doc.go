// Package exchange joins national OpenCITES nodes into a regional network
// over NATS JetStream, the way the TWIX platforms join enforcement
// officials: each country runs its own node, database and keys; nodes
// publish their trust lists, permit events (issued, revoked, endorsed with
// the quantities actually shipped, accepted at import: EPIX's "confirm
// quantities") and seizure alerts; every node keeps what it learns, so a
// Kazakh officer who scans a Kyrgyz permit gets its live status.
//
// Nothing is taken on the broker's word. A trust list must be signed by
// the anchor this node pinned for its authority; every other message is a
// JWS signed by a key in its authority's trust list, so neither a broker
// nor another country can forge a Kyrgyz revocation. A refused message is
// recorded and raised as an alert.
//
// Nothing is lost either. Trust lists are kept as the last value per
// authority in a JetStream key-value bucket, put again every minute, so a
// node that pins a country late finds its list there. A message whose
// signing key this node does not know yet (no pin or no list for its
// country yet, or a key newer than the list) is not a forgery: it waits in
// the database (bounded; see pending.go) and is applied when the key
// arrives. What the node sends goes through an outbox table, written in
// the transaction of the change it reports (a committed change is sent
// even if the process dies right after; a rolled-back one never is), so
// messages written while the broker is away go out, in order, when it
// returns.
// Delivery is at-least-once through a durable consumer per node, so a node
// that was down catches up; applying a message twice changes nothing
// (events are applied once by id, and permit states carry a sequence so
// only newer ones apply). Stats gives the operator the counts.
package exchange
