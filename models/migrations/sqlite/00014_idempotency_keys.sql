-- +goose Up
-- A creating request sent with an Idempotency-Key: the key is claimed in
-- the transaction that creates the record (entity), so a retry after a lost
-- answer finds it; the answer itself is kept once sent, to be replayed.
CREATE TABLE idempotency_keys (
    user_id      BIGINT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    response     BLOB,
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
