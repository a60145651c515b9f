-- +goose Up
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    authority     TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE permits (
    id                BIGSERIAL PRIMARY KEY,
    authority         TEXT NOT NULL,
    number            TEXT NOT NULL,
    type              TEXT NOT NULL,
    purpose           TEXT NOT NULL,
    status            TEXT NOT NULL,
    exporter_name     TEXT NOT NULL,
    exporter_address  TEXT NOT NULL DEFAULT '',
    exporter_country  TEXT NOT NULL,
    importer_name     TEXT NOT NULL,
    importer_address  TEXT NOT NULL DEFAULT '',
    importer_country  TEXT NOT NULL,
    exporter_account  TEXT NOT NULL DEFAULT '',
    conditions        TEXT NOT NULL DEFAULT '',
    security_stamp    TEXT NOT NULL DEFAULT '',
    valid_from        TIMESTAMPTZ NOT NULL,
    valid_until       TIMESTAMPTZ NOT NULL,
    issued_at         TIMESTAMPTZ NOT NULL,
    issued_by         BIGINT NOT NULL REFERENCES users(id),
    issued_place      TEXT NOT NULL DEFAULT '',
    key_id            TEXT NOT NULL,
    code              TEXT NOT NULL,
    revoked_at        TIMESTAMPTZ,
    revoked_by        BIGINT REFERENCES users(id),
    revocation_reason TEXT NOT NULL DEFAULT '',
    UNIQUE (authority, number)
);
CREATE INDEX permits_exporter_account ON permits (exporter_account);
CREATE INDEX permits_status ON permits (status);

CREATE TABLE permit_lines (
    id             BIGSERIAL PRIMARY KEY,
    permit_id      BIGINT NOT NULL REFERENCES permits(id),
    line           TEXT NOT NULL,
    taxon          TEXT NOT NULL,
    listed_as      TEXT NOT NULL DEFAULT '',
    appendix       TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    term           TEXT NOT NULL,
    source         TEXT NOT NULL,
    quantity       DOUBLE PRECISION NOT NULL,
    unit           TEXT NOT NULL DEFAULT '',
    marks          TEXT NOT NULL DEFAULT '',
    origin_country TEXT NOT NULL DEFAULT '',
    UNIQUE (permit_id, line)
);

CREATE TABLE endorsements (
    id          BIGSERIAL PRIMARY KEY,
    permit_id   BIGINT NOT NULL REFERENCES permits(id),
    direction   TEXT NOT NULL,
    port        TEXT NOT NULL,
    endorsed_at TIMESTAMPTZ NOT NULL,
    officer_id  BIGINT NOT NULL REFERENCES users(id),
    officer     TEXT NOT NULL,
    -- One document serves one shipment: the database, not only the code,
    -- refuses a second endorsement in the same direction.
    UNIQUE (permit_id, direction)
);

CREATE TABLE endorsement_lines (
    id             BIGSERIAL PRIMARY KEY,
    endorsement_id BIGINT NOT NULL REFERENCES endorsements(id),
    line           TEXT NOT NULL,
    quantity       DOUBLE PRECISION NOT NULL
);

CREATE TABLE permit_serials (
    authority TEXT NOT NULL,
    year      INTEGER NOT NULL,
    last      BIGINT NOT NULL,
    PRIMARY KEY (authority, year)
);

CREATE TABLE signing_keys (
    kid        TEXT PRIMARY KEY,
    alg        TEXT NOT NULL,
    public_key TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    retired_at TIMESTAMPTZ
);

CREATE TABLE verifications (
    id          TEXT PRIMARY KEY,
    checked_at  TIMESTAMPTZ NOT NULL,
    user_id     BIGINT NOT NULL,
    username    TEXT NOT NULL,
    verdict     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    authority   TEXT NOT NULL DEFAULT '',
    number      TEXT NOT NULL DEFAULT '',
    key_id      TEXT NOT NULL DEFAULT '',
    code_sha256 TEXT NOT NULL,
    port        TEXT NOT NULL DEFAULT '',
    direction   TEXT NOT NULL DEFAULT '',
    mode        TEXT NOT NULL,
    source      TEXT NOT NULL
);
CREATE INDEX verifications_permit ON verifications (authority, number);
CREATE INDEX verifications_checked_at ON verifications (checked_at);

CREATE TABLE audit_entries (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before      TEXT NOT NULL DEFAULT '',
    after       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_entries_entity ON audit_entries (entity_type, entity_id);

-- +goose Down
DROP TABLE audit_entries;
DROP TABLE verifications;
DROP TABLE signing_keys;
DROP TABLE permit_serials;
DROP TABLE endorsement_lines;
DROP TABLE endorsements;
DROP TABLE permit_lines;
DROP TABLE permits;
DROP TABLE users;
