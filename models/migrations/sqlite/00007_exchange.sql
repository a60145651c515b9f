-- +goose Up
-- What this node learned from the regional exchange: other authorities'
-- trust lists and the live status of their permits.
CREATE TABLE foreign_trust (
    authority  TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL,
    doc        TEXT NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE foreign_permits (
    authority  TEXT NOT NULL,
    number     TEXT NOT NULL,
    status     TEXT NOT NULL,
    data       TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    event_id   TEXT NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (authority, number)
);

-- Messages that failed their signature or trust checks: evidence of a
-- forgery attempt on the exchange.
CREATE TABLE exchange_rejections (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          DATETIME NOT NULL,
    subject     TEXT NOT NULL,
    authority   TEXT NOT NULL,
    reason      TEXT NOT NULL
);

-- +goose Down
DROP TABLE exchange_rejections;
DROP TABLE foreign_permits;
DROP TABLE foreign_trust;
