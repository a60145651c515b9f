package models

import "time"

// ExchangeOutbox is a message this node signed for the regional exchange
// and has not yet seen the broker accept. Rows are sent in ID order and
// deleted once JetStream acknowledged them, so nothing is lost while the
// broker is unreachable; MsgID lets the broker drop a second copy.
type ExchangeOutbox struct {
	ID        int64 `gorm:"primaryKey"`
	Subject   string
	MsgID     string
	Doc       string
	CreatedAt time.Time
}

// TableName keeps GORM from pluralising.
func (ExchangeOutbox) TableName() string { return "exchange_outbox" }

// ExchangePending is a message received from the exchange that this node
// cannot verify yet because it does not know the signing key: no anchor
// pinned or no trust list yet for the authority it names, or a key not in
// that authority's current list. It is tried again when a trust list
// arrives or changes. Digest (SHA-256 of Doc) keeps one copy of a message
// delivered twice; StreamSeq is its place in the stream.
type ExchangePending struct {
	ID         int64 `gorm:"primaryKey"`
	Authority  string
	Kind       string
	Subject    string
	Kid        string
	Digest     string
	Doc        string
	Size       int64
	StreamSeq  int64
	Reason     string
	ReceivedAt time.Time
}

// TableName keeps GORM from pluralising.
func (ExchangePending) TableName() string { return "exchange_pending" }

// ExchangeReplay marks an authority whose waiting messages did not fit in
// exchange_pending: its messages from StreamSeq on are read again from the
// stream when its trust list arrives or changes.
type ExchangeReplay struct {
	Authority string `gorm:"primaryKey"`
	StreamSeq int64
	At        time.Time
}

// ExchangeReceived records an event already applied, by the authority that
// sent it and its id, so a message delivered twice changes nothing.
type ExchangeReceived struct {
	Authority string `gorm:"primaryKey"`
	EventID   string `gorm:"primaryKey"`
	At        time.Time
}

// TableName keeps GORM from pluralising.
func (ExchangeReceived) TableName() string { return "exchange_received" }
