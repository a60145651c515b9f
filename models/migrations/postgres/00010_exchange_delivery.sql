-- +goose Up
-- Messages signed for the regional exchange and not yet accepted by the
-- broker: sent in id order, deleted once JetStream acknowledged them.
CREATE TABLE exchange_outbox (
    id         BIGSERIAL PRIMARY KEY,
    subject    TEXT NOT NULL,
    msg_id     TEXT NOT NULL,
    doc        TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Messages received whose signing key this node does not know yet; tried
-- again when a trust list arrives or changes. Bounded per authority and in
-- total by the exchange, and kept at most PendingTTL.
CREATE TABLE exchange_pending (
    id          BIGSERIAL PRIMARY KEY,
    authority   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    kid         TEXT NOT NULL,
    digest      TEXT NOT NULL UNIQUE,
    doc         TEXT NOT NULL,
    size        BIGINT NOT NULL,
    stream_seq  BIGINT NOT NULL,
    reason      TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX exchange_pending_authority ON exchange_pending (authority, id);
CREATE INDEX exchange_pending_received ON exchange_pending (received_at);

-- Authorities whose waiting messages overflowed exchange_pending: read
-- again from the stream, from stream_seq, when their trust list arrives.
CREATE TABLE exchange_replays (
    authority  TEXT PRIMARY KEY,
    stream_seq BIGINT NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);

-- Events already applied, so that a message delivered twice changes nothing.
CREATE TABLE exchange_received (
    authority TEXT NOT NULL,
    event_id  TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (authority, event_id)
);
CREATE INDEX exchange_received_at ON exchange_received (at);

-- +goose Down
DROP TABLE exchange_received;
DROP TABLE exchange_replays;
DROP TABLE exchange_pending;
DROP TABLE exchange_outbox;
